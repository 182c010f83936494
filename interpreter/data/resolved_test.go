package data

import (
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// The memo of resolved service results answers only for the CID it was kept for at a position,
// and forgets everything when a run's additions are undone.
func TestResolvedAt(t *testing.T) {
	s := NewStores()
	a, b := CIDOf([]byte(`"a"`)), CIDOf([]byte(`"b"`))
	r := Resolved{ArgumentHash: b, Value: value.String("a"), Tetraplet: Tetraplet{PeerPK: "p"}}
	s.Remember(5, a, r)
	if got, ok := s.ResolvedAt(5, a); !ok || got.ArgumentHash != b || got.Tetraplet != r.Tetraplet {
		t.Fatalf("ResolvedAt(5, a) = %v %v, want what was remembered", got, ok)
	}
	for _, miss := range []struct {
		pos uint32
		c   CID
	}{{5, b}, {4, a}, {0, CID{}}, {6, a}, {1 << 20, a}} {
		if _, ok := s.ResolvedAt(miss.pos, miss.c); ok {
			t.Errorf("ResolvedAt(%d, %s) found an entry", miss.pos, miss.c)
		}
	}
	var added Additions
	s.Record(&added)
	s.PutValue(value.String("c"))
	s.Undo(&added)
	if _, ok := s.ResolvedAt(5, a); ok {
		t.Error("the memo survived an Undo")
	}
	var byHand Stores // no work: nothing remembered
	byHand.Remember(0, a, r)
	if _, ok := byHand.ResolvedAt(0, a); ok {
		t.Error("stores made by hand remembered")
	}
}
