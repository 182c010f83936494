package air

import (
	"fmt"
	"strings"
	"testing"
)

func TestWalkVisitsEveryNodeInSourceOrder(t *testing.T) {
	src := `(seq (call %init_peer_id% ("s" "f") [1 x] r) (fold r i (seq (ap (i 2) %m) (next i)) (canon "p" %m #%c)))`
	s, err := ParseSyntax(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	last := -1
	Inspect(s.Root, func(n Node) bool {
		if n == nil {
			return true
		}
		if int(n.Pos().Offset) < last {
			t.Errorf("%T at %v visited after offset %d", n, n.Pos(), last)
		}
		last = int(n.Pos().Offset)
		got = append(got, fmt.Sprintf("%T", n)[5:])
		return true
	})
	want := "Seq Call Special String String Number Var Var Fold Var Var Seq ApMap Var Number Var Next Var Canon String Var Var"
	if strings.Join(got, " ") != want {
		t.Fatalf("visited\n%s\nwant\n%s", strings.Join(got, " "), want)
	}

	// Returning false skips the children.
	count := 0
	Inspect(s.Root, func(n Node) bool {
		if n != nil {
			count++
		}
		_, isFold := n.(*Fold)
		return !isFold
	})
	if count != 9 {
		t.Fatalf("visited %d nodes with the fold's children skipped, want 9", count)
	}
}
