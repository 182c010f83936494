package air

// Visitor's Visit is called for each node Walk meets. If it returns a non-nil visitor w, Walk
// visits the node's children with w, then calls w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses a tree depth-first in source order: an instruction, then its values and
// sub-instructions as they appear in the text.
func Walk(v Visitor, n Node) {
	if v = v.Visit(n); v == nil {
		return
	}
	switch n := n.(type) {
	case *Call:
		Walk(v, n.Peer)
		Walk(v, n.Service)
		Walk(v, n.Function)
		for _, a := range n.Args {
			Walk(v, a)
		}
		if n.Output != nil {
			Walk(v, n.Output)
		}
	case *Seq:
		Walk(v, n.Left)
		Walk(v, n.Right)
	case *Par:
		Walk(v, n.Left)
		Walk(v, n.Right)
	case *Xor:
		Walk(v, n.Left)
		Walk(v, n.Right)
	case *Fail:
		if n.Code != nil {
			Walk(v, n.Code)
			Walk(v, n.Message)
		} else {
			Walk(v, n.Value)
		}
	case *Match:
		Walk(v, n.Left)
		Walk(v, n.Right)
		Walk(v, n.Body)
	case *Fold:
		Walk(v, n.Iterable)
		Walk(v, n.Iterator)
		Walk(v, n.Body)
		if n.Last != nil {
			Walk(v, n.Last)
		}
	case *Next:
		Walk(v, n.Iterator)
	case *New:
		Walk(v, n.Var)
		Walk(v, n.Body)
	case *Ap:
		Walk(v, n.Arg)
		Walk(v, n.Dst)
	case *ApMap:
		Walk(v, n.Key)
		Walk(v, n.Value)
		Walk(v, n.Map)
	case *Canon:
		Walk(v, n.Peer)
		Walk(v, n.Src)
		Walk(v, n.Dst)
	}
	v.Visit(nil)
}

type inspector func(Node) bool

func (f inspector) Visit(n Node) Visitor {
	if f(n) {
		return f
	}
	return nil
}

// Inspect traverses a tree like Walk, calling f for each node; f returning false skips the
// node's children. After the children, f(nil) is called.
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}
