// Package fault is aquanet's fault points, in the manner of FoundationDB's BUGGIFY: core code
// asks, at a named place, whether to misbehave there ("fail this service call", "save nothing
// this time"), and does so if told. Outside a simulation the answer is always no; inside one,
// it comes from the run's seed, so a failing run replays.
package fault

import (
	"math/rand/v2"
	"sort"
	"strconv"
)

// Points answers, at a named point, whether to inject the fault there.
type Points interface {
	Fire(point string) bool
}

// Never is the answer of production code: no fault, ever. A nil Points is taken as Never by
// On.
type Never struct{}

func (Never) Fire(string) bool { return false }

// On reports whether p fires at point; a nil p never does.
func On(p Points, point string) bool { return p != nil && p.Fire(point) }

// Seeded is a simulation's fault points. As in BUGGIFY, each point is enabled for the whole
// run or not (with probability Enable, decided when the point is first reached), and an
// enabled point fires each time with probability Rate. Off turns every point off (the
// simulator's healing). Seeded is not safe for concurrent use: a simulation runs on one
// goroutine.
type Seeded struct {
	rnd     *rand.Rand
	enable  float64
	rate    float64
	enabled map[string]bool
	fired   map[string]int
	only    map[string]bool // if set, the only points that may fire
	off     bool
}

// NewSeeded returns fault points drawing from rnd.
func NewSeeded(rnd *rand.Rand, enable, rate float64) *Seeded {
	return &Seeded{rnd: rnd, enable: enable, rate: rate, enabled: map[string]bool{}, fired: map[string]int{}}
}

func (s *Seeded) Fire(point string) bool {
	if s.off || (s.only != nil && !s.only[point]) {
		return false
	}
	on, seen := s.enabled[point]
	if !seen {
		on = s.rnd.Float64() < s.enable
		s.enabled[point] = on
	}
	if !on || s.rnd.Float64() >= s.rate {
		return false
	}
	s.fired[point]++
	return true
}

// Only restricts the points that may fire to these.
func (s *Seeded) Only(points ...string) {
	s.only = map[string]bool{}
	for _, p := range points {
		s.only[p] = true
	}
}

// Off stops every point from firing from now on.
func (s *Seeded) Off() { s.off = true }

// Fired returns how often each point fired, as "point=count" in point order.
func (s *Seeded) Fired() []string {
	var out []string
	for p, n := range s.fired {
		out = append(out, p+"="+strconv.Itoa(n))
	}
	sort.Strings(out)
	return out
}

// Panic is the reason of a panic that a fault point injected ("router.panic" and the like), so
// that whoever hears of actor failures can tell an injected one from a real one.
type Panic struct{ Point string }

func (p Panic) String() string { return "fault injected at " + p.Point }
