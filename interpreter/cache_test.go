package interpreter

import (
	"fmt"
	"sync"
	"testing"
)

// TestParseCacheIsTheNodes: runs given a cache find their script there from the second run on;
// another cache (another node's) is not touched; a run without one works the same.
func TestParseCacheIsTheNodes(t *testing.T) {
	script := `(call %init_peer_id% ("op" "identity") ["hi"] r)`
	a, b := NewParseCache(0), NewParseCache(0)
	p := params("alice")
	p.ParseCache = a
	first := Run(script, nil, nil, nil, p)
	second := Run(script, nil, nil, nil, p)
	if got := a.Stats(); got != (ParseCacheStats{Hits: 1, Misses: 1, Len: 1}) {
		t.Errorf("after two runs: %+v, want 1 hit, 1 miss, 1 tree", got)
	}
	if got := b.Stats(); got != (ParseCacheStats{}) {
		t.Errorf("the other node's cache: %+v, want untouched", got)
	}
	p.ParseCache = nil
	uncached := Run(script, nil, nil, nil, p)
	for _, o := range []Outcome{first, second, uncached} {
		if o.RetCode != 0 || len(o.CallRequests) != 1 || string(o.Data) != string(first.Data) {
			t.Fatalf("outcomes differ: %+v vs %+v", o, first)
		}
	}
	if got := (*ParseCache)(nil).Stats(); got != (ParseCacheStats{}) {
		t.Errorf("nil cache stats: %+v", got)
	}
}

// TestParseCacheEvictsOldest: a full cache drops the script that came in first, and a script
// that does not parse is never kept.
func TestParseCacheEvictsOldest(t *testing.T) {
	c := NewParseCache(2)
	scripts := []string{"(null)", "(never)", `(ap 1 x)`}
	for _, s := range scripts {
		if _, err := c.Parse(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Parse(scripts[2]); err != nil { // newest: kept
		t.Fatal(err)
	}
	if _, err := c.Parse(scripts[1]); err != nil { // kept
		t.Fatal(err)
	}
	if got := c.Stats(); got != (ParseCacheStats{Hits: 2, Misses: 3, Len: 2}) {
		t.Fatalf("%+v, want 2 hits, 3 misses, 2 trees", got)
	}
	if _, err := c.Parse(scripts[0]); err != nil { // the oldest was dropped: parsed again
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Parse("(seq (null)"); err == nil {
			t.Fatal("a bad script parsed")
		}
	}
	if got := c.Stats(); got != (ParseCacheStats{Hits: 2, Misses: 6, Len: 2}) {
		t.Fatalf("%+v, want 2 hits, 6 misses, 2 trees", got)
	}
}

// TestParseCacheConcurrent: the node's particles run on many goroutines at once (run with
// -race).
func TestParseCacheConcurrent(t *testing.T) {
	c := NewParseCache(4)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				s := fmt.Sprintf(`(ap %d x)`, (g+i)%6)
				if tree, err := c.Parse(s); err != nil || tree == nil {
					t.Errorf("Parse(%s): %v", s, err)
				}
			}
		})
	}
	wg.Wait()
	if st := c.Stats(); st.Hits+st.Misses != 8*50 || st.Len != 4 {
		t.Fatalf("%+v, want 400 parses and 4 trees", st)
	}
}
