package trustsvc

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

func key(name string) trust.Signer {
	seed := sha256.Sum256([]byte("trustsvc test " + name))
	return trust.Signer(ed25519.NewKeyFromSeed(seed[:]))
}

var (
	host, root, alice, bob = key("host"), key("root"), key("alice"), key("bob")
	at                     = time.Unix(1_800_000_000, 0)
	now                    = uint64(at.Unix())
)

func open(t testing.TB, cfg Config) *Service {
	t.Helper()
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Host, cfg.Clock = host.Public().String(), clock.NewManual(at)
	cfg.MaySetRoots = func(p string) bool { return p == cfg.Host }
	s, err := Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call calls fn as caller and returns its result object, failing the test if the call fails.
func call(t *testing.T, s *Service, caller trust.Signer, fn string, args ...value.Value) value.Value {
	t.Helper()
	v, err := s.Call(service.CallContext{InitPeerID: caller.Public().String(), Service: ServiceID}, fn, args)
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	return v
}

func get(v value.Value, k string) value.Value { f, _ := v.Get(k); return f }

func ok(t *testing.T, fn string, v value.Value) {
	t.Helper()
	if b, _ := get(v, "success").Bool(); !b {
		t.Fatalf("%s: %s", fn, v)
	}
}

// A client makes a trust as with Fluence's service: it gets the bytes, signs them itself,
// issues the trust from its signature, and the node keeps it and weighs the peer.
func TestIssueAddAndWeighATrust(t *testing.T) {
	s := open(t, Config{Roots: map[string]int{root.Public().String(): 3}})
	ts := value.Uint(now)
	bytesRes := call(t, s, root, "get_trust_bytes", value.String(alice.Public().String()), value.Uint(now+3600), value.Uint(now))
	ok(t, "get_trust_bytes", bytesRes)
	msg, err := builtin.BytesArg([]value.Value{get(bytesRes, "result")}, 0, "result")
	if err != nil {
		t.Fatal(err)
	}
	sig := ed25519.Sign(ed25519.PrivateKey(root), msg)
	issued := call(t, s, root, "issue_trust", value.String(alice.Public().String()), value.Uint(now+3600), value.Uint(now), builtin.BytesValue(sig))
	ok(t, "issue_trust", issued)
	tr := get(issued, "trust")
	ok(t, "verify_trust", call(t, s, root, "verify_trust", tr, value.String(root.Public().String()), ts))
	if v := call(t, s, root, "verify_trust", tr, value.String(bob.Public().String()), ts); !strings.Contains(get(v, "error").String(), "does not verify") {
		t.Fatalf("verify_trust with the wrong issuer: %s", v)
	}
	added := call(t, s, root, "add_trust", tr, value.String(root.Public().String()), ts)
	ok(t, "add_trust", added)
	if w, _ := get(added, "weight").Uint64(); w != 4 {
		t.Fatalf("add_trust weight %d, want 4 (root 2^3, one hop)", w)
	}
	weight := call(t, s, bob, "get_weight", value.String(alice.Public().String()), ts)
	if w, _ := get(weight, "weight").Uint64(); w != 4 || get(weight, "peer_id").String() != `"`+alice.Public().String()+`"` {
		t.Fatalf("get_weight: %s", weight)
	}
	if s.Weight(alice.Public().String()) != 4 || s.Weight("not a peer") != 0 {
		t.Fatal("Service.Weight disagrees with get_weight")
	}
}

// Times come from the node's clock: a timestamp_sec far from it is refused, saying so.
func TestTimestampsAreTheNodes(t *testing.T) {
	s := open(t, Config{})
	v := call(t, s, alice, "get_weight", value.String(alice.Public().String()), value.Uint(now-3600))
	if b, _ := get(v, "success").Bool(); b || !strings.Contains(get(v, "error").String(), "pass peer.timestamp_sec") {
		t.Fatalf("an old timestamp: %s", v)
	}
}

// Only the node and its management peer set roots; a certificate inserted raw counts once its
// root is set; a revocation is kept and exported.
func TestRootsCertificatesAndRevocations(t *testing.T) {
	s := open(t, Config{})
	cert := trust.IssueRoot(root, alice.Public(), now+3600, now-10)
	ts := value.Uint(now)
	ok(t, "insert_cert_raw", call(t, s, alice, "insert_cert_raw", value.String(cert.String()), ts))
	if v := call(t, s, alice, "set_root", value.String(root.Public().String()), value.Uint(2)); !strings.Contains(get(v, "error").String(), "only the node") {
		t.Fatalf("a stranger's set_root: %s", v)
	}
	ok(t, "set_root", call(t, s, host, "set_root", value.String(root.Public().String()), value.Uint(2)))
	certs := call(t, s, bob, "get_all_certs", value.String(alice.Public().String()), ts)
	ok(t, "get_all_certs", certs)
	if n := get(certs, "certificates").Len(); n != 1 || get(get(certs, "certificates").Index(0), "chain").Len() != 2 {
		t.Fatalf("get_all_certs: %s", certs)
	}
	// The certificate as JSON goes back in as it came out.
	ok(t, "insert_cert", call(t, s, bob, "insert_cert", get(certs, "certificates").Index(0), ts))

	rev := trust.IssueRevocation(root, alice.Public(), now)
	issued := call(t, s, root, "issue_revocation", value.String(root.Public().String()), value.String(alice.Public().String()), value.Uint(now), builtin.BytesValue(rev.Signature))
	ok(t, "issue_revocation", issued)
	ok(t, "revoke", call(t, s, root, "revoke", get(issued, "revocation"), ts))
	if w := s.Weight(alice.Public().String()); w != 0 {
		t.Fatalf("alice weighs %d after root revoked her", w)
	}
	exported := call(t, s, bob, "export_revocations", value.String(alice.Public().String()))
	if get(exported, "revocations").Len() != 1 {
		t.Fatalf("export_revocations: %s", exported)
	}
}

// The graph outlives a restart: it is in the node's database.
func TestTheGraphIsKept(t *testing.T) {
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := Config{Host: host.Public().String(), Clock: clock.NewManual(at), Roots: map[string]int{root.Public().String(): 1}}
	s, err := Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	call(t, s, root, "add_trust", trustJSON(trust.IssueTrust(root, alice.Public(), now+60, now)), value.String(root.Public().String()), value.Uint(now))
	s2, err := Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if w := s2.Weight(alice.Public().String()); w != 1 {
		t.Fatalf("after reopening, alice weighs %d, want 1", w)
	}
}

func trustJSON(tr trust.Trust) value.Value { return trustValue(tr) }

// A certificate in the node's configuration that does not verify stops the start, naming it.
func TestABadInitialCertificateStopsTheStart(t *testing.T) {
	db, _ := store.Open(store.Options{})
	defer db.Close()
	expired := trust.IssueRoot(root, alice.Public(), now-1, now-100)
	_, err := Open(db, Config{Clock: clock.NewManual(at), Certificates: []string{expired.String()}})
	if err == nil || !strings.Contains(err.Error(), "certificate 0") || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("Open with an expired certificate: %v", err)
	}
}

