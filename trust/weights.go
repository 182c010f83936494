package trust

import (
	"bytes"
	"container/heap"
	"fmt"
	"slices"
)

// weights are the weights the roots give at a time, with the best chain's previous peer of
// each peer. The graph keeps one set up to date as relations change and time passes (see
// advance, raise and cut) and computes it afresh only when a change could move the weight of a
// peer that revoked someone, whose weight decides which trusts count.
type weights struct {
	at     uint64 // the weights hold from at until the earliest expiry in expiries
	weight map[PublicKey]uint32
	parent map[PublicKey]PublicKey // absent for a root weighing its own 2^M
	// expiries are the trusts of the best chains by expiry, stale entries included (a peer's
	// parent changed, or its trust was replaced); nil when not kept (Path's weights).
	expiries *expiries
}

// weights returns the weights at now: the kept ones, brought to now, or computed afresh.
func (g *Graph) weights(now uint64) *weights {
	if c := g.current(now); c != nil {
		return c
	}
	g.cache = g.compute(g.roots, now, true)
	g.last, g.sinceLast = g.cache, 0
	g.recomputes++
	return g.cache
}

// current returns the kept weights brought to now, or nil when there are none or they cannot
// be (now is before them, or a trust that expired was a revoker's best chain).
func (g *Graph) current(now uint64) *weights {
	c := g.cache
	if c == nil || now < c.at {
		return nil
	}
	if !g.advance(c, now) {
		g.cache = nil
		return nil
	}
	return c
}

// compute finds every peer's best weight from roots at now, best first (a max-heap on weight,
// ties broken by key, then parent, so the result does not depend on map order): a peer is
// settled at its highest weight, and its trusts give the peers it trusts half of it. A trust by
// P in Q does not count when a peer R of weight higher than P's revoked Q: R's judgement of Q
// outweighs P's (R is settled before P is, so the check is exact).
func (g *Graph) compute(roots map[PublicKey]int, now uint64, track bool) *weights {
	w := &weights{at: now, weight: map[PublicKey]uint32{}, parent: map[PublicKey]PublicKey{}}
	h := &candidates{}
	for k, m := range roots {
		heap.Push(h, candidate{weight: uint32(1) << m, key: k, root: true})
	}
	var exp expiries
	g.settle(w, h, now, func(k PublicKey) bool { return true }, func(q, p PublicKey) {
		if track {
			exp = append(exp, expiry{at: g.relations[q][p].ExpiresAt, q: q, p: p})
		}
	})
	if track {
		heap.Init(&exp)
		w.expiries = &exp
	}
	return w
}

// settle runs the best-first search of compute from the candidates in h, over the peers for
// which open says yes; settled reports each best-chain trust it sets.
func (g *Graph) settle(w *weights, h *candidates, now uint64, open func(PublicKey) bool, settled func(q, p PublicKey)) {
	for h.Len() > 0 {
		c := heap.Pop(h).(candidate)
		if _, done := w.weight[c.key]; done {
			continue
		}
		w.weight[c.key] = c.weight
		if !c.root {
			w.parent[c.key] = c.parent
			settled(c.key, c.parent)
		}
		if c.weight < 2 {
			continue
		}
		for q := range g.issued[c.key] {
			if _, done := w.weight[q]; done || !open(q) {
				continue
			}
			if g.counts(q, c.key, c.weight, now, w) {
				heap.Push(h, candidate{weight: c.weight / 2, key: q, parent: c.key})
			}
		}
	}
}

// counts says whether p's trust in q counts at now, p weighing wp: it is kept, unexpired, not
// p's trust in itself, and no peer weighing more than p (in w) revoked q.
func (g *Graph) counts(q, p PublicKey, wp uint32, now uint64, w *weights) bool {
	r := g.relations[q][p]
	if r == nil || r.Revocation || r.ExpiresAt < now || q == p || wp < 2 {
		return false
	}
	for by := range g.revokers[q] {
		if w.weight[by] > wp {
			return false
		}
	}
	return true
}

