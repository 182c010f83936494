package difffuzz

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// checker runs cases on both sides and returns each one's first difference (nil: none). The
// fuzzer's checks the reference through node; the minimizer's tests use a predicate.
type checker func(ctx context.Context, cases []*Case) ([]*Diff, error)

// Minimization bounds: rounds of shrinking, and candidates checked per batch (one node
// process each).
const (
	maxRounds    = 80
	maxBatchSize = 300
)

// minimize shrinks c while its first difference keeps the signature of d: it tries, in rounds,
// every single simplification of the current case (an instruction replaced by (null) or by one
// of its children, a call without arguments or output, a peer left out, a delivery choice set
// to the default), all at once in one batch, and takes the smallest that still fails the same
// way, until none does or the deadline passes (a case the reference crashes on costs a node
// process per candidate). It returns the smallest case found and its difference.
func minimize(ctx context.Context, check checker, c *Case, d *Diff, deadline time.Time) (*Case, *Diff, error) {
	mctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	cur, curDiff := c.clone(), d
	// Nothing after the first difference matters.
	cur.MaxSteps = d.Step + 1
	if len(cur.Choices) > cur.MaxSteps {
		cur.Choices = cur.Choices[:cur.MaxSteps]
	}
	for range maxRounds {
		cands := cur.candidates()
		var bestCase *Case
		var bestDiff *Diff
		for len(cands) > 0 {
			n := min(len(cands), maxBatchSize)
			diffs, err := check(mctx, cands[:n])
			if err != nil {
				if ctx.Err() == nil && mctx.Err() != nil {
					return cur, curDiff, nil // out of time: the smallest so far
				}
				return cur, curDiff, err
			}
			for i, cd := range diffs {
				if cd != nil && cd.Signature() == d.Signature() && (bestCase == nil || cands[i].smaller(bestCase)) {
					bestCase, bestDiff = cands[i], cd
				}
			}
			cands = cands[n:]
		}
		if bestCase == nil {
			break
		}
		cur, curDiff = bestCase, bestDiff
		cur.MaxSteps = curDiff.Step + 1
		if len(cur.Choices) > cur.MaxSteps {
			cur.Choices = cur.Choices[:cur.MaxSteps]
		}
	}
	return cur, curDiff, nil
}

func (c *Case) clone() *Case {
	d := *c
	d.Peers = slices.Clone(c.Peers)
	d.Script = c.Script.clone()
	d.Choices = slices.Clone(c.Choices)
	return &d
}

// weight orders cases by how simple they are: fewer instructions, a shorter text, fewer
// peers, fewer choices that are not the default.
func (c *Case) weight() [4]int {
	nonDefault := 0
	for _, ch := range c.Choices {
		if ch != 0 {
			nonDefault++
		}
	}
	return [4]int{c.Script.size(), len(c.Script.String()), len(c.Peers), nonDefault}
}

func (c *Case) smaller(than *Case) bool {
	a, b := c.weight(), than.weight()
	return slices.Compare(a[:], b[:]) < 0
}

// candidates are the cases one simplification away from c, each smaller than c.
func (c *Case) candidates() []*Case {
	var out []*Case
	seen := map[string]bool{}
	add := func(d *Case) {
		key := fmt.Sprint(d.Script, d.Choices, d.Peers)
		if !seen[key] && d.smaller(c) {
			seen[key] = true
			out = append(out, d)
		}
	}
	withScript := func(s *node) *Case {
		d := c.clone()
		d.Script = s
		return d
	}
	for k, n := range c.Script.nodes() {
		if n.op != "null" {
			add(withScript(c.Script.replaced(k, func(*node) *node { return leaf("null", "") })))
		}
		for i := range n.kids {
			add(withScript(c.Script.replaced(k, func(m *node) *node { return m.kids[i] })))
		}
		for _, args := range n.simpler {
			add(withScript(c.Script.replaced(k, func(m *node) *node {
				m.args, m.simpler = args, nil
				return m
			})))
		}
		if n.op == "fold" && len(n.kids) == 2 {
			add(withScript(c.Script.replaced(k, func(m *node) *node {
				m.kids = m.kids[:1]
				return m
			})))
		}
	}
	for i := 1; i < len(c.Peers); i++ {
		d := c.clone()
		d.Peers = slices.Delete(d.Peers, i, i+1)
		add(d)
	}
	if slices.ContainsFunc(c.Choices, func(x int) bool { return x != 0 }) {
		d := c.clone()
		clear(d.Choices)
		add(d)
	}
	for i, ch := range c.Choices {
		if ch != 0 {
			d := c.clone()
			d.Choices[i] = 0
			add(d)
		}
	}
	return out
}
