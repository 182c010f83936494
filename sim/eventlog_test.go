package sim

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/dispatch"
)

var logStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// timedEvent is an event to record: its text, and when (since the start of the log).
type timedEvent struct {
	at   time.Duration
	what string
}

func logOf(events ...timedEvent) *EventLog {
	l := newEventLog(logStart, true)
	for _, e := range events {
		l.add(logStart.Add(e.at), e.what)
	}
	return l
}

// events returns n distinct events, one a millisecond.
func events(n int) []timedEvent {
	out := make([]timedEvent, n)
	for i := range out {
		out[i] = timedEvent{time.Duration(i) * time.Millisecond, fmt.Sprintf("turn node-%d particle p-%d", i%3, i)}
	}
	return out
}

func TestDivergeEqualLogs(t *testing.T) {
	for _, n := range []int{0, 1, 50} {
		a, b := logOf(events(n)...), logOf(events(n)...)
		if i, diverged := Diverge(a, b); diverged || i != 0 {
			t.Errorf("%d equal events: Diverge = %d, %v; want 0, false", n, i, diverged)
		}
		if a.Hash() != b.Hash() {
			t.Errorf("%d equal events: hashes %s and %s", n, a.Hash(), b.Hash())
		}
	}
}

// Logs that differ at one known event: Diverge names that event, and the logs give its time
// and both texts, which is what the determinism check reports.
func TestDivergeNamesTheFirstDifferentEvent(t *testing.T) {
	base := events(40)
	cases := []struct {
		name   string
		change func([]timedEvent)
		at     int
	}{
		{"text of the first event", func(e []timedEvent) { e[0].what = "turn node-9 particle p-0" }, 0},
		{"text in the middle", func(e []timedEvent) { e[17].what += " (dropped)" }, 17},
		{"text of the last event", func(e []timedEvent) { e[39].what = "clock step" }, 39},
		{"time only", func(e []timedEvent) { e[23].at += time.Microsecond }, 23},
		{"two differences", func(e []timedEvent) { e[30].what = "x"; e[12].what = "y" }, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			other := append([]timedEvent(nil), base...)
			c.change(other)
			a, b := logOf(base...), logOf(other...)
			for _, pair := range [][2]*EventLog{{a, b}, {b, a}} {
				i, diverged := Diverge(pair[0], pair[1])
				if !diverged || i != c.at {
					t.Fatalf("Diverge = %d, %v; want %d, true", i, diverged, c.at)
				}
			}
			ea, eb := a.Event(c.at), b.Event(c.at)
			if ea.Index != c.at || ea.What != base[c.at].what || ea.At != base[c.at].at {
				t.Errorf("first log's event %d: %+v, want %+v", c.at, ea, base[c.at])
			}
			if eb.Index != c.at || eb.What != other[c.at].what || eb.At != other[c.at].at {
				t.Errorf("second log's event %d: %+v, want %+v", c.at, eb, other[c.at])
			}
			if a.Hash() == b.Hash() {
				t.Error("different logs, same hash")
			}
		})
	}
}

// One run stopped early: the logs diverge where the shorter one ends, which has no event there.
func TestDivergeDifferentLengths(t *testing.T) {
	long := events(30)
	for _, n := range []int{0, 1, 29} {
		a, b := logOf(long[:n]...), logOf(long...)
		for _, pair := range [][2]*EventLog{{a, b}, {b, a}} {
			if i, diverged := Diverge(pair[0], pair[1]); !diverged || i != n {
				t.Errorf("%d and 30 events: Diverge = %d, %v; want %d, true", n, i, diverged, n)
			}
		}
		if e := a.Event(n); e.What != "" || e.At != 0 {
			t.Errorf("%d events: Event(%d) past the end = %+v, want no text", n, n, e)
		}
		if e := b.Event(n); e.What != long[n].what || e.At != long[n].at {
			t.Errorf("30 events: Event(%d) = %+v, want %+v", n, e, long[n])
		}
	}
}

// Two real runs of one seed that differ in one option (one more message) diverge, and Diverge
// finds the first event where they do: every event before it is the same in both, text and
// time, and that one is not.
func TestDivergeOnRunsThatDiffer(t *testing.T) {
	a := runT(t, Options{Seed: 7, Nodes: 4, Duration: time.Minute, Faults: "net", Messages: 4, KeepEvents: true})
	b := runT(t, Options{Seed: 7, Nodes: 4, Duration: time.Minute, Faults: "net", Messages: 5, KeepEvents: true})
	i, diverged := Diverge(a.Log, b.Log)
	if !diverged {
		t.Fatalf("runs with 4 and 5 messages: Diverge says the same (%d and %d events, hashes %s %s)", a.Log.Len(), b.Log.Len(), a.Hash, b.Hash)
	}
	for j := range i {
		if ea, eb := a.Log.Event(j), b.Log.Event(j); ea != eb {
			t.Fatalf("Diverge names event %d, but the runs already differ at event %d: %+v vs %+v", i, j, ea, eb)
		}
	}
	ea, eb := a.Log.Event(i), b.Log.Event(i)
	if ea == eb {
		t.Fatalf("Diverge names event %d, but it is the same in both runs: %+v", i, ea)
	}
	if i == 0 {
		t.Errorf("the runs diverge at the very first event; one more message should change a run only once it is sent")
	}
	t.Logf("diverge at event %d of %d/%d: %q (at %v) vs %q (at %v)", i, a.Log.Len(), b.Log.Len(), ea.What, ea.At, eb.What, eb.At)
}

// An event's fingerprint is the FNV-1a hash of its time and text (hash/fnv's), and its text
// is kept as given, whether it comes whole (add) or is written in parts (addTurn).
func TestEventFingerprintsAndTurnTexts(t *testing.T) {
	l := newEventLog(logStart, true)
	l.add(logStart.Add(3*time.Millisecond), "deliver msg-1 n1->n2 x1")
	pid := &actor.PID{Id: "12D3KooW$5/particles/msg-1"}
	turns := []dispatch.Turn{{Actor: pid, Message: &actor.Started{}}, {Actor: pid, Message: "text"}, {Message: nil}}
	for _, turn := range turns {
		l.addTurn(logStart.Add(5*time.Millisecond), &simNode{name: "n7"}, turn)
	}
	// The texts are what fmt's %T gives, as the log had them when it formatted each turn.
	want := []string{"deliver msg-1 n1->n2 x1",
		fmt.Sprintf("turn n7 particles/msg-1 %T", turns[0].Message), fmt.Sprintf("turn n7 particles/msg-1 %T", turns[1].Message), fmt.Sprintf("turn n7 ? %T", turns[2].Message)}
	for i, w := range want {
		if e := l.Event(i); e.What != w {
			t.Errorf("event %d: %q, want %q", i, e.What, w)
		}
		f := fnv.New64a()
		var at [8]byte
		binary.BigEndian.PutUint64(at[:], uint64(l.Event(i).At))
		f.Write(at[:])
		f.Write([]byte(w))
		if l.fps[i] != f.Sum64() {
			t.Errorf("event %d: fingerprint %x, hash/fnv gives %x", i, l.fps[i], f.Sum64())
		}
	}
}
