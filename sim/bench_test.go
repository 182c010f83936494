package sim

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkMessenger: one virtual minute of the messenger (a chat of all but two of the
// nodes, twice as many messages as nodes) per op, for several node counts; it reports events
// per real second and how many times faster than real time the run went.
func BenchmarkMessenger(b *testing.B) {
	for _, nodes := range []int{5, 10, 25} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			o, err := Expand(Options{Seed: 1, Nodes: nodes, Duration: time.Minute, Faults: "none"})
			if err != nil {
				b.Fatal(err)
			}
			events, virtual := 0, 0.0
			for range b.N {
				r, err := Run(o, time.Now)
				if err != nil {
					b.Fatal(err)
				}
				events += r.Events
				virtual += r.VirtualSeconds
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(virtual/b.Elapsed().Seconds(), "virtual/real")
		})
	}
}
