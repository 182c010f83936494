package particles

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// A fold whose every call is saved before it runs (a service that is not pure) saves, after
// the first time, journal entries of what each step added: what the store gives back (Load,
// the data whole with its entries applied) is the machine's data byte for byte after every
// save, the entries stay smaller than the data, and a Load leaves the data whole again (entries
// dropped) for the next save to count from 1. Saving whole at the end drops the entries too.
func TestJournaledSavesLoadAsTheData(t *testing.T) {
	alice, bob := identity(t, "alice"), identity(t, "bob")
	const n = 40
	script := fmt.Sprintf(`(seq (seq (call %%init_peer_id%% ("s" "xs") [] xs) (fold xs x (seq (call %%init_peer_id%% ("srv" "put") [x] r) (next x)))) (call "%s" ("s" "f") []))`, bob.PeerID)
	xs := "["
	for i := range n {
		xs += fmt.Sprintf(`%q,`, fmt.Sprint("v", i))
	}
	xs = xs[:len(xs)-1] + "]"
	s := newStore(t)
	k := Key{ID: "p-1", InitPeerID: alice.PeerID, Signature: "sig", Deadline: 1_700_000_060_000}
	m := machine(t, script, alice, alice)
	m.Arrive(nil)
	entries, wholes := 0, 0
	for step := 0; ; step++ {
		e := m.Step()
		if e.RetCode != 0 {
			t.Fatalf("step %d: %s", step, e.Error)
		}
		if len(e.Forward) > 0 {
			break
		}
		w := m.ForSave(nil, true)
		if w.Entry != nil {
			entries++
			if len(w.Entry) >= len(m.Data())/2 && step > 10 {
				t.Errorf("step %d: a journal entry of %d bytes for data of %d", step, len(w.Entry), len(m.Data()))
			}
		} else {
			wholes++
		}
		if err := s.Write(k, w); err != nil {
			t.Fatal(err)
		}
		if step%7 == 3 { // a restart's Load: the whole data back, the entries folded into it
			got, err := s.Load(k)
			if err != nil || !bytes.Equal(got, m.Data()) {
				t.Fatalf("step %d: Load gives %d bytes (%v), want the machine's %d", step, len(got), err, len(m.Data()))
			}
			restored := machine(t, script, alice, alice)
			restored.Restore(got)
			m = restored // the restored machine goes on: the runs replay, then resume
			m.pending = map[uint32]bool{}
			for _, c := range e.Calls {
				m.pending[c.ID] = true
			}
		}
		c := e.Calls[0]
		res := interpreter.CallResult{Result: xs}
		if c.Function == "put" {
			res.Result = c.Args[0].String()
		}
		m.Result(c.ID, res)
	}
	if entries < n/2 || wholes < 2 {
		t.Errorf("%d saves as journal entries and %d whole, want most as entries and some whole", entries, wholes)
	}
	if err := s.Write(k, m.ForSaveWhole(nil, false)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(k); err != nil || !bytes.Equal(got, m.Data()) {
		t.Fatalf("after the save whole: Load gives %d bytes (%v), want %d", len(got), err, len(m.Data()))
	}
	if entries, err := s.journal(k, keyHash(k)); err != nil || len(entries) != 0 {
		t.Fatalf("%d journal entries left after the save whole (%v)", len(entries), err)
	}
}

// Delete drops the journal entries a crash left beside the data, with the data.
func TestDeleteDropsTheJournal(t *testing.T) {
	s := newStore(t)
	k := Key{ID: "p-1", InitPeerID: "12D3A", Signature: "sig", Deadline: 1000}
	writes := []core.Write{{Data: []byte("whole")}, {Entry: []byte("e1"), Seq: 1}, {Entry: []byte("e2"), Seq: 2}}
	for _, w := range writes {
		if err := s.Write(k, w); err != nil {
			t.Fatal(err)
		}
	}
	if entries, err := s.journal(k, keyHash(k)); err != nil || len(entries) != 2 {
		t.Fatalf("%d entries written (%v), want 2", len(entries), err)
	}
	if err := s.Delete(k, nil); err != nil {
		t.Fatal(err)
	}
	if entries, err := s.journal(k, keyHash(k)); err != nil || len(entries) != 0 {
		t.Fatalf("%d entries after Delete (%v), want none", len(entries), err)
	}
	if got, err := s.Load(k); got != nil || err != nil {
		t.Fatalf("Load after Delete = %q, %v", got, err)
	}
}

// The journal entries a store held when it was opened (a crash left them) are found by the
// store opened next: Load applies them, Delete drops them. Entries written since the data
// was written whole are looked for; data written whole has none to look for.
func TestJournalEntriesFoundAcrossOpens(t *testing.T) {
	db, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k := Key{ID: "p-1", InitPeerID: "12D3A", Signature: "sig", Deadline: 1000}
	kh := keyHash(k)
	d := data.New()
	whole := d.Encode()
	first := NewStore(db)
	if err := first.Write(k, core.Write{Data: whole}); err != nil {
		t.Fatal(err)
	}
	if first.mayHaveJournal(kh) {
		t.Fatal("data written whole is looked for in the journal")
	}
	if err := first.Write(k, core.Write{Entry: data.AppendJournal(nil, d, 0, nil), Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if !first.mayHaveJournal(kh) {
		t.Fatal("data with a journal entry is not looked for in the journal")
	}

	second := NewStore(db) // the node restarted
	if entries, err := second.journal(k, kh); err != nil || len(entries) != 1 {
		t.Fatalf("the next store finds %d entries (%v), want 1", len(entries), err)
	}
	if err := second.Delete(k, nil); err != nil {
		t.Fatal(err)
	}
	if entries, err := NewStore(db).journal(k, kh); err != nil || len(entries) != 0 {
		t.Fatalf("%d entries after Delete (%v), want none", len(entries), err)
	}
}

// DeleteExpired drops the entries of the particles expired, and the store no longer looks
// for them; a particle still live keeps its entries and is looked for.
func TestDeleteExpiredForgetsTheJournaledExpired(t *testing.T) {
	s := newStore(t)
	d := data.New()
	old := Key{ID: "old", InitPeerID: "12D3A", Signature: "sig", Deadline: 1000}
	live := Key{ID: "live", InitPeerID: "12D3A", Signature: "sig", Deadline: 5000}
	for _, k := range []Key{old, live} {
		for _, w := range []core.Write{{Data: d.Encode()}, {Entry: data.AppendJournal(nil, d, 0, nil), Seq: 1}} {
			if err := s.Write(k, w); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.DeleteExpired(1000); err != nil {
		t.Fatal(err)
	}
	if s.mayHaveJournal(keyHash(old)) || !s.mayHaveJournal(keyHash(live)) {
		t.Fatalf("after DeleteExpired: expired looked for %v, live looked for %v; want false, true",
			s.mayHaveJournal(keyHash(old)), s.mayHaveJournal(keyHash(live)))
	}
	if entries, err := s.journal(live, keyHash(live)); err != nil || len(entries) != 1 {
		t.Fatalf("the live particle has %d entries (%v), want 1", len(entries), err)
	}
}
