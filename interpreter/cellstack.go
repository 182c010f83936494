package interpreter

import "sync"

// cellStackChunk is the size of the chunks of a cellStack past its first.
const cellStackChunk = 64

// cellChunk is a chunk of a cellStack past its first.
type cellChunk[T any] [cellStackChunk]cell[T]

// cellStack is a stack of a variable's bindings. Its first chunk grows as a slice does; past
// it, the stack grows by chunks of cellStackChunk cells, so that a fold nesting thousands of
// iterations, each binding the variable, never copies the stack or allocates it in one large
// piece. Chunks keep their room when the stack shrinks. The zero value is an empty stack.
type cellStack[T any] struct {
	first []cell[T]
	more  []*cellChunk[T]
	n     int
}

// top returns the innermost binding; the stack must not be empty.
func (s *cellStack[T]) top() *cell[T] {
	i := s.n - 1
	if i < cellStackChunk {
		return &s.first[i]
	}
	i -= cellStackChunk
	return &s.more[i/cellStackChunk][i%cellStackChunk]
}

// push binds c innermost, taking a new chunk from pool when there is one.
func (s *cellStack[T]) push(c cell[T], pool *sync.Pool) {
	i := s.n
	s.n++
	if i < cellStackChunk {
		s.first = append(s.first[:i], c)
		return
	}
	i -= cellStackChunk
	if i/cellStackChunk == len(s.more) {
		var chunk *cellChunk[T]
		if pool != nil {
			chunk, _ = pool.Get().(*cellChunk[T])
		}
		if chunk == nil {
			chunk = new(cellChunk[T])
		}
		s.more = append(s.more, chunk)
	}
	s.more[i/cellStackChunk][i%cellStackChunk] = c
}

// pop drops the innermost binding. NB: its cell keeps the value until a push overwrites it:
// clearing it costs a write barrier per pointer while the collector runs, and what it holds
// lives no longer than the run.
func (s *cellStack[T]) pop() { s.n-- }

// release gives the stack's chunks past its first to pool, as they are: a push overwrites a
// cell whole, and the pool drops what it holds within two collections.
func (s *cellStack[T]) release(pool *sync.Pool) {
	for _, c := range s.more {
		pool.Put(c)
	}
	s.more, s.n = nil, min(s.n, cellStackChunk)
}
