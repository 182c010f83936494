package difffuzz

import (
	"fmt"
	"strconv"
	"strings"
)

// peerNames are the peers a case may have; the first starts every particle. A name gives the
// peer's key as everywhere in the oracle (ed25519 seed = sha256(name)).
var peerNames = []string{"alice", "bob", "carol", "dave"}

// outsider has a peer id that scripts may name but is never part of the network: what is sent
// to it goes nowhere.
const outsider = "eve"

// Generation bounds: a script has at most maxInstrs instructions (a few more for the fold
// bodies' next) nested at most maxDepth deep, which keeps the reference's parser far from its
// stack limit and a case's runs quick.
const (
	maxInstrs = 28
	maxDepth  = 7
)

// gen builds one script, keeping track of the variables the text has defined so far, so that
// most scripts pass the reference's validator (which rejects a variable used before any
// instruction defines it).
type gen struct {
	src    source
	peers  []string
	budget int
	fresh  int
	// Defined names, in the order of the text.
	scalars, streams, maps, canons, cmaps []string
	iters                                 []iterator // iterators of the folds around the current position
	// noAp holds the streams and maps folded over around the current position: an ap into one
	// of them would grow it on every iteration up to the reference's cap of 1024 values.
	noAp []string
}

type iterator struct {
	name   string
	stream bool // over a stream or a stream map: its next must come last
}

