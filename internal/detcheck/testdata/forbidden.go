// This fixture is parsed by detcheck_test.go, never built. Each line that breaks a rule ends with
// a comment naming the rule; every other line must pass.
package fixture

import (
	crand "crypto/rand"
	"math/rand"
	randv2 "math/rand/v2"
	clk "time"
)

func wallClock() {
	_ = clk.Now()               // want wall-clock
	clk.Sleep(clk.Second)       // want wall-clock
	<-clk.After(clk.Second)     // want wall-clock
	clk.AfterFunc(0, func() {}) // want wall-clock
	_ = clk.NewTimer(0)         // want wall-clock
	_ = clk.NewTicker(1)        // want wall-clock
	_ = clk.Since(clk.Time{})   // want wall-clock
	now := clk.Now              // want wall-clock
	_ = now
}

func randomness() {
	_ = rand.Intn(10)      // want global-rand
	rand.Shuffle(2, nil)   // want global-rand
	_ = randv2.IntN(3)     // want global-rand
	_, _ = crand.Read(nil) // want os-entropy
	_ = crand.Reader       // want os-entropy
	r := randv2.New(randv2.NewPCG(1, 2))
	_ = r.IntN(3)
	_ = rand.New(rand.NewSource(1)).Intn(3)
}

func goroutines() {
	go func() {}() // want goroutine
}

// Allowed: types and arithmetic from time, and a local variable that shadows the package name.
func allowed(d clk.Duration) clk.Time {
	var t clk.Time
	_ = d * clk.Millisecond
	clk := struct{ Now func() int }{}
	_ = clk.Now()
	return t.Add(d)
}
