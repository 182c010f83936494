package data

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/sigcache"
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
	out, _, err := d.peerCIDs()
	return out, err
}

// peerCIDs is PeerCIDs, and the peers in the order of the trace (of their first CID). It reads
// the trace once, noting each CID with its peer's place in order, then hands each peer its
// CIDs cut from one array: every arrival's data is checked so (VerifySignatures), and a slice
// grown per peer took several allocations each. What it notes grows with the CIDs found, not
// with the trace: a trace of small states without CIDs (a stranger's, say) costs nothing here.
func (d *Data) peerCIDs() (map[string][]CID, []string, error) {
	var order []string
	index := map[string]int32{}
	type produced struct {
		peer int32
		cid  CID
	}
	var all []produced
	var counts []int
	add := func(peer string, c CID) {
		i, ok := index[peer]
		if !ok {
			i = int32(len(order))
			index[peer] = i
			order = append(order, peer)
			counts = append(counts, 0)
		}
		counts[i]++
		all = append(all, produced{i, c})
	}
	for i, s := range d.Trace {
		switch s := s.(type) {
		case CallState:
			if s.Kind == CallSentBy || (s.Kind == CallExecuted && s.Value == UnusedValue) {
				continue
			}
			sr, ok := d.Stores.ServiceResults[s.CID]
			if !ok {
				return nil, nil, fmt.Errorf("state %d: service result %s is not in the data", i, s.CID)
			}
			t, ok := d.Stores.Tetraplets[sr.Tetraplet]
			if !ok {
				return nil, nil, fmt.Errorf("state %d: tetraplet %s is not in the data", i, sr.Tetraplet)
			}
			add(t.PeerPK, s.CID)
		case CanonState:
			if !s.Executed {
				continue
			}
			cr, ok := d.Stores.CanonResults[s.CID]
			if !ok {
				return nil, nil, fmt.Errorf("state %d: canon result %s is not in the data", i, s.CID)
			}
			t, ok := d.Stores.Tetraplets[cr.Tetraplet]
			if !ok {
				return nil, nil, fmt.Errorf("state %d: tetraplet %s is not in the data", i, cr.Tetraplet)
			}
			add(t.PeerPK, s.CID)
		}
	}
	lists := make([][]CID, len(order))
	backing := make([]CID, len(all))
	at := 0
	for i, n := range counts {
		lists[i] = backing[at : at : at+n]
		at += n
	}
	for _, p := range all {
		lists[p.peer] = append(lists[p.peer], p.cid)
	}
	out := make(map[string][]CID, len(order))
	for i, peer := range order {
		out[peer] = lists[i]
	}
	return out, order, nil
}

// VerifySignatures checks, as the reference does, every signature in d: each peer's signature
// must be over exactly the CIDs it produced in d (none, for a peer that produced nothing), and
// every peer that produced CIDs must have signed them. The errors are the reference's
// DataVerifierError, word for word, found in the same order as far as it has one: a peer
// without a signature first, in the order of the trace (the reference meets it while grouping
// the CIDs), then a signature that does not verify (the reference goes over the peers in hash
// map order, so for data with several bad signatures it may name another one).
func (d *Data) VerifySignatures(particleID string) error {
	byPeer, order, err := d.peerCIDs()
	if err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(d.Signatures))
	ids := make([]string, len(keys)) // each key's peer id, made once (base58)
	signed := make(map[string]bool, len(keys))
	for i, pk := range keys {
		ids[i] = PeerIDOf([]byte(pk))
		signed[ids[i]] = true
	}
	for _, peer := range order {
		if !signed[peer] {
			return fmt.Errorf("peer_id doens't match any available public key: %q", peer)
		}
	}
	for i, pk := range keys {
		peer := ids[i]
		// The same data arrives again and again (every hop back, every merge): each peer's
		// signature is checked once per process (sigcache), and answered from memory after.
		if !sigcache.Verify(ed25519.PublicKey(pk), SigningMessage(byPeer[peer], particleID), d.Signatures[pk]) {
			// The reference's Debug of ed25519-dalek's error for a signature that does not
			// verify, the signature and the key in base58, then the CIDs, sorted.
			return fmt.Errorf("signature mismatch for %q: Verification(Ed25519(signature::Error { source: Some(Verification equation was not satisfied) }, %q, %q)), values: CIDS: %s",
				peer, base58.Encode(d.Signatures[pk]), base58.Encode([]byte(pk)), cidsDebug(byPeer[peer]))
		}
	}
	return nil
}

// cidsDebug renders CIDs, sorted, as Rust's Debug of the reference's Vec<Rc<CidRef>>.
func cidsDebug(cids []CID) string {
	texts := make([]string, len(cids))
	for i, c := range cids {
		texts[i] = strconv.Quote(c.String())
	}
	slices.Sort(texts)
	return "[" + strings.Join(texts, ", ") + "]"
}

// MergeSignatures combines the signatures of previous and current data as the reference does:
// for each peer the signature over the larger set of CIDs is kept, and the smaller set must be
// contained in the larger one (a peer only ever adds to what it produced). Both data's
// signatures must have verified (VerifySignatures): a peer's signature that is the same in
// both is then over the same CIDs, and needs no comparison. That is the common case (data
// coming back with the signatures it left with), and the CIDs are grouped by peer only when
// some peer's two signatures differ: grouping the previous data's, the peer's whole history,
// at every arrival made a merge cost what the history held.
func MergeSignatures(prev, cur *Data) (map[string][]byte, error) {
	out := maps.Clone(prev.Signatures)
	if out == nil {
		out = map[string][]byte{}
	}
	var prevCIDs, curCIDs map[string][]CID
	for pk, sig := range cur.Signatures {
		old, ok := out[pk]
		if !ok {
			out[pk] = sig
			continue
		}
		if bytes.Equal(old, sig) {
			continue
		}
		if prevCIDs == nil {
			var err error
			if prevCIDs, err = prev.PeerCIDs(); err != nil {
				return nil, err
			}
			if curCIDs, err = cur.PeerCIDs(); err != nil {
				return nil, err
			}
		}
		peer := PeerIDOf([]byte(pk))
		a, b := prevCIDs[peer], curCIDs[peer]
		if len(b) > len(a) {
			a, b = b, a
			old = sig
		}
		if !subMultiset(b, a) {
			// The reference's MergeMismatch, which calls the larger set prev whichever it is.
			return nil, fmt.Errorf("inconsistent CID multisets on merge for peer %q, prev: %s, current: %s", peer, cidsDebug(a), cidsDebug(b))
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
