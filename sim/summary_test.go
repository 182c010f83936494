package sim

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// A run's fault lines name every kind of fault it drew, and count the crashes that happened
// as the nodes do; a fault-free run has none.
func TestFaultLines(t *testing.T) {
	if lines := runT(t, Options{Seed: 1, Nodes: 5, Duration: time.Minute, Faults: "none"}).FaultLines(); lines != nil {
		t.Errorf("a fault-free run: %q", lines)
	}
	sawSwizzle := false
	for seed := uint64(1); seed <= 10 && !sawSwizzle; seed++ {
		r := runT(t, Options{Seed: seed, Nodes: 5, Duration: time.Minute, Faults: "all"})
		text := strings.Join(r.FaultLines(), "\n")
		crashes := 0
		for _, n := range r.Nodes {
			crashes += n.Crashes
		}
		wants := []string{"partitions: ", "clock skews: n0 ", "fault points: on, ",
			"crashes: " + strconv.Itoa(crashes) + " of " + strconv.Itoa(len(r.Options.Crashes)) + " drawn"}
		if len(r.Options.Swizzles) > 0 {
			sawSwizzle = true
			wants = append(wants, "swizzle-clogs: "+strconv.Itoa(len(r.Options.Swizzles))+": ")
		}
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("seed %d: the fault lines lack %q:\n%s", seed, want, text)
			}
		}
		t.Logf("seed %d:\n%s", seed, text)
	}
	if !sawSwizzle {
		t.Error("ten seeds of faults all and no swizzle-clog to describe")
	}
}
