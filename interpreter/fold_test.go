package interpreter

import (
	"strconv"
	"testing"
)

// The lenses of elements made once are the ones elementLens builds.
func TestElementLenses(t *testing.T) {
	for i := range len(elementLenses) + 10 {
		want := ".$.[" + strconv.Itoa(i) + "]"
		if got := elementLens("", i); got != want {
			t.Fatalf("elementLens(\"\", %d) = %q, want %q", i, got, want)
		}
		if got := elementLens(".$.a", i); got != ".$.a"+want {
			t.Fatalf("elementLens(\".$.a\", %d) = %q", i, got)
		}
	}
}
