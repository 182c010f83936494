package router

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	istore "github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/particle"
)

// countingHandler counts log records.
type countingHandler struct{ n *atomic.Int64 }

func (h countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h countingHandler) Handle(context.Context, slog.Record) error    { h.n.Add(1); return nil }
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h countingHandler) WithGroup(string) slog.Handler                { return h }

func TestRouterValidatesDedupesRoutesAndForgets(t *testing.T) {
	alice, err := scenario.NewIdentity("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := scenario.NewIdentity("bob")
	start := time.UnixMilli(1_700_000_000_000)
	clk := clock.NewManual(start)
	loop, opts := actortest.Loop(1)
	system := actortest.System()
	run := func() {
		t.Helper()
		if loop.Run(100_000); loop.Pending() != 0 {
			t.Fatal("the node did not go idle")
		}
	}
	var sends []*particles.Send
	var stats *Stats
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *particles.Send:
			sends = append(sends, m)
		case *Stats:
			stats = m
		}
	}, opts...))
	reg := system.Root.Spawn(registry.Props(registry.Config{Host: alice.PeerID, Management: alice.PeerID, Clock: clk}, opts...))
	var logged atomic.Int64
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	db, err := istore.Open(istore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := particles.NewStore(db)
	rt := system.Root.Spawn(Props(Config{Self: alice.PeerID, Key: alice.Key, Clock: clk, Registry: reg, Network: probe,
		Logger: slog.New(countingHandler{&logged}), Metrics: metrics, Store: store}, opts...))
	getStats := func() *Stats {
		t.Helper()
		stats = nil
		system.Root.Send(rt, &GetStats{ReplyTo: probe})
		run()
		if stats == nil {
			t.Fatal("no stats")
		}
		return stats
	}

	p := actortest.Particle(t, alice, particle.Particle{ID: "p-1", Timestamp: uint64(start.UnixMilli()), TTL: 60_000, MaxHops: 8,
		Script: fmt.Sprintf(`(seq (call %%init_peer_id%% ("op" "identity") ["x"] r) (call "%s" ("s" "f") [r]))`, bob.PeerID)})
	in := func(p particle.Particle) { system.Root.Send(rt, &Incoming{Particle: p}); run() }

	in(p)
	if len(sends) != 1 || sends[0].To != bob.PeerID {
		t.Fatalf("sends %+v", sends)
	}
	in(p) // a replay
	other := p
	other.Data = []byte("not data") // same particle, other data: an arrival (the run fails, nothing is sent)
	in(other)
	// Each time, the particle's actor finished; the second arrival went to it, kept
	// (kept_test.go).
	s := getStats()
	if s.Live != 0 || s.Finished != 1 || s.Accepted != 2 || s.Replays != 1 || len(sends) != 1 {
		t.Fatalf("stats %+v, %d sends", s, len(sends))
	}
	if n, _ := store.Count(); n != 1 {
		t.Fatalf("%d particles in the store, want 1", n)
	}

	forged := p
	forged.Script += " "
	late := p
	late.ID = "p-late"
	late.Timestamp = uint64(start.Add(-2 * time.Minute).UnixMilli())
	late = actortest.Particle(t, alice, late)
	for range 3 {
		in(forged)
	}
	in(late)
	s = getStats()
	if s.Rejected["bad_signature"] != 3 || s.Rejected["expired"] != 1 || s.Finished != 1 {
		t.Fatalf("stats %+v", s)
	}
	if logged.Load() != 2 { // one line per reason
		t.Fatalf("%d log lines for 4 rejections of 2 reasons, want 2", logged.Load())
	}
	clk.Advance(time.Minute) // also the particle's deadline
	run()
	in(forged)
	if logged.Load() != 3 {
		t.Fatalf("%d log lines after the interval passed, want 3", logged.Load())
	}
	s = getStats()
	if s.Expired != 1 || s.Live != 0 || s.Finished != 0 {
		t.Fatalf("after the deadline: %+v", s)
	}
	if n, _ := store.Count(); n != 0 {
		t.Fatalf("%d particles in the store after the deadline, want 0", n)
	}
	if merged, err := store.Merged(particles.KeyOf(&p)); len(merged) != 0 || err != nil {
		t.Fatalf("the records of %d arrivals merged are left after the deadline (%v)", len(merged), err)
	}
	// The metrics say what the stats say.
	for name, pair := range map[string][2]float64{
		"accepted":           {testutil.ToFloat64(metrics.Accepted), float64(s.Accepted)},
		"replays":            {testutil.ToFloat64(metrics.Replays), float64(s.Replays)},
		"expired":            {testutil.ToFloat64(metrics.Expired), float64(s.Expired)},
		"live":               {testutil.ToFloat64(metrics.Live), float64(s.Live)},
		"bad_signature":      {testutil.ToFloat64(metrics.Rejected.WithLabelValues("bad_signature")), float64(s.Rejected["bad_signature"])},
		"expired (rejected)": {testutil.ToFloat64(metrics.Rejected.WithLabelValues("expired")), float64(s.Rejected["expired"])},
	} {
		if pair[0] != pair[1] {
			t.Errorf("metric %s = %v, stats say %v", name, pair[0], pair[1])
		}
	}
}
