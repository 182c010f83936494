package p2p

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/core"
)

// FuzzParseNotice: whatever a peer sends on the notice protocol, a notice taken in names a
// peer id (and, if it says by whom, another) and a particle, and its reason is one line of printable text within the bound.
func FuzzParseNotice(f *testing.F) {
	const id = "12D3KooWQVGoEK5mx6gCAu6SVVjaM5oym5iUs8Rju3ihwdz4RLfy"
	f.Add([]byte(`{"particle_id":"p-1","peer":"` + id + `","rejected":true,"reason":"ttl too long"}`))
	f.Add([]byte(`{"particle_id":"p-1","peer":"` + id + `","failed":true,"reason":"\u001b[2J\u001b[31mowned\nline two"}`))
	f.Add([]byte(`{"particle_id":"p-1","peer":"nobody","reason":"x"}`))
	f.Add([]byte(`{"particle_id":"","peer":"` + id + `"}`))
	f.Add([]byte(`{"particle_id":"p","peer":"` + id + `","reason":"` + strings.Repeat("é", 300) + `"}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"particle_id":"p-1","peer":"` + id + `","by":"` + id + `","reason":"no addresses"}`))
	f.Add([]byte(`{"particle_id":"p-1","peer":"` + id + `","by":"\u001b[31mnobody","reason":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := parseNotice(b)
		if err != nil {
			return
		}
		if len(b) > maxNotice {
			t.Fatalf("a notice of %d bytes taken in", len(b))
		}
		if n.ParticleID == "" {
			t.Fatal("a notice without a particle id taken in")
		}
		if _, err := peer.Decode(n.Peer); err != nil {
			t.Fatalf("a notice naming %q taken in: %v", n.Peer, err)
		}
		if _, err := peer.Decode(n.By); n.By != "" && err != nil {
			t.Fatalf("a notice by %q taken in: %v", n.By, err)
		}
		if len(n.Reason) > core.MaxNoticeReason || !utf8.ValidString(n.Reason) {
			t.Fatalf("reason of %d bytes, valid UTF-8 %v", len(n.Reason), utf8.ValidString(n.Reason))
		}
		for _, r := range n.Reason {
			if unicode.IsControl(r) {
				t.Fatalf("reason %q holds the control character %U", n.Reason, r)
			}
		}
	})
}
