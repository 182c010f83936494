package trustsvc

import (
	"strings"
	"testing"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

// with is object v with field key set to val (or removed, if val is nil).
func with(v value.Value, key string, val *value.Value) value.Value {
	var keys []string
	var vals []value.Value
	for i := range v.Len() {
		k, f := v.Field(i)
		if k != key {
			keys, vals = append(keys, k), append(vals, f)
		}
	}
	if val != nil {
		keys, vals = append(keys, key), append(vals, *val)
	}
	return value.Object(keys, vals)
}

func ptr(v value.Value) *value.Value { return &v }

// failure is how a call that cannot be served ends. A call with a number or bytes argument of
// the wrong shape fails as nox's argument readers do (callFails); anything else, a peer id, a
// timestamp, a trust, certificate or revocation included, is the result's error, and the
// result's other fields are their empty values (rest: the result without its error field).
type failure struct {
	name      string
	caller    trust.Signer // alice if nil
	fn        string
	args      []value.Value
	callFails bool
	text      string // what the error says, in part
	rest      string
}

func errorCases() []failure {
	A, R := value.String(alice.Public().String()), value.String(root.Public().String())
	ts, future := value.Uint(now), value.Uint(now+3600)
	badPeer, aNumber := value.String("not-a-peer"), value.Uint(7)
	tr := trustValue(trust.IssueTrust(root, alice.Public(), now+3600, now))
	cert := certificateValue(trust.IssueRoot(root, alice.Public(), now+3600, now-10))
	rev := revocationValue(trust.IssueRevocation(root, alice.Public(), now))
	long := make([]value.Value, trust.MaxChain+1)
	for i := range long {
		long[i] = tr
	}
	const none, noBytes, noTrust, noCerts = `{"success":false}`, `{"result":[],"success":false}`, `{"success":false,"trust":null}`, `{"certificates":[],"success":false}`
	const noRevocation, noRevocations, noWeight = `{"revocation":null,"success":false}`, `{"revocations":[],"success":false}`, `{"success":false,"weight":0}`
	args := func(vs ...value.Value) []value.Value { return vs }
	return []failure{
		{name: "no arguments", fn: "get_trust_bytes", text: "Field 'issued_for_peer_id' is missing", rest: noBytes},
		{name: "bad base58", fn: "get_trust_bytes", args: args(badPeer), text: `issued_for_peer_id: "not-a-peer" is not a peer id`, rest: noBytes},
		{name: "peer of the wrong type", fn: "get_trust_bytes", args: args(aNumber, future, ts), text: "'issued_for_peer_id': expected String, got 7", rest: noBytes},
		{name: "missing expiry", fn: "get_trust_bytes", args: args(A), callFails: true, text: "Field 'expires_at_sec' is missing"},
		{name: "issued_at of the wrong type", fn: "get_trust_bytes", args: args(A, future, A), callFails: true, text: "'issued_at_sec': expected u64"},

		{name: "bad base58", fn: "issue_trust", args: args(badPeer), text: `issued_for_peer_id: "not-a-peer" is not a peer id`, rest: noTrust},
		{name: "missing signature", fn: "issue_trust", args: args(A, future, ts), callFails: true, text: "Field 'trust_bytes' is missing"},
		{name: "signature of the wrong type", fn: "issue_trust", args: args(A, future, ts, A), callFails: true, text: "'trust_bytes': expected Vec<u8>"},
		{name: "short signature", fn: "issue_trust", args: args(A, future, ts, builtin.BytesValue([]byte{1, 2, 3})), text: "a signature of 3 bytes, want 64", rest: noTrust},

		{name: "no arguments", fn: "verify_trust", text: "Field 'trust' is missing", rest: none},
		{name: "trust of the wrong type", fn: "verify_trust", args: args(A, R, ts), text: "'trust': expected Trust", rest: none},
		{name: "trust without expiry", fn: "verify_trust", args: args(with(tr, "expires_at", nil), R, ts), text: "trust: field expires_at is missing", rest: none},
		{name: "trust for a bad peer", fn: "verify_trust", args: args(with(tr, "issued_for", &badPeer), R, ts), text: `trust: issued_for: "not-a-peer" is not a peer id`, rest: none},
		{name: "trust with a bad signature", fn: "verify_trust", args: args(with(tr, "signature", ptr(value.String("0OIl"))), R, ts), text: "trust: signature \"0OIl\": want base58 of 64 bytes", rest: none},
		{name: "trust of another sig_type", fn: "verify_trust", args: args(with(tr, "sig_type", ptr(value.String("rsa"))), R, ts), text: `trust: sig_type "rsa": only ed25519`, rest: none},
		{name: "bad issuer", fn: "verify_trust", args: args(tr, badPeer, ts), text: `issuer_peer_id: "not-a-peer" is not a peer id`, rest: none},
		{name: "missing timestamp", fn: "verify_trust", args: args(tr, R), text: "Field 'timestamp_sec' is missing", rest: none},
		{name: "timestamp of the wrong type", fn: "verify_trust", args: args(tr, R, A), text: "'timestamp_sec': expected u64", rest: none},
		{name: "timestamp in the future", fn: "verify_trust", args: args(tr, R, future), text: "pass peer.timestamp_sec", rest: none},

		{name: "no arguments", fn: "add_trust", text: "Field 'trust' is missing", rest: noWeight},
		{name: "bad issuer", fn: "add_trust", args: args(tr, badPeer, ts), text: `issuer_peer_id: "not-a-peer" is not a peer id`, rest: noWeight},
		{name: "timestamp in the future", fn: "add_trust", args: args(tr, R, future), text: "pass peer.timestamp_sec", rest: noWeight},

		{name: "bad base58", fn: "get_weight", args: args(badPeer, ts), text: `peer_id: "not-a-peer" is not a peer id`, rest: `{"peer_id":"not-a-peer","success":false,"weight":0}`},
		{name: "peer of the wrong type", fn: "get_weight", args: args(aNumber, ts), text: "'peer_id': expected String", rest: `{"peer_id":"","success":false,"weight":0}`},
		{name: "timestamp in the future", fn: "get_weight", args: args(A, future), text: "pass peer.timestamp_sec", rest: `{"peer_id":` + A.String() + `,"success":false,"weight":0}`},

		{name: "bad issuer", fn: "get_weight_from", args: args(A, badPeer, ts), text: `issuer: "not-a-peer" is not a peer id`, rest: `{"peer_id":` + A.String() + `,"success":false,"weight":0}`},
		{name: "timestamp in the future", fn: "get_weight_from", args: args(A, R, future), text: "pass peer.timestamp_sec", rest: `{"peer_id":` + A.String() + `,"success":false,"weight":0}`},

		{name: "bad base58", fn: "get_all_certs", args: args(badPeer, ts), text: `issued_for: "not-a-peer" is not a peer id`, rest: noCerts},
		{name: "missing timestamp", fn: "get_all_certs", args: args(A), text: "Field 'timestamp_sec' is missing", rest: noCerts},
		{name: "timestamp in the future", fn: "get_all_certs", args: args(A, future), text: "pass peer.timestamp_sec", rest: noCerts},
		{name: "bad issuer", fn: "get_all_certs_from", args: args(A, badPeer, ts), text: `issuer: "not-a-peer" is not a peer id`, rest: noCerts},
		{name: "timestamp in the future", fn: "get_all_certs_from", args: args(A, R, future), text: "pass peer.timestamp_sec", rest: noCerts},
		{name: "no arguments", fn: "get_host_certs", text: "Field 'timestamp_sec' is missing", rest: noCerts},
		{name: "timestamp in the future", fn: "get_host_certs", args: args(future), text: "pass peer.timestamp_sec", rest: noCerts},
		{name: "bad issuer", fn: "get_host_certs_from", args: args(badPeer, ts), text: `issuer: "not-a-peer" is not a peer id`, rest: noCerts},
		{name: "timestamp in the future", fn: "get_host_certs_from", args: args(R, future), text: "pass peer.timestamp_sec", rest: noCerts},

		{name: "no arguments", fn: "insert_cert", text: "Field 'certificate' is missing", rest: none},
		{name: "certificate of the wrong type", fn: "insert_cert", args: args(A, ts), text: "'certificate': expected Certificate", rest: none},
		{name: "certificate with a bad trust", fn: "insert_cert", args: args(value.Object([]string{"chain"}, []value.Value{value.Array(tr, with(tr, "signature", &badPeer))}), ts), text: "certificate: trust 1: signature", rest: none},
		{name: "certificate too long", fn: "insert_cert", args: args(value.Object([]string{"chain"}, []value.Value{value.Array(long...)}), ts), text: "certificate: 18 trusts, more than 17", rest: none},
		{name: "timestamp in the future", fn: "insert_cert", args: args(cert, future), text: "pass peer.timestamp_sec", rest: none},

		{name: "no arguments", fn: "insert_cert_raw", callFails: true, text: "Field 'certificate' is missing"},
		{name: "certificate of the wrong type", fn: "insert_cert_raw", args: args(cert, ts), callFails: true, text: "'certificate': expected String"},
		{name: "certificate that does not parse", fn: "insert_cert_raw", args: args(value.String("no certificate"), ts), text: "certificate: 1 lines, want 2", rest: none},
		{name: "timestamp in the future", fn: "insert_cert_raw", args: args(value.String(trust.IssueRoot(root, alice.Public(), now+3600, now-10).String()), future), text: "pass peer.timestamp_sec", rest: none},

		{name: "bad base58", fn: "get_revocation_bytes", args: args(badPeer), text: `revoked_peer_id: "not-a-peer" is not a peer id`, rest: noBytes},
		{name: "missing time", fn: "get_revocation_bytes", args: args(A), callFails: true, text: "Field 'revoked_at' is missing"},

		{name: "bad revoker", fn: "issue_revocation", args: args(badPeer), text: `revoked_by_peer_id: "not-a-peer" is not a peer id`, rest: noRevocation},
		{name: "bad revoked peer", fn: "issue_revocation", args: args(R, badPeer), text: `revoked_peer_id: "not-a-peer" is not a peer id`, rest: noRevocation},
		{name: "missing time", fn: "issue_revocation", args: args(R, A), callFails: true, text: "Field 'revoked_at_sec' is missing"},
		{name: "signature of the wrong type", fn: "issue_revocation", args: args(R, A, ts, A), callFails: true, text: "'signature_bytes': expected Vec<u8>"},
		{name: "short signature", fn: "issue_revocation", args: args(R, A, ts, builtin.BytesValue([]byte{1})), text: "signature_bytes: a signature of 1 bytes, want 64", rest: noRevocation},

		{name: "no arguments", fn: "revoke", text: "Field 'revoke' is missing", rest: none},
		{name: "revocation of the wrong type", fn: "revoke", args: args(A, ts), text: "'revoke': expected Revocation", rest: none},
		{name: "revocation by a bad peer", fn: "revoke", args: args(with(rev, "revoked_by", &badPeer), ts), text: `revoke: revoked_by: "not-a-peer" is not a peer id`, rest: none},
		{name: "revocation with a bad signature", fn: "revoke", args: args(with(rev, "signature", &badPeer), ts), text: "revoke: signature \"not-a-peer\": want base58 of 64 bytes", rest: none},
		{name: "revocation without time", fn: "revoke", args: args(with(rev, "revoked_at", nil), ts), text: "revoke: field revoked_at is missing", rest: none},
		{name: "timestamp in the future", fn: "revoke", args: args(rev, future), text: "pass peer.timestamp_sec", rest: none},

		{name: "no arguments", fn: "export_revocations", text: "Field 'issued_for' is missing", rest: noRevocations},
		{name: "bad base58", fn: "export_revocations", args: args(badPeer), text: `issued_for: "not-a-peer" is not a peer id`, rest: noRevocations},

		{name: "bad base58", caller: host, fn: "set_root", args: args(badPeer, value.Uint(2)), text: `peer_id: "not-a-peer" is not a peer id`, rest: none},
		{name: "missing length", caller: host, fn: "set_root", args: args(R), callFails: true, text: "Field 'max_chain_len' is missing"},
		{name: "a stranger", fn: "set_root", args: args(R, value.Uint(2)), text: "only the node and its management peer", rest: none},
		{name: "too long", caller: host, fn: "set_root", args: args(R, value.Uint(trust.MaxChainLen+1)), text: "max_chain_len 17: at most 16", rest: none},
	}
}

// Every function refuses arguments it cannot serve: the right way (the call fails, or the
// result says why), naming the argument (and the field in it) that was wrong, with the result's
// other fields empty.
func TestErrorPaths(t *testing.T) {
	s := open(t, Config{Roots: map[string]int{root.Public().String(): 3}})
	for _, c := range errorCases() {
		t.Run(c.fn+"/"+c.name, func(t *testing.T) {
			caller := c.caller
			if caller == nil {
				caller = alice
			}
			v, err := s.Call(service.CallContext{InitPeerID: caller.Public().String(), Service: ServiceID}, c.fn, c.args)
			if c.callFails {
				if err == nil || !strings.Contains(err.Error(), c.text) {
					t.Fatalf("got %s, %v; want the call to fail with %q", v, err, c.text)
				}
				return
			}
			if err != nil {
				t.Fatalf("the call failed (%v); want a result saying %q", err, c.text)
			}
			if msg, _ := get(v, "error").Str(); !strings.Contains(msg, c.text) {
				t.Fatalf("error %q, want it to say %q (result %s)", msg, c.text, v)
			}
			if rest := with(v, "error", nil).String(); rest != c.rest {
				t.Fatalf("result %s, want %s besides the error", rest, c.rest)
			}
		})
	}
}

// Arguments beyond those a function reads are ignored, as nox's readers do.
func TestExtraArgumentsAreIgnored(t *testing.T) {
	s := open(t, Config{})
	v := call(t, s, alice, "get_revocation_bytes", value.String(alice.Public().String()), value.Uint(now), value.String("extra"))
	ok(t, "get_revocation_bytes", v)
	if get(v, "result").Len() == 0 {
		t.Fatalf("get_revocation_bytes: %s", v)
	}
}
