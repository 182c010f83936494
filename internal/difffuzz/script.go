package difffuzz

import "strings"

// node is one instruction of a generated script: `(op args kids...)`. The operands are kept as
// text because nothing but the printer and the minimizer looks at them.
type node struct {
	op   string // seq, call, fold, ...
	args string // the operands before the nested instructions, printed; "" for none
	kids []*node
	// simpler are other texts for args, each one a simplification the minimizer may try (a call
	// without its arguments, say).
	simpler []string
}

func leaf(op, args string) *node { return &node{op: op, args: args} }

func branch(op, args string, kids ...*node) *node { return &node{op: op, args: args, kids: kids} }

func (n *node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	b.WriteByte('(')
	b.WriteString(n.op)
	if n.args != "" {
		b.WriteByte(' ')
		b.WriteString(n.args)
	}
	for _, k := range n.kids {
		b.WriteByte(' ')
		k.write(b)
	}
	b.WriteByte(')')
}

// size is the number of instructions in the tree.
func (n *node) size() int {
	s := 1
	for _, k := range n.kids {
		s += k.size()
	}
	return s
}

func (n *node) clone() *node {
	c := *n
	c.kids = make([]*node, len(n.kids))
	for i, k := range n.kids {
		c.kids[i] = k.clone()
	}
	return &c
}

// nodes lists the tree's instructions in preorder.
func (n *node) nodes() []*node {
	out := []*node{n}
	for _, k := range n.kids {
		out = append(out, k.nodes()...)
	}
	return out
}

// replaced returns a copy of the tree in which the k-th instruction in preorder is what edit
// makes of (a copy of) it.
func (n *node) replaced(k int, edit func(*node) *node) *node {
	root := n.clone()
	if k == 0 {
		return edit(root)
	}
	all := root.nodes()
	target := all[k]
	for _, p := range all {
		for i, kid := range p.kids {
			if kid == target {
				p.kids[i] = edit(kid)
				return root
			}
		}
	}
	return root
}