// advance brings w to now: each best-chain trust that expired before now is cut. It says
// false when w cannot be kept (a cut would move a revoker's weight).
func (g *Graph) advance(w *weights, now uint64) bool {
	if w.expiries == nil {
		return false
	}
	for w.expiries.Len() > 0 && (*w.expiries)[0].at < now {
		e := heap.Pop(w.expiries).(expiry)
		if !g.live(w, e) {
			continue
		}
		if !g.cut(w, e.q, now) {
			return false
		}
		w.at = now
	}
	g.compact(w)
	return true
}

// live says whether e is still a trust of a best chain in w.
func (g *Graph) live(w *weights, e expiry) bool {
	p, ok := w.parent[e.q]
	if !ok || p != e.p {
		return false
	}
	r := g.relations[e.q][e.p]
	return r != nil && !r.Revocation && r.ExpiresAt == e.at
}

// compact drops the stale entries of w's expiries once they outnumber the live ones.
func (g *Graph) compact(w *weights) {
	if w.expiries.Len() <= 2*len(w.parent)+1024 {
		return
	}
	live := (*w.expiries)[:0]
	for _, e := range *w.expiries {
		if g.live(w, e) {
			live = append(live, e)
		}
	}
	clear((*w.expiries)[len(live):])
	*w.expiries = live
	heap.Init(w.expiries)
}

// update brings w to now and applies the change of p's relation to q from old (nil if none)
// to what the graph keeps now, once g.relations holds it. It says false when w must be
// computed afresh instead.
func (g *Graph) update(w *weights, old *Relation, p, q PublicKey, now uint64) bool {
	r := g.relations[q][p]
	switch {
	case r.Revocation && old != nil && old.Revocation:
		return true // a newer revocation of the pair blocks what the older one did
	case r.Revocation:
		// p revoked q (and its trust in q, if any, is gone): q's best chain stays unless it
		// ended with p's trust, or with the trust of a peer weighing less than p.
		parent, ok := w.parent[q]
		if !ok || (parent != p && w.weight[parent] >= w.weight[p]) {
			return true
		}
		return g.cut(w, q, now)
	case old != nil && old.Revocation:
		// p's trust replaces its revocation of q: the trusts in q it blocked may count again.
		var h candidates
		for by := range g.relations[q] {
			if wb := w.weight[by]; g.counts(q, by, wb, now, w) {
				h = append(h, candidate{weight: wb / 2, key: q, parent: by})
			}
		}
		return g.raise(w, h, now)
	}
	if parent, ok := w.parent[q]; ok && parent == p && old != nil {
		// The trust of q's best chain is replaced by a newer one, unexpired (AddTrust refuses
		// an expired trust): the weights stay, the chain expires when the new trust does.
		heap.Push(w.expiries, expiry{at: r.ExpiresAt, q: q, p: p})
		return true
	}
	// Another trust in q came (replacing one that was not q's best): it may raise q.
	if !g.counts(q, p, w.weight[p], now, w) {
		return true
	}
	return g.raise(w, candidates{{weight: w.weight[p] / 2, key: q, parent: p}}, now)
}

// raise settles each candidate of h that beats its peer's weight (or ties it through a parent
// of lower key) and carries the raise on to the peers it trusts, best first. It says false when
// a peer whose weight rises revoked someone.
func (g *Graph) raise(w *weights, h candidates, now uint64) bool {
	heap.Init(&h)
	for h.Len() > 0 {
		c := heap.Pop(&h).(candidate)
		cur, ok := w.weight[c.key]
		if ok && cur > c.weight {
			continue
		}
		if ok && cur == c.weight {
			if p, has := w.parent[c.key]; has && bytes.Compare(c.parent[:], p[:]) < 0 {
				w.parent[c.key] = c.parent // a tie: the lower key is the parent, as compute has it
				heap.Push(w.expiries, expiry{at: g.relations[c.key][c.parent].ExpiresAt, q: c.key, p: c.parent})
			}
			continue
		}
		if g.revoking[c.key] > 0 {
			return false
		}
		w.weight[c.key], w.parent[c.key] = c.weight, c.parent
		heap.Push(w.expiries, expiry{at: g.relations[c.key][c.parent].ExpiresAt, q: c.key, p: c.parent})
		for z := range g.issued[c.key] {
			if g.counts(z, c.key, c.weight, now, w) && w.weight[z] <= c.weight/2 {
				heap.Push(&h, candidate{weight: c.weight / 2, key: z, parent: c.key})
			}
		}
	}
	return true
}

