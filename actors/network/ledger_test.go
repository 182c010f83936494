package network

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/aquanet/aquanet/core"
)

// ledgerInbox records the ledger messages one peer receives.
type ledgerInbox struct {
	from []string
	msgs [][]byte
}

func (l *ledgerInbox) serve(from string, msg []byte) {
	l.from = append(l.from, from)
	l.msgs = append(l.msgs, msg)
}

func joinLedger(h *Hub, peer string) (core.LedgerTransport, *ledgerInbox) {
	in := &ledgerInbox{}
	tr := h.Join(peer, nil).(core.LedgerTransport)
	tr.ServeLedger(in.serve)
	return tr, in
}

// Ledger messages arrive before SendLedger returns, in order, named by their sender, each a
// copy the sender may reuse; one of exactly MaxLedgerMessage bytes passes.
func TestHubLedgerDelivers(t *testing.T) {
	h := NewHub()
	a, _ := joinLedger(h, "alice")
	_, bob := joinLedger(h, "bob")
	buf := make([]byte, 8)
	for i := range 1000 {
		copy(buf, fmt.Sprintf("%08d", i))
		if err := a.SendLedger("bob", buf); err != nil {
			t.Fatal(err)
		}
		if len(bob.msgs) != i+1 {
			t.Fatalf("after SendLedger %d returned, bob had %d messages", i, len(bob.msgs))
		}
	}
	clear(buf) // the sender reuses its buffer: what bob holds must not change
	for i, m := range bob.msgs {
		if want := fmt.Sprintf("%08d", i); string(m) != want || bob.from[i] != "alice" {
			t.Fatalf("message %d: %q from %s, want %q from alice", i, m, bob.from[i], want)
		}
	}
	big := bytes.Repeat([]byte{7}, core.MaxLedgerMessage)
	if err := a.SendLedger("bob", big); err != nil {
		t.Fatalf("a message of exactly MaxLedgerMessage bytes: %v", err)
	}
	if got := bob.msgs[len(bob.msgs)-1]; len(got) != core.MaxLedgerMessage {
		t.Fatalf("the largest message arrived with %d bytes", len(got))
	}
}

// A message to a peer not on the hub, or over MaxLedgerMessage, is an error and reaches no
// one; a peer that has not called ServeLedger drops what comes, without an error.
func TestHubLedgerRefuses(t *testing.T) {
	h := NewHub()
	a, _ := joinLedger(h, "alice")
	_, bob := joinLedger(h, "bob")
	var unknown *ErrUnknownPeer
	if err := a.SendLedger("mallory", []byte("x")); !errors.As(err, &unknown) || unknown.Peer != "mallory" {
		t.Errorf("to a peer not on the hub: %v, want *ErrUnknownPeer for mallory", err)
	}
	err := a.SendLedger("bob", make([]byte, core.MaxLedgerMessage+1))
	if !errors.Is(err, ErrLedgerMessageTooLong) {
		t.Errorf("a message one byte over the limit: %v, want ErrLedgerMessageTooLong", err)
	}
	if len(bob.msgs) != 0 {
		t.Errorf("bob received %d messages, want none", len(bob.msgs))
	}
	h.Join("carol", nil) // serves no ledger
	if err := a.SendLedger("carol", []byte("x")); err != nil {
		t.Errorf("to a peer that serves no ledger: %v, want nil (dropped)", err)
	}
}
