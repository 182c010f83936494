package fault

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNeverAndNil(t *testing.T) {
	if On(nil, "x") || On(Never{}, "x") {
		t.Fatal("a production fault point fired")
	}
}

// A seed decides which points are enabled and when they fire: the same seed, the same
// decisions; Off silences everything.
func TestSeededIsReproducible(t *testing.T) {
	draw := func(seed uint64) []bool {
		s := NewSeeded(rand.New(rand.NewPCG(seed, 0)), 0.5, 0.25)
		var out []bool
		for i := range 400 {
			out = append(out, s.Fire([]string{"a", "b", "c", "d"}[i%4]))
		}
		s.Off()
		for range 100 {
			if s.Fire("a") {
				t.Fatal("fired after Off")
			}
		}
		return out
	}
	a, b := draw(1), draw(1)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed decided differently")
	}
	fired := 0
	for _, f := range a {
		if f {
			fired++
		}
	}
	// With 4 points, half enabled on average and 25% each time: some fire, most calls do not.
	if fired == 0 || fired > 200 {
		t.Errorf("%d of 400 fired", fired)
	}
	s := NewSeeded(rand.New(rand.NewPCG(2, 0)), 1, 1)
	s.Fire("x")
	s.Fire("x")
	s.Fire("y")
	if got := s.Fired(); !slices.Equal(got, []string{"x=2", "y=1"}) {
		t.Errorf("Fired() = %v", got)
	}
}

func TestOnlyRestrictsThePoints(t *testing.T) {
	s := NewSeeded(rand.New(rand.NewPCG(3, 0)), 1, 1)
	s.Only("b")
	if s.Fire("a") || !s.Fire("b") {
		t.Fatal("Only did not restrict the points")
	}
}
