package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Manual is a virtual clock for tests and the simulator. Its time changes only through Advance,
// AdvanceTo and AdvanceToNext; timers fire on the goroutine that advances it, in deadline order,
// and timers with the same deadline fire in the order they were scheduled. Nothing about it
// depends on the wall clock, so the same sequence of calls always produces the same sequence of
// callbacks.
//
// A Manual clock is safe for concurrent use. Callbacks run without the clock's lock held, so they
// may call Now, AfterFunc and Stop; a callback that schedules a timer already due makes it fire in
// the same Advance.
type Manual struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers timerHeap
}

var _ Clock = (*Manual)(nil)

// NewManual returns a Manual clock that reads start until it is advanced.
func NewManual(start time.Time) *Manual {
	return &Manual{now: start}
}

// Now returns the clock's current virtual time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// AfterFunc schedules f at Now()+d. With d <= 0 the timer is due at once and fires at the next
// Advance (Advance(0) is enough); it never fires inside AfterFunc itself, so a caller holding a
// lock cannot deadlock on its own callback.
func (m *Manual) AfterFunc(d time.Duration, f func()) Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d < 0 {
		d = 0
	}
	m.seq++
	t := &manualTimer{clock: m, when: m.now.Add(d), seq: m.seq, f: f, index: -1}
	heap.Push(&m.timers, t)
	return t
}

// Advance moves the clock forward by d, firing every timer that falls due on the way, each with
// the clock reading its own deadline while it runs. A negative d is treated as zero.
func (m *Manual) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	m.AdvanceTo(m.Now().Add(d))
}

// AdvanceTo moves the clock forward to t, firing due timers as Advance does. A t before the
// current time only fires the timers already due; the clock never runs backwards.
func (m *Manual) AdvanceTo(t time.Time) {
	for m.fireNext(t) {
	}
	m.mu.Lock()
	if t.After(m.now) {
		m.now = t
	}
	m.mu.Unlock()
}

// AdvanceToNext jumps to the earliest pending deadline and fires every timer due then. It reports
// false, leaving the clock alone, when no timer is pending. This is how a simulator moves time
// when nothing else can run.
func (m *Manual) AdvanceToNext() bool {
	next, ok := m.Next()
	if !ok {
		return false
	}
	m.AdvanceTo(next)
	return true
}

// Next returns the earliest pending deadline, and false when no timer is pending.
func (m *Manual) Next() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.timers) == 0 {
		return time.Time{}, false
	}
	return m.timers[0].when, true
}

// Pending returns the number of timers not yet fired or stopped.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

// fireNext fires the earliest timer due at or before limit and reports whether there was one.
func (m *Manual) fireNext(limit time.Time) bool {
	m.mu.Lock()
	if len(m.timers) == 0 || m.timers[0].when.After(limit) {
		m.mu.Unlock()
		return false
	}
	t := heap.Pop(&m.timers).(*manualTimer)
	if t.when.After(m.now) {
		m.now = t.when
	}
	m.mu.Unlock()
	t.f()
	return true
}

type manualTimer struct {
	clock *Manual
	when  time.Time
	seq   uint64
	f     func()
	index int // position in the heap, -1 once fired or stopped
}

func (t *manualTimer) Stop() bool {
	m := t.clock
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&m.timers, t.index)
	return true
}

// timerHeap orders timers by deadline, then by scheduling order.
type timerHeap []*manualTimer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t := x.(*manualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}
