package interpreter

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// mapScoped is scoped as it was written first, on maps, after the reference's ValuesSparseMatrix
// line by line: the model the slice-based scoped must agree with.
type mapScoped struct {
	cells   map[string][]cell[int]
	allowed map[int]bool
	depth   int
}

func (s *mapScoped) couldBeSet(name string) bool {
	if s.depth != 0 {
		return true
	}
	cells, ok := s.cells[name]
	return ok && !cells[len(cells)-1].set
}

func (s *mapScoped) set(name string, v int) bool {
	cells, ok := s.cells[name]
	if !ok {
		s.cells[name] = []cell[int]{{depth: s.depth, set: true, val: v}}
		return true
	}
	if !s.couldBeSet(name) {
		return false
	}
	if last := &cells[len(cells)-1]; last.depth == s.depth {
		last.set, last.val = true, v
		return true
	}
	s.cells[name] = append(cells, cell[int]{depth: s.depth, set: true, val: v})
	return true
}

func (s *mapScoped) get(name string) (v int, found, set bool) {
	cells, ok := s.cells[name]
	if !ok {
		return v, false, false
	}
	last := cells[len(cells)-1]
	if !s.allowed[last.depth] {
		return v, false, false
	}
	return last.val, true, last.set
}

func (s *mapScoped) down() { delete(s.allowed, s.depth); s.depth-- }

func (s *mapScoped) cleanup() {
	for name, cells := range s.cells {
		if last := cells[len(cells)-1]; last.depth != 0 && last.depth > s.depth {
			if len(cells) == 1 {
				delete(s.cells, name)
			} else {
				s.cells[name] = cells[:len(cells)-1]
			}
		}
	}
}

func (s *mapScoped) newEnd(name string) bool {
	cells := s.cells[name]
	if len(cells) == 0 || cells[len(cells)-1].depth != s.depth {
		return false
	}
	if len(cells) == 1 {
		delete(s.cells, name)
	} else {
		s.cells[name] = cells[:len(cells)-1]
	}
	return true
}

// TestScopedModel runs random well-nested folds, nexts, news and sets (as the executor makes
// them: every start has its end) on scoped and on the map-based model, and compares what each
// variable reads as after every step. Folds nest deep enough to cross cellStack's chunks, which
// go back to a pool from one seed to the next, as they do from run to run.
func TestScopedModel(t *testing.T) {
	names := []string{"a", "b", "c"}
	pool := &sync.Pool{} // chunks go from seed to seed, as they go from run to run
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		got := newScoped[int](pool)
		want := &mapScoped{cells: map[string][]cell[int]{}, allowed: map[int]bool{0: true}}
		check := func(step int, what string) {
			t.Helper()
			for _, n := range names {
				gv, gf, gs := got.get(n)
				wv, wf, ws := want.get(n)
				if gv != wv || gf != wf || gs != ws || got.couldBeSet(n) != want.couldBeSet(n) {
					t.Fatalf("seed %d step %d (%s) %s: get (%d %v %v) could %v, want (%d %v %v) could %v",
						seed, step, what, n, gv, gf, gs, got.couldBeSet(n), wv, wf, ws, want.couldBeSet(n))
				}
			}
		}
		// open is the stack of scopes to close: 'f' a fold, 'n' a next, or a new of a name.
		var open []string
		for step := range 3000 {
			name := names[rng.IntN(len(names))]
			switch op := rng.IntN(10); {
			case op < 3: // set
				if ok := got.set(name, step) == nil; ok != want.set(name, step) {
					t.Fatalf("seed %d step %d: set %s ok %v", seed, step, name, ok)
				}
			case op < 4: // fold starts
				got.foldStart()
				want.depth++
				want.allowed[want.depth] = true
				open = append(open, "f")
			case op < 6 && len(open) > 0 && open[len(open)-1] != "n": // next (in a fold or a new)
				got.nextBefore()
				delete(want.allowed, want.depth)
				want.depth++
				want.allowed[want.depth] = true
				open = append(open, "n")
			case op < 7: // new starts
				got.newStart(name)
				want.cells[name] = append(want.cells[name], cell[int]{depth: want.depth})
				open = append(open, name)
			case len(open) > 0: // the innermost scope ends
				switch s := open[len(open)-1]; s {
				case "f":
					got.foldEnd()
					want.down()
					want.cleanup()
				case "n":
					got.nextAfter()
					want.down()
					want.allowed[want.depth] = true
					want.cleanup()
				default:
					if ok := got.newEnd(s) == nil; ok != want.newEnd(s) {
						t.Fatalf("seed %d step %d: newEnd %s ok %v", seed, step, s, ok)
					}
				}
				open = open[:len(open)-1]
			}
			check(step, name)
		}
		got.release()
	}
}