// Path gives a peer's chain from any key, a root of the node or not, as a certificate that
// verifies against that key.
func TestPathFromAnyKey(t *testing.T) {
	s := open(t, Config{})
	cert := trust.IssueRoot(root, alice.Public(), now+3600, now-10)
	next, err := cert.Extend(alice, bob.Public(), now+3600, now-5)
	if err != nil {
		t.Fatal(err)
	}
	ok(t, "insert_cert_raw", call(t, s, alice, "insert_cert_raw", value.String(next.String()), value.Uint(now)))
	c, err := s.Path(root.Public().String(), bob.Public().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify([]trust.PublicKey{root.Public()}, now, 0); err != nil || len(c.Chain) != 3 {
		t.Fatalf("path %v: %v", c.Chain, err)
	}
	if s.Weight(bob.Public().String()) != 0 {
		t.Fatal("bob weighs something on a node whose roots do not include root")
	}
	if _, err := s.Path(bob.Public().String(), root.Public().String()); err == nil {
		t.Fatal("a path against the trusts' direction")
	}
}

// The _from functions answer from any key, a root of the node or not; the host functions for
// the node's own peer id.
func TestFromAnyKeyAndForTheHost(t *testing.T) {
	s := open(t, Config{Roots: map[string]int{root.Public().String(): 3}})
	ts := value.Uint(now)
	toBob, err := trust.IssueRoot(root, alice.Public(), now+3600, now-10).Extend(alice, bob.Public(), now+3600, now-5)
	if err != nil {
		t.Fatal(err)
	}
	ok(t, "insert_cert_raw", call(t, s, alice, "insert_cert_raw", value.String(toBob.String()), ts))
	ok(t, "insert_cert_raw", call(t, s, alice, "insert_cert_raw", value.String(trust.IssueRoot(root, host.Public(), now+3600, now-10).String()), ts))
	dev := key("dev") // an application developer's key: no root of the node's
	ok(t, "insert_cert_raw", call(t, s, alice, "insert_cert_raw", value.String(trust.IssueRoot(dev, bob.Public(), now+3600, now-10).String()), ts))
	R, A, B, D := root.Public().String(), alice.Public().String(), bob.Public().String(), dev.Public().String()
	for _, c := range []struct {
		peer, from string
		want       uint64
	}{
		{B, R, 1 << 14}, // two hops from root
		{A, R, 1 << 15},
		{B, D, 1 << 15},
		{B, A, 0}, // alice trusts bob, but no chain starts at her
		{A, B, 0}, // against the trusts' direction
		{R, R, 1 << 16},
		{D, D, 1 << 16},
		{A, A, 0}, // no chain starts at alice, not even to herself
	} {
		v := call(t, s, bob, "get_weight_from", value.String(c.peer), value.String(c.from), ts)
		ok(t, "get_weight_from", v)
		if w, _ := get(v, "weight").Uint64(); w != c.want || get(v, "peer_id").String() != `"`+c.peer+`"` {
			t.Errorf("get_weight_from(%s, %s): %s, want weight %d", c.peer, c.from, v, c.want)
		}
	}
	chains := func(fn string, args ...value.Value) []int {
		v := call(t, s, bob, fn, args...)
		ok(t, fn, v)
		var lens []int
		for i := range get(v, "certificates").Len() {
			lens = append(lens, get(get(v, "certificates").Index(i), "chain").Len())
		}
		return lens
	}
	for _, c := range []struct {
		fn   string
		args []value.Value
		want string
	}{
		{"get_all_certs_from", []value.Value{value.String(B), value.String(D), ts}, "[2]"},
		{"get_all_certs_from", []value.Value{value.String(B), value.String(A), ts}, "[]"},
		{"get_all_certs_from", []value.Value{value.String(B), value.String(R), ts}, "[3]"},
		{"get_all_certs_from", []value.Value{value.String(A), value.String(B), ts}, "[]"},
		{"get_host_certs", []value.Value{ts}, "[2]"},
		{"get_host_certs_from", []value.Value{value.String(R), ts}, "[2]"},
		{"get_host_certs_from", []value.Value{value.String(A), ts}, "[]"},
	} {
		if got := fmt.Sprint(chains(c.fn, c.args...)); got != c.want {
			t.Errorf("%s%v: chains of %s, want %s", c.fn, c.args, got, c.want)
		}
	}
}
