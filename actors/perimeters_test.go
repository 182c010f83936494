package actors

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aquanet/aquanet/actors/perimeter"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
)

// Denials are all counted, by reason, but logged once per reason and interval: the first at
// once, the rest in one line at the next interval with how many there were.
func TestDenialsAreCountedAndLoggedOncePerInterval(t *testing.T) {
	clk := clock.NewManual(time.Unix(1_700_000_000, 0))
	var logs bytes.Buffer
	g := &perimeterGuard{clock: clk, logger: slog.New(slog.NewTextHandler(&logs, nil)), logEvery: 10 * time.Second,
		logged:  map[perimeter.Reason]*denialLog{},
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "d"}, []string{"reason"})}
	call := &service.Call{Function: "add", Context: service.CallContext{ParticleID: "p", InitPeerID: "someone"}}
	deny := func(r perimeter.Reason) {
		g.record(&perimeter.Denial{App: "chat", Service: "history", Reason: r}, call)
	}
	lines := func() int { return strings.Count(logs.String(), "perimeter denied a call") }

	for range 5 {
		deny(perimeter.NotMember)
	}
	deny(perimeter.Revoked)
	if n := lines(); n != 2 {
		t.Fatalf("%d lines for the first denials of two reasons, want 2:\n%s", n, logs.String())
	}
	clk.Advance(9 * time.Second)
	deny(perimeter.NotMember)
	if n := lines(); n != 2 {
		t.Fatalf("a line within the interval:\n%s", logs.String())
	}
	clk.Advance(time.Second)
	deny(perimeter.NotMember)
	if n := lines(); n != 3 || !strings.Contains(logs.String(), "denied_since_last_line=5") {
		t.Fatalf("after the interval, want a third line counting the 5 not logged:\n%s", logs.String())
	}
	if got := testutil.ToFloat64(g.denials.WithLabelValues("not-member")); got != 7 {
		t.Fatalf("counted %v not-member denials, want 7", got)
	}
	if got := testutil.ToFloat64(g.denials.WithLabelValues("revoked")); got != 1 {
		t.Fatalf("counted %v revoked denials, want 1", got)
	}
}
