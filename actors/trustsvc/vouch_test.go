package trustsvc

import (
	"errors"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/trust"
)

// A developer vouches for a peer through the certificate the peer presents (a chain from the
// developer to it), or through a chain the graph knows; a revocation the graph keeps cuts
// either; a certificate from someone else, for someone else, or that does not decode does not
// count.
func TestVouches(t *testing.T) {
	s := open(t, Config{})
	dev, mid, carol := key("developer"), key("mid"), key("carol")
	direct := trust.IssueRoot(dev, alice.Public(), now+3600, now-10)
	longer, err := trust.IssueRoot(dev, mid.Public(), now+3600, now-10).Extend(mid, carol.Public(), now+3600, now-10)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer string
		cert       []byte
		want       string // "" vouched; else in the error
	}{
		{"direct", alice.Public().String(), direct.Encode(), ""},
		{"through a peer", carol.Public().String(), longer.Encode(), ""},
		{"nothing presented, nothing known", alice.Public().String(), nil, "presented no certificate"},
		{"someone else's", bob.Public().String(), direct.Encode(), "is for " + alice.Public().String()},
		{"from another root", alice.Public().String(), trust.IssueRoot(root, alice.Public(), now+3600, now-10).Encode(), "not a trusted root"},
		{"expired", alice.Public().String(), trust.IssueRoot(dev, alice.Public(), now-1, now-10).Encode(), "expired"},
		{"garbage", alice.Public().String(), []byte{1, 2, 3}, "does not decode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Vouches(dev.Public(), tc.peer, tc.cert)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("not vouched: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrNoChain)):
				t.Fatalf("got %v, want ErrNoChain saying %q", err, tc.want)
			}
		})
	}

	// mid's revocation of carol, and later the developer's of mid, cut carol's chain.
	if err := s.Revoke(trust.IssueRevocation(mid, carol.Public(), now)); err != nil {
		t.Fatal(err)
	}
	if err := s.Vouches(dev.Public(), carol.Public().String(), longer.Encode()); !errors.Is(err, trust.ErrRevoked) {
		t.Fatalf("carol after mid's revocation: %v, want revoked", err)
	}
	if err := s.Vouches(dev.Public(), alice.Public().String(), direct.Encode()); err != nil {
		t.Fatalf("alice after carol's revocation: %v", err)
	}
	// A trust issued after the revocation wins over it.
	newer, err := trust.IssueRoot(dev, mid.Public(), now+3600, now-10).Extend(mid, carol.Public(), now+3600, now+1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Vouches(dev.Public(), carol.Public().String(), newer.Encode()); err != nil {
		t.Fatalf("carol with a trust newer than the revocation: %v", err)
	}
	// The developer's revocation of mid cuts every chain through mid, however new its trust in carol.
	if err := s.Revoke(trust.IssueRevocation(dev, mid.Public(), now)); err != nil {
		t.Fatal(err)
	}
	if err := s.Vouches(dev.Public(), carol.Public().String(), newer.Encode()); !errors.Is(err, trust.ErrRevoked) {
		t.Fatalf("carol after the developer revoked mid: %v, want revoked", err)
	}

	// A chain the graph knows counts without a certificate presented, and a revocation cuts it.
	if err := s.g.InsertCertificate(direct, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Vouches(dev.Public(), alice.Public().String(), nil); err != nil {
		t.Fatalf("alice through the graph: %v", err)
	}
	if err := s.Revoke(trust.IssueRevocation(dev, alice.Public(), now)); err != nil {
		t.Fatal(err)
	}
	if err := s.Vouches(dev.Public(), alice.Public().String(), nil); !errors.Is(err, ErrNoChain) {
		t.Fatalf("alice through the graph after her revocation: %v, want no chain", err)
	}
	if err := s.Vouches(dev.Public(), alice.Public().String(), direct.Encode()); !errors.Is(err, trust.ErrRevoked) {
		t.Fatalf("alice presenting her revoked certificate: %v, want revoked", err)
	}
}

// BenchmarkVouches is what a call to a service under a perimeter costs its node in trust: a
// presented certificate of the developer's own trust in the caller (its signatures checked), a
// caller the node's graph knows (a walk of what the developer reaches), and either again in
// the same second (remembered).
func BenchmarkVouches(b *testing.B) {
	s := open(b, Config{})
	dev := key("developer")
	cert := trust.IssueRoot(dev, alice.Public(), now+3600, now-10)
	enc, peer := cert.Encode(), alice.Public().String()
	b.Run("presented", func(b *testing.B) {
		for b.Loop() {
			if err := s.vouches(dev.Public(), peer, enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("presented-again", func(b *testing.B) {
		for b.Loop() {
			if err := s.Vouches(dev.Public(), peer, enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("known", func(b *testing.B) {
		if err := s.g.InsertCertificate(cert, now); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := s.vouches(dev.Public(), peer, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
