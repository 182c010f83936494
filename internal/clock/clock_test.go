package clock

import (
	"slices"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestManualFiresInDeadlineThenScheduleOrder(t *testing.T) {
	m := NewManual(epoch)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+m.Now().Sub(epoch).String()) }
	}
	m.AfterFunc(3*time.Second, at("c"))
	m.AfterFunc(time.Second, at("a1"))
	m.AfterFunc(time.Second, at("a2"))
	m.AfterFunc(2*time.Second, at("b"))

	m.Advance(1500 * time.Millisecond)
	if want := []string{"a1@1s", "a2@1s"}; !slices.Equal(got, want) {
		t.Fatalf("after 1.5s fired %v, want %v", got, want)
	}
	if d := m.Now().Sub(epoch); d != 1500*time.Millisecond {
		t.Fatalf("Now after Advance(1.5s) is epoch+%v", d)
	}
	m.Advance(10 * time.Second)
	if want := []string{"a1@1s", "a2@1s", "b@2s", "c@3s"}; !slices.Equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if m.Pending() != 0 {
		t.Fatalf("Pending = %d after all fired", m.Pending())
	}
}

func TestManualStop(t *testing.T) {
	m := NewManual(epoch)
	fired := false
	tm := m.AfterFunc(time.Second, func() { fired = true })
	if !tm.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	if tm.Stop() {
		t.Fatal("second Stop reported true")
	}
	m.Advance(time.Hour)
	if fired {
		t.Fatal("stopped timer fired")
	}

	done := m.AfterFunc(time.Second, func() {})
	m.Advance(time.Second)
	if done.Stop() {
		t.Fatal("Stop of a fired timer reported true")
	}
}

func TestManualStopFromAnotherTimer(t *testing.T) {
	m := NewManual(epoch)
	fired := false
	var victim Timer
	m.AfterFunc(time.Second, func() { victim.Stop() })
	victim = m.AfterFunc(2*time.Second, func() { fired = true })
	m.Advance(3 * time.Second)
	if fired {
		t.Fatal("timer stopped by an earlier callback still fired")
	}
}

func TestManualCallbackSchedulesDueTimer(t *testing.T) {
	m := NewManual(epoch)
	var got []time.Duration
	m.AfterFunc(time.Second, func() {
		got = append(got, m.Now().Sub(epoch))
		m.AfterFunc(0, func() { got = append(got, m.Now().Sub(epoch)) })
		m.AfterFunc(time.Second, func() { got = append(got, m.Now().Sub(epoch)) })
	})
	m.Advance(5 * time.Second)
	if want := []time.Duration{time.Second, time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Fatalf("fired at %v, want %v", got, want)
	}
}

func TestManualZeroDelayWaitsForAdvance(t *testing.T) {
	m := NewManual(epoch)
	fired := 0
	m.AfterFunc(-time.Second, func() { fired++ })
	if fired != 0 {
		t.Fatal("AfterFunc called f synchronously")
	}
	m.Advance(0)
	if fired != 1 {
		t.Fatalf("Advance(0) fired %d due timers, want 1", fired)
	}
	if !m.Now().Equal(epoch) {
		t.Fatal("Advance(0) moved the clock")
	}
}

func TestManualAdvanceToNext(t *testing.T) {
	m := NewManual(epoch)
	if m.AdvanceToNext() {
		t.Fatal("AdvanceToNext with no timers reported true")
	}
	m.AfterFunc(time.Minute, func() {})
	m.AfterFunc(time.Hour, func() {})
	if next, ok := m.Next(); !ok || !next.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("Next = %v, %v", next, ok)
	}
	if !m.AdvanceToNext() || !m.Now().Equal(epoch.Add(time.Minute)) {
		t.Fatalf("AdvanceToNext moved to %v", m.Now())
	}
	if m.Pending() != 1 {
		t.Fatalf("Pending = %d, want 1", m.Pending())
	}
}

func TestManualNeverRunsBackwards(t *testing.T) {
	m := NewManual(epoch)
	m.AdvanceTo(epoch.Add(-time.Hour))
	if !m.Now().Equal(epoch) {
		t.Fatalf("AdvanceTo the past moved the clock to %v", m.Now())
	}
	m.Advance(-time.Hour)
	if !m.Now().Equal(epoch) {
		t.Fatalf("Advance(-1h) moved the clock to %v", m.Now())
	}
}

func TestUnixMilli(t *testing.T) {
	if got := UnixMilli(NewManual(time.UnixMilli(1234))); got != 1234 {
		t.Fatalf("UnixMilli = %d, want 1234", got)
	}
	if got := UnixMilli(NewManual(time.UnixMilli(-5))); got != 0 {
		t.Fatalf("UnixMilli before the epoch = %d, want 0", got)
	}
}

func TestRealAfterFunc(t *testing.T) {
	done := make(chan struct{})
	Real{}.AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Real.AfterFunc did not fire within 10s")
	}
	if !(Real{}).AfterFunc(time.Hour, func() {}).Stop() {
		t.Fatal("Stop of a pending real timer reported false")
	}
}
