package triggersvc

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// open returns a started service on an in-memory database and a manual clock, and the
// particles it starts.
func open(t *testing.T, cfg Config) (*Service, *clock.Manual, *[]particle.Particle) {
	t.Helper()
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	var started []particle.Particle
	cfg.Key = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	cfg.Clock, cfg.Start = clk, func(p particle.Particle) { started = append(started, p) }
	s, err := Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	return s, clk, &started
}

func peerOf(t *testing.T, seed byte) string {
	t.Helper()
	b := make([]byte, ed25519.SeedSize)
	b[0] = seed
	priv, err := crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(b))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// A peer may install MaxPerOwner triggers, and all peers together MaxTotal (keys cost
// nothing); the node itself is bound by neither.
func TestTriggersAreBounded(t *testing.T) {
	s, _, _ := open(t, Config{MaxPerOwner: 2, MaxTotal: 3})
	add := func(owner string) error {
		_, err := s.Add(owner, "(null)", value.Null(), Schedule{Every: time.Minute})
		return err
	}
	a, b, c := peerOf(t, 1), peerOf(t, 2), peerOf(t, 3)
	for _, owner := range []string{a, a, b} {
		if err := add(owner); err != nil {
			t.Fatal(err)
		}
	}
	if err := add(a); err == nil || !strings.Contains(err.Error(), "the most a peer may have") {
		t.Fatalf("a third trigger of one peer: %v", err)
	}
	if err := add(c); err == nil || !strings.Contains(err.Error(), "the most it takes") {
		t.Fatalf("a fourth trigger of strangers: %v", err)
	}
	for range 5 {
		if err := add(s.self.String()); err != nil {
			t.Fatalf("the node's own trigger: %v", err)
		}
	}
	if n := len(s.List()); n != 8 {
		t.Fatalf("%d triggers kept, want 8", n)
	}
}

// A timer trigger's runs go by its period; runs missed while the node was down are not made
// up: one runs at the start, and the next on the period's grid.
func TestMissedRunsAreNotMadeUp(t *testing.T) {
	s, clk, started := open(t, Config{})
	id, err := s.Add(peerOf(t, 1), "(null)", value.Null(), Schedule{Every: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(0)
	clk.Advance(10 * time.Second)
	if len(*started) != 2 {
		t.Fatalf("%d runs after 10 s, want 2", len(*started))
	}
	s.Close() // down for 35 s: three runs missed
	clk.Advance(35 * time.Second)
	restarted, err := Open(s.db, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	restarted.Start()
	clk.Advance(0)
	if len(*started) != 3 {
		t.Fatalf("%d runs at the restart, want 3 (one for those missed)", len(*started))
	}
	if got := (*started)[2].ID; got != ParticleID(id, 3) {
		t.Fatalf("the run at the restart is %s, want %s", got, ParticleID(id, 3))
	}
	clk.Advance(4 * time.Second)
	if len(*started) != 3 {
		t.Fatalf("%d runs at 49 s, want 3", len(*started))
	}
	clk.Advance(time.Second) // the grid: 0, 10, ..., 50 s
	if len(*started) != 4 {
		t.Fatalf("%d runs at 50 s, want 4", len(*started))
	}
}
