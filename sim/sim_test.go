package sim

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/scenario"
)

func runT(t *testing.T, o Options) *Result {
	t.Helper()
	o, err := Expand(o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(o, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Without faults the messenger delivers everything, and every check passes.
func TestMessengerWithoutFaults(t *testing.T) {
	r := runT(t, Options{Seed: 1, Nodes: 5, Duration: time.Minute, Faults: "none", Messages: 6})
	for name, c := range r.Checks {
		if !c.Pass {
			t.Errorf("check %s failed: %s", name, c.Detail)
		}
	}
	t.Logf("%d events, hash %s, %.0f virtual s in %.2f real s; net %+v", r.Events, r.Hash, r.VirtualSeconds, r.RealSeconds, r.Net)
}

// A seed replays bit for bit: the same options give the same event log, under every fault
// class.
func TestSameSeedSameRun(t *testing.T) {
	for _, faults := range FaultClasses {
		a := runT(t, Options{Seed: 7, Nodes: 5, Duration: time.Minute, Faults: faults, Messages: 5, KeepEvents: true})
		b := runT(t, Options{Seed: 7, Nodes: 5, Duration: time.Minute, Faults: faults, Messages: 5, KeepEvents: true})
		if i, diverged := Diverge(a.Log, b.Log); diverged {
			t.Fatalf("faults %s: runs diverge at event %d: %q vs %q", faults, i, a.Log.Event(i).What, b.Log.Event(i).What)
		}
		if a.Hash != b.Hash {
			t.Fatalf("faults %s: same events, different hashes", faults)
		}
		c := runT(t, Options{Seed: 8, Nodes: 5, Duration: time.Minute, Faults: faults, Messages: 5})
		if c.Hash == a.Hash {
			t.Errorf("faults %s: seeds 7 and 8 gave the same run", faults)
		}
	}
}

// Under every fault class the checks hold; seed 4 of "all" once left finished particles on
// nodes whose clocks ran behind (the run ended before their deadlines came on those clocks),
// kept as a regression.
func TestEveryFaultClass(t *testing.T) {
	for _, faults := range FaultClasses {
		cut := uint64(0)
		for _, seed := range []uint64{1, 2, 3, 4} {
			r := runT(t, Options{Seed: seed, Nodes: 5, Duration: 2 * time.Minute, Faults: faults})
			for name, c := range r.Checks {
				if !c.Pass {
					t.Errorf("faults %s, seed %d: check %s failed: %s", faults, seed, name, c.Detail)
				}
			}
			if _, ok := r.Checks["liveness"]; !ok {
				t.Errorf("faults %s, seed %d: no liveness check", faults, seed)
			}
			cut += r.Net.Cut
		}
		if (faults == "partition" || faults == "all") && cut == 0 {
			t.Errorf("faults %s: four seeds and no particle was cut by a partition or a clog", faults)
		}
	}
}

// Scenario files as the workload: their peers are the nodes; without faults every start calls
// back the same; with faults what comes back is what the fault-free run got (for a racy
// scenario, as often), and all of it after healing. Every scenario of the interpreter's set is
// tried, those with rules for services a node has itself too.
func TestScenarioWorkload(t *testing.T) {
	files, err := filepath.Glob("../interpreter/testdata/scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ran, withCallbacks := 0, 0
	for _, file := range files {
		sc, err := scenario.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, faults := range []string{"none", "all"} {
			o, err := Expand(Options{Seed: 3, Nodes: len(sc.Peers), Duration: 30 * time.Second, Faults: faults, Messages: 3})
			if err != nil {
				t.Fatal(err)
			}
			r, err := RunScenario(o, sc, time.Now)
			if err != nil {
				t.Fatalf("%s, faults %s: %v", sc.Name, faults, err)
			}
			for name, c := range r.Checks {
				if !c.Pass {
					t.Errorf("%s, faults %s: check %s failed: %s", sc.Name, faults, name, c.Detail)
				}
			}
			if faults == "none" {
				ran++
				if c := r.Checks["every_start_called_back"]; !strings.Contains(c.Detail, " 0 callbacks each") {
					withCallbacks++
				}
			}
		}
	}
	t.Logf("%d of %d scenarios ran on simulated nodes, %d of them with callbacks", ran, len(files), withCallbacks)
	if ran != len(files) || withCallbacks < ran/2 {
		t.Errorf("only %d scenarios ran (%d with callbacks)", ran, withCallbacks)
	}
}

func TestRooms(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g"}
	for size, want := range map[int]string{0: "[[a b c d e f g]]", 3: "[[a b c] [d e f g]]", 2: "[[a b] [c d] [e f g]]", 4: "[[a b c d] [e f g]]", 7: "[[a b c d e f g]]"} {
		if got := fmt.Sprint(splitRooms(ids, size)); got != want {
			t.Errorf("rooms of %d: %s, want %s", size, got, want)
		}
	}
	// Twelve nodes in rooms of three: every message reaches its own room only.
	r := runT(t, Options{Seed: 2, Nodes: 12, Duration: time.Minute, Faults: "none", Room: 3})
	for name, c := range r.Checks {
		if !c.Pass {
			t.Errorf("check %s failed: %s", name, c.Detail)
		}
	}
}

// The network counts the data the particles carry, the measure of a chat's work: one chat's
// grows faster than the square of its members (each of them sends, every message goes to all
// of them, and its data carries what each answered), rooms' in proportion to the nodes.
func TestSentDataGrowsWithTheChat(t *testing.T) {
	sent := func(o Options) float64 {
		t.Helper()
		o.Seed, o.Duration, o.Faults = 3, time.Minute, "none"
		r := runT(t, o)
		if r.Net.Delivered == 0 || r.Net.SentData == 0 {
			t.Fatalf("%d nodes, rooms of %d: %d particles delivered carrying %d bytes", o.Nodes, o.Room, r.Net.Delivered, r.Net.SentData)
		}
		return float64(r.Net.SentData)
	}
	if chat := sent(Options{Nodes: 24}) / sent(Options{Nodes: 12}); chat < 4 {
		t.Errorf("a chat of 24 sends %.1f× the data of a chat of 12: want at least 4×", chat)
	}
	if rooms := sent(Options{Nodes: 24, Room: 4}) / sent(Options{Nodes: 12, Room: 4}); rooms < 1.5 || rooms > 3 {
		t.Errorf("24 nodes in rooms of 4 send %.1f× the data of 12: want about twice", rooms)
	}
}
