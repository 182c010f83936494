package actortest

import "sync"

// Points are fault points a test arms by hand. Safe for concurrent use.
type Points struct {
	mu    sync.Mutex
	armed map[string]string // point -> what the next times it is reached do: x fires, - does not
	fired map[string]int
}

// Arm sets what the next times point is reached do, one character each: 'x' fires, '-' does
// not; after the pattern, the point does not fire.
func (p *Points) Arm(point, pattern string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed == nil {
		p.armed, p.fired = map[string]string{}, map[string]int{}
	}
	p.armed[point] = pattern
}

// Fire reports whether point fires now.
func (p *Points) Fire(point string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	pattern := p.armed[point]
	if pattern == "" {
		return false
	}
	p.armed[point] = pattern[1:]
	if pattern[0] != 'x' {
		return false
	}
	p.fired[point]++
	return true
}

// Fired returns how often point fired.
func (p *Points) Fired(point string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fired[point]
}