// weighted returns i with probability w[i]/sum(w); a byte source's 0 gives 0.
func weighted(s source, w ...int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	r := s.intn(total)
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

func (g *gen) name(prefix string) string {
	g.fresh++
	return prefix + strconv.Itoa(g.fresh)
}

// script generates a whole script over the given peers. Often the script is wrapped the way
// compiled Aqua wraps its functions: errors go to a handler on the initiator.
func (g *gen) script() *node {
	g.budget = 3 + g.src.intn(maxInstrs-3)
	root := g.instr(0)
	if chance(g.src, 35) {
		// With an output, unlike compiled Aqua's handler: the reference stores the hash of
		// a call's arguments only for a call with an output, and the steps driver reports
		// call requests by id only, so the arguments of a call without one are compared
		// nowhere.
		handler := leaf("call", `%init_peer_id% ("errorHandlingSrv" "error") [:error: 0] handled`)
		handler.simpler = []string{`%init_peer_id% ("errorHandlingSrv" "error") [] handled`}
		root = branch("xor", "", root, handler)
	}
	return root
}

func (g *gen) instr(depth int) *node {
	g.budget--
	if g.budget <= 0 || depth >= maxDepth {
		return g.leafInstr()
	}
	// Leaves grow likelier with depth: a script whose root is a leaf tests little. The
	// patterns of real scripts come near the root.
	patterns := max(0, 8-3*depth)
	switch weighted(g.src, 4*depth, 14, 12, 9, 5, 4, 9, 14, patterns, patterns) {
	case 0:
		return g.leafInstr()
	case 1:
		return branch("seq", "", g.instr(depth+1), g.instr(depth+1))
	case 2:
		return branch("par", "", g.instr(depth+1), g.instr(depth+1))
	case 3:
		return branch("xor", "", g.instr(depth+1), g.instr(depth+1))
	case 4:
		return g.match(depth)
	case 5:
		return g.newScope(depth)
	case 6:
		return g.fold(depth)
	case 7:
		// A sequence of two leaves: the most common shape of real scripts.
		return branch("seq", "", g.leafInstr(), g.instr(depth+1))
	case 8:
		return g.join(depth)
	default:
		return g.fanOut(depth)
	}
}

func (g *gen) leafInstr() *node {
	switch weighted(g.src, 3, 40, 20, 12, 3, 6) {
	case 0:
		return leaf("null", "")
	case 1:
		return g.call()
	case 2:
		return g.ap()
	case 3:
		return g.canon()
	case 4:
		return leaf("never", "")
	default:
		return g.fail()
	}
}

// The outputs a call can have.
const (
	anyOutput = iota
	scalarOutput
)

func (g *gen) call() *node { return g.callWith(anyOutput) }

func (g *gen) callWith(output int) *node {
	peer := g.peer()
	service, function := `"s"`, pick(g.src, `"f"`, `"g"`, `"h"`)
	if chance(g.src, 4) && len(g.scalars) > 0 {
		service = pick(g.src, g.scalars...) // a non-string is error 10011
	}
	if chance(g.src, 20) {
		service = `"t"`
	}
	args := make([]string, g.src.intn(4))
	for i := range args {
		args[i] = g.value()
	}
	out := ""
	kind := scalarOutput
	if output == anyOutput {
		// Few calls without an output: their arguments are compared nowhere (see script).
		kind = weighted(g.src, 8, 52, 40)
	}
	switch kind {
	case 1:
		out = " " + g.defineScalar()
	case 2:
		out = " " + g.stream(false)
	}
	head := fmt.Sprintf("%s (%s %s)", peer, service, function)
	n := leaf("call", head+" ["+strings.Join(args, " ")+"]"+out)
	if len(args) > 0 {
		n.simpler = append(n.simpler, head+" []"+out)
	}
	if out != "" {
		n.simpler = append(n.simpler, head+" ["+strings.Join(args, " ")+"]")
	}
	return n
}

func (g *gen) ap() *node {
	v := g.value()
	if strings.HasPrefix(v, "#%") && !strings.Contains(v, ".") {
		v += ".$.a" // ap takes a canon map only with a lens
	}
	switch weighted(g.src, 35, 40, 25) {
	case 0:
		return leaf("ap", v+" "+g.defineScalar())
	case 1:
		return leaf("ap", v+" "+g.stream(true))
	default:
		return leaf("ap", "("+g.mapKey()+" "+v+") "+g.streamMap(true))
	}
}

func (g *gen) canon() *node {
	peer := g.peer()
	if len(g.streams) == 0 || chance(g.src, 35) {
		// Unlike a stream, a map need not be written before: the reference's validator lets
		// a canon of an unwritten map through (but it does not define the map).
		m := "%m" + strconv.Itoa(1+g.src.intn(2))
		if len(g.maps) > 0 && chance(g.src, 80) {
			m = pick(g.src, g.maps...)
		}
		if chance(g.src, 30) {
			return leaf("canon", peer+" "+m+" "+g.defineScalar())
		}
		c := g.name("#%k")
		g.cmaps = append(g.cmaps, c)
		return leaf("canon", peer+" "+m+" "+c)
	}
	s := pick(g.src, g.streams...)
	c := g.name("#c")
	g.canons = append(g.canons, c)
	return leaf("canon", peer+" "+s+" "+c)
}

func (g *gen) fail() *node {
	switch weighted(g.src, 40, 15, 15, 15, 15) {
	case 0:
		return leaf("fail", fmt.Sprintf("%s %q", pick(g.src, "1", "5", "-3", "10001", "42"), pick(g.src, "boom", "no", "")))
	case 1:
		if v, ok := g.scalarRef(); ok {
			return leaf("fail", v)
		}
	case 2:
		return leaf("fail", ":error:")
	case 3:
		return leaf("fail", "%last_error%")
	case 4:
		if len(g.canons) > 0 {
			return leaf("fail", pick(g.src, g.canons...)+".$.[0]")
		}
	}
	return leaf("fail", `7 "fallback"`)
}

func (g *gen) match(depth int) *node {
	op := pick(g.src, "match", "mismatch")
	a := g.value()
	b := a
	if !chance(g.src, 40) {
		b = g.value()
	}
	return branch(op, a+" "+b, g.instr(depth+1))
}

// newScope makes `(new NAME body)` over a name of any kind, often one already in use.
func (g *gen) newScope(depth int) *node {
	var name string
	switch weighted(g.src, 40, 20, 30, 10) {
	case 0:
		name = g.stream(false)
	case 1:
		name = g.streamMap(false)
	case 2:
		if len(g.scalars) > 0 && chance(g.src, 50) {
			name = pick(g.src, g.scalars...)
		} else {
			name = g.defineScalar()
		}
	default:
		if len(g.canons) > 0 {
			name = pick(g.src, g.canons...)
		} else {
			name = g.stream(false)
		}
	}
	return branch("new", name, g.instr(depth+1))
}

func (g *gen) fold(depth int) *node {
	iterable, stream, ok := g.iterable()
	if !ok {
		// Nothing to fold over yet: make something, the way real scripts gather results in a
		// stream and then go over them.
		var producer *node
		if chance(g.src, 70) {
			producer = g.call()
		} else {
			producer = leaf("ap", g.value()+" "+g.stream(true))
		}
		if s := lastWord(producer.args); strings.HasPrefix(s, "$") {
			producer.simpler = nil
			return branch("seq", "", producer, g.foldOver(depth, s, true))
		}
		return branch("seq", "", producer, g.foldOver(depth, "[]", false))
	}
	return g.foldOver(depth, iterable, stream)
}

func lastWord(s string) string { return s[strings.LastIndexByte(s, ' ')+1:] }

func (g *gen) foldOver(depth int, iterable string, stream bool) *node {
	it := g.name("i")
	g.iters = append(g.iters, iterator{it, stream})
	if stream {
		g.noAp = append(g.noAp, iterable)
	}
	body := g.instr(depth + 1)
	next := leaf("next", it)
	switch weighted(g.src, 25, 40, 25, 10) {
	case 1:
		body = branch("seq", "", body, next)
	case 2:
		body = branch("par", "", body, next)
	case 3:
		if stream { // the reference's validator: no instruction after next in a stream fold
			body = branch("seq", "", body, next)
		} else {
			body = branch("seq", "", next, body)
		}
	}
	g.iters = g.iters[:len(g.iters)-1]
	if stream {
		g.noAp = g.noAp[:len(g.noAp)-1]
	}
	kids := []*node{body}
	if chance(g.src, 30) {
		switch g.src.intn(3) {
		case 0:
			kids = append(kids, leaf("null", ""))
		case 1:
			kids = append(kids, leaf("never", ""))
		default:
			kids = append(kids, g.leafInstr())
		}
	}
	return branch("fold", iterable+" "+it, kids...)
}

// iterable returns what a fold goes over, if anything defined will do, and whether it is a
// stream or a stream map.
func (g *gen) iterable() (iterable string, stream, ok bool) {
	for range 4 {
		switch weighted(g.src, 25, 2, 20, 12, 10, 15, 8) {
		case 0:
			if len(g.streams) > 0 {
				return pick(g.src, g.streams...), true, true
			}
		case 1:
			return "[]", false, true
		case 2:
			if len(g.canons) > 0 {
				return pick(g.src, g.canons...), false, true
			}
		case 3:
			if len(g.maps) > 0 {
				return pick(g.src, g.maps...), true, true
			}
		case 4:
			if len(g.cmaps) > 0 {
				c := pick(g.src, g.cmaps...)
				if chance(g.src, 50) {
					c += ".$." + pick(g.src, "a", "b", "[1]")
				}
				return c, false, true
			}
		case 5:
			if v, ok := g.scalarRef(); ok {
				return v, false, true
			}
		case 6:
			if len(g.iters) > 0 {
				return pick(g.src, g.iters...).name + g.lens(), false, true
			}
		}
	}
	return "", false, false
}

// defineScalar returns a fresh scalar name, now defined; sometimes one already defined, which
// the reference rejects at run time unless a fold or new makes a new scope.
func (g *gen) defineScalar() string {
	if len(g.scalars) > 0 && chance(g.src, 4) {
		return pick(g.src, g.scalars...)
	}
	s := g.name("x")
	g.scalars = append(g.scalars, s)
	return s
}

// stream returns a stream to write or read, now defined: one of a few, so that they gather
// values from several places. forAp leaves out the streams being folded over.
func (g *gen) stream(forAp bool) string {
	return g.oneOf(&g.streams, "$s", 3, forAp)
}

func (g *gen) streamMap(forAp bool) string {
	return g.oneOf(&g.maps, "%m", 2, forAp)
}

func (g *gen) oneOf(defined *[]string, prefix string, count int, forAp bool) string {
	for range 4 {
		s := prefix + strconv.Itoa(1+g.src.intn(count))
		if forAp && contains(g.noAp, s) {
			continue
		}
		if !contains(*defined, s) {
			*defined = append(*defined, s)
		}
		return s
	}
	s := g.name(prefix + "x")
	*defined = append(*defined, s)
	return s
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
