package difffuzz

import "strings"

// The shapes of compiled Aqua that random generation rarely hits: they make particles travel
// between peers and come back together.

// join is the par-then-join pattern: calls on several peers in parallel, each into a scalar of
// its own, then a call that takes them all, which waits (the join) until the data of every
// branch has come together on one peer.
func (g *gen) join(depth int) *node {
	var branches []*node
	var outs []string
	for range 2 + g.src.intn(2) {
		call := g.callWith(scalarOutput)
		out := lastWord(call.args)
		call.simpler = nil
		outs = append(outs, out+g.lens())
		var b *node = call
		if chance(g.src, 30) {
			b = branch("seq", "", call, g.instr(depth+2))
		}
		branches = append(branches, b)
	}
	par := branches[0]
	for _, b := range branches[1:] {
		par = branch("par", "", par, b)
	}
	peer := "%init_peer_id%"
	if chance(g.src, 30) {
		peer = g.peer()
	}
	final := leaf("call", peer+` ("s" "join") [`+strings.Join(outs, " ")+"]")
	return branch("seq", "", par, final)
}

// fanOut is the for-each-peer pattern: a stream of peer ids, canonicalized, and a fold with
// par and next that calls each of them, gathering the results in a stream.
func (g *gen) fanOut(depth int) *node {
	peers := g.name("$p")
	var seq *node
	for range 1 + g.src.intn(3) {
		ap := leaf("ap", `"{{`+pick(g.src, g.peers...)+`}}" `+peers)
		if seq == nil {
			seq = ap
		} else {
			seq = branch("seq", "", seq, ap)
		}
	}
	g.streams = append(g.streams, peers)
	canon := g.name("#c")
	seq = branch("seq", "", seq, leaf("canon", "%init_peer_id% "+peers+" "+canon))
	g.canons = append(g.canons, canon)
	it := g.name("i")
	g.iters = append(g.iters, iterator{it, false})
	var body *node = leaf("call", it+` ("s" "`+pick(g.src, "f", "g")+`") [`+g.value()+"] "+g.stream(false))
	if chance(g.src, 40) {
		body = branch("seq", "", body, g.instr(depth+2))
	}
	g.iters = g.iters[:len(g.iters)-1]
	fold := branch("fold", canon+" "+it, branch("par", "", body, leaf("next", it)))
	return branch("seq", "", seq, fold)
}
