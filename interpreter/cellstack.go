package interpreter

// cellStackChunk is the size of the chunks of a cellStack past its first.
const cellStackChunk = 64

// cellStack is a stack of a variable's bindings. Its first chunk grows as a slice does; past
// it, the stack grows by chunks of cellStackChunk cells, so that a fold nesting thousands of
// iterations, each binding the variable, never copies the stack or allocates it in one large
// piece. Chunks keep their room when the stack shrinks. The zero value is an empty stack.
type cellStack[T any] struct {
	chunks [][]cell[T]
	n      int
}

// top returns the innermost binding; the stack must not be empty.
func (s *cellStack[T]) top() *cell[T] {
	i := s.n - 1
	return &s.chunks[i/cellStackChunk][i%cellStackChunk]
}

func (s *cellStack[T]) push(c cell[T]) {
	i := s.n
	switch {
	case i < cellStackChunk:
		if len(s.chunks) == 0 {
			s.chunks = append(s.chunks, nil)
		}
		s.chunks[0] = append(s.chunks[0][:i], c)
	case i%cellStackChunk == 0 && i/cellStackChunk == len(s.chunks):
		chunk := make([]cell[T], cellStackChunk)
		chunk[0] = c
		s.chunks = append(s.chunks, chunk)
	default:
		s.chunks[i/cellStackChunk][i%cellStackChunk] = c
	}
	s.n++
}

// pop drops the innermost binding. NB: its cell keeps the value until a push overwrites it:
// clearing it costs a write barrier per pointer while the collector runs, and what it holds
// lives no longer than the run.
func (s *cellStack[T]) pop() { s.n-- }
