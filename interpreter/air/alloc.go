package air

// Nodes are allocated in chunks: a script of a megabyte has over a hundred thousand of them, and
// allocating them one by one makes the garbage collector the parser's main cost. A chunk lives
// as long as any of its nodes, which for a tree means as long as the tree.

// Chunks start small, so that a small script costs little, and double up to maxChunk.
const (
	firstChunk = 4
	maxChunk   = 256
)

type slab[T any] struct{ buf []T }

func (s *slab[T]) new() *T {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, min(max(2*cap(s.buf), firstChunk), maxChunk))
	}
	s.buf = s.buf[:len(s.buf)+1]
	return &s.buf[len(s.buf)-1]
}

// valueSlab hands out exactly sized argument lists carved from shared chunks.
type valueSlab struct{ buf []Value }

func (s *valueSlab) copy(vs []Value) []Value {
	if len(vs) == 0 {
		return nil
	}
	if len(vs) > cap(s.buf)-len(s.buf) {
		n := max(min(max(2*cap(s.buf), firstChunk), 4*maxChunk), len(vs))
		s.buf = make([]Value, 0, n)
	}
	start := len(s.buf)
	s.buf = append(s.buf, vs...)
	return s.buf[start:len(s.buf):len(s.buf)]
}

type nodes struct {
	vars    slab[Var]
	lenses  slab[Lens]
	strs    slab[String]
	nums    slab[Number]
	calls   slab[Call]
	seqs    slab[Seq]
	pars    slab[Par]
	xors    slab[Xor]
	folds   slab[Fold]
	aps     slab[Ap]
	values  valueSlab
	scratch []Value // arguments of the call being parsed
}
