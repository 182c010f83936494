package data

import (
	"crypto/ed25519"
	"fmt"
	"maps"
	"slices"

	"github.com/mr-tron/base58"
)

// PeerIDOf returns the libp2p peer id (base58 text) of an ed25519 public key: the identity
// multihash of the key's protobuf encoding.
func PeerIDOf(pub []byte) string {
	b := append([]byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}, pub...)
	return base58.Encode(b)
}

// PeerCIDs groups the CIDs of the trace by the peer that produced them, as the reference's
// signature verification does: every call with a service result (executed or failed) and every
// executed canon, attributed to the peer of its tetraplet. It fails on a dangling CID.
func (d *Data) PeerCIDs() (map[string][]CID, error) {
	out := map[string][]CID{}
	for i, s := range d.Trace {
		switch s := s.(type) {
		case CallState:
			if s.Kind == CallSentBy || (s.Kind == CallExecuted && s.Value == UnusedValue) {
				continue
			}
			sr, ok := d.Stores.ServiceResults[s.CID]
			if !ok {
				return nil, fmt.Errorf("state %d: service result %s is not in the data", i, s.CID)
			}
			t, ok := d.Stores.Tetraplets[sr.Tetraplet]
			if !ok {
				return nil, fmt.Errorf("state %d: tetraplet %s is not in the data", i, sr.Tetraplet)
			}
			out[t.PeerPK] = append(out[t.PeerPK], s.CID)
		case CanonState:
			if !s.Executed {
				continue
			}
			cr, ok := d.Stores.CanonResults[s.CID]
			if !ok {
				return nil, fmt.Errorf("state %d: canon result %s is not in the data", i, s.CID)
			}
			t, ok := d.Stores.Tetraplets[cr.Tetraplet]
			if !ok {
				return nil, fmt.Errorf("state %d: tetraplet %s is not in the data", i, cr.Tetraplet)
			}
			out[t.PeerPK] = append(out[t.PeerPK], s.CID)
		}
	}
	return out, nil
}

// VerifySignatures checks, as the reference does, every signature in d: each peer's signature
// must be over exactly the CIDs it produced in d (none, for a peer that produced nothing), and
// every peer that produced CIDs must have signed them.
func (d *Data) VerifySignatures(particleID string) error {
	byPeer, err := d.PeerCIDs()
	if err != nil {
		return err
	}
	signed := map[string]bool{}
	for _, pk := range slices.Sorted(maps.Keys(d.Signatures)) {
		peer := PeerIDOf([]byte(pk))
		signed[peer] = true
		if !ed25519.Verify(ed25519.PublicKey(pk), SigningMessage(byPeer[peer], particleID), d.Signatures[pk]) {
			return fmt.Errorf("the signature of peer %s does not match the %d values it produced", peer, len(byPeer[peer]))
		}
	}
	for _, peer := range slices.Sorted(maps.Keys(byPeer)) {
		if !signed[peer] {
			return fmt.Errorf("peer %s produced values but did not sign them", peer)
		}
	}
	return nil
}

// MergeSignatures combines the signatures of previous and current data as the reference does:
// for each peer the signature over the larger set of CIDs is kept, and the smaller set must be
// contained in the larger one (a peer only ever adds to what it produced).
func MergeSignatures(prev, cur *Data) (map[string][]byte, error) {
	prevCIDs, err := prev.PeerCIDs()
	if err != nil {
		return nil, err
	}
	curCIDs, err := cur.PeerCIDs()
	if err != nil {
		return nil, err
	}
	out := maps.Clone(prev.Signatures)
	if out == nil {
		out = map[string][]byte{}
	}
	for pk, sig := range cur.Signatures {
		old, ok := out[pk]
		if !ok {
			out[pk] = sig
			continue
		}
		peer := PeerIDOf([]byte(pk))
		a, b := prevCIDs[peer], curCIDs[peer]
		if len(b) > len(a) {
			a, b = b, a
			old = sig
		}
		if !subMultiset(b, a) {
			return nil, fmt.Errorf("peer %s: the values in the previous and current data are not one a subset of the other", peer)
		}
		out[pk] = old
	}
	return out, nil
}

func subMultiset(small, large []CID) bool {
	count := map[CID]int{}
	for _, c := range large {
		count[c]++
	}
	for _, c := range small {
		if count[c] == 0 {
			return false
		}
		count[c]--
	}
	return true
}