// cut removes the trust of q's best chain at now: q and the peers whose best chains pass
// through it lose their weights and get the best they have without it, from the peers outside
// (whose weights cannot change: none of theirs passed through q). It says false when one of
// them revoked someone.
func (g *Graph) cut(w *weights, q PublicKey, now uint64) bool {
	below := []PublicKey{q}
	in := map[PublicKey]bool{q: true}
	for i := 0; i < len(below); i++ {
		x := below[i]
		if g.revoking[x] > 0 {
			return false
		}
		for y := range g.issued[x] {
			if p, ok := w.parent[y]; ok && p == x && !in[y] {
				in[y] = true
				below = append(below, y)
			}
		}
	}
	for _, x := range below {
		delete(w.weight, x)
		delete(w.parent, x)
	}
	h := &candidates{}
	for _, y := range below {
		if m, root := g.roots[y]; root {
			heap.Push(h, candidate{weight: uint32(1) << m, key: y, root: true})
		}
		for p := range g.relations[y] {
			if wp := w.weight[p]; g.counts(y, p, wp, now, w) {
				heap.Push(h, candidate{weight: wp / 2, key: y, parent: p})
			}
		}
	}
	g.settle(w, h, now, func(k PublicKey) bool { return in[k] }, func(q, p PublicKey) {
		heap.Push(w.expiries, expiry{at: g.relations[q][p].ExpiresAt, q: q, p: p})
	})
	return true
}

// certificate rebuilds k's best chain from w's parents.
func (w *weights) certificate(g *Graph, k PublicKey, now uint64) (Certificate, error) {
	if _, ok := w.weight[k]; !ok {
		return Certificate{}, fmt.Errorf("%s has no chain of trust from the roots", k)
	}
	var chain []Trust
	at := k
	for {
		p, ok := w.parent[at]
		if !ok {
			break
		}
		chain = append(chain, g.relations[at][p].Trust())
		at = p
	}
	self := g.relations[at][at]
	if self == nil || self.Revocation || self.ExpiresAt < now {
		return Certificate{}, fmt.Errorf("root %s: its trust in itself is not kept, so no certificate can start from it", at)
	}
	chain = append(chain, self.Trust())
	slices.Reverse(chain)
	if len(chain) == 1 { // k is the root: its certificate is its trust in itself, twice (Fluence's form)
		chain = append(chain, self.Trust())
	}
	return Certificate{Chain: chain}, nil
}

// candidate is a peer reached at a weight, through parent (a root has none).
type candidate struct {
	weight      uint32
	key, parent PublicKey
	root        bool
}

type candidates []candidate

func (h candidates) Len() int { return len(h) }
func (h candidates) Less(i, j int) bool {
	if h[i].weight != h[j].weight {
		return h[i].weight > h[j].weight
	}
	if c := bytes.Compare(h[i].key[:], h[j].key[:]); c != 0 {
		return c < 0
	}
	return bytes.Compare(h[i].parent[:], h[j].parent[:]) < 0
}
func (h candidates) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candidates) Push(x any)   { *h = append(*h, x.(candidate)) }
func (h *candidates) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// expiry is when p's trust in q, of q's best chain, expires.
type expiry struct {
	at   uint64
	q, p PublicKey
}

// expiries is a min-heap of expiry, ordered fully (time, then keys) so that the order expired
// trusts are cut in does not depend on map order.
type expiries []expiry

func (h expiries) Len() int { return len(h) }
func (h expiries) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	if c := bytes.Compare(h[i].q[:], h[j].q[:]); c != 0 {
		return c < 0
	}
	return bytes.Compare(h[i].p[:], h[j].p[:]) < 0
}
func (h expiries) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)   { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
