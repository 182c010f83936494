package dispatch

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkHandOff: two pieces of work of 40 µs each (about an ed25519 verification), one
// handed to a new goroutine, the other done by the goroutine that hands it off, which then
// waits for both, after the process was idle for 200 µs (as a node is between particles). On
// two cores they could take 40 µs; ns/op says what they take. "go" starts the goroutine and
// goes on, "go+yield" yields first (as Warm.Schedule does), "serial" does both itself. On this
// project's 2-core VM (two runs of 3,000 each): go 105–106 µs, go+yield 99–103, serial 81. The
// goroutine made ready waits in its maker's processor until the maker blocks or yields, and the
// idle core wakes too late to take much of it: handing 40 µs of work to another goroutine
// costs more than it spares. Without the idle pause (the other core busy just before), go
// 88 µs, go+yield 65–68, serial 81. docs/PERFORMANCE.md: checking a particle's data beside its
// signature was tried, and dropped, for this.
func BenchmarkHandOff(b *testing.B) {
	const work, idle = 40 * time.Microsecond, 200 * time.Microsecond
	spin := func() {
		for start := time.Now(); time.Since(start) < work; {
		}
	}
	for _, mode := range []string{"go", "go+yield", "serial"} {
		b.Run(mode, func(b *testing.B) {
			done := make(chan struct{}, 1)
			for b.Loop() {
				b.StopTimer()
				time.Sleep(idle)
				b.StartTimer()
				if mode == "serial" {
					spin()
					spin()
					continue
				}
				go func() {
					spin()
					done <- struct{}{}
				}()
				if mode == "go+yield" {
					runtime.Gosched()
				}
				spin()
				<-done
			}
		})
	}
}
