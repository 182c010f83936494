// Package data is the particle data AIR scripts build: the trace, the content-addressed stores
// the trace refers to, and the signatures of the peers that produced it (../shared/AIR.md §3.3, §4).
//
// The model is the reference interpreter's (AquaVM 0.62), so that the two can be compared field
// by field through the JSON view (View), which has the shape of the reference's human-readable
// data. The byte encoding (Encode, Decode) is aquanet's own.
package data

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"

	"github.com/aquanet/aquanet/sigcache"
)

// Versions the JSON view reports: those of the reference whose semantics this package follows.
const (
	ReferenceInterpreterVersion = "0.62.0"
	ReferenceDataVersion        = "0.17.2"
)

// Data is the interpreter's state of one particle on one peer.
type Data struct {
	Trace []State
	// LastCallID is the last call id this peer handed to its host (the reference's "lcid").
	LastCallID uint32
	Stores     Stores
	// Signatures maps each peer's ed25519 public key (32 bytes, as a string) to its signature
	// over the CIDs it produced (see SigningMessage).
	Signatures map[string][]byte
}

// New returns empty data.
func New() *Data {
	return &Data{Stores: NewStores(), Signatures: map[string][]byte{}}
}

// SigningMessage returns the bytes a peer signs: the text forms of the CIDs it produced, sorted,
// and the particle id, serialized as the reference does (borsh of (Vec<String>, &str): a u32
// little-endian count, then each string as a u32 little-endian length and its bytes).
func SigningMessage(cids []CID, particleID string) []byte {
	// All texts go into one buffer and are sorted as slices of it: a run signs every CID it
	// produced, a thousand of them after a large fold.
	texts := make([]byte, 0, len(cids)*cidTextLen)
	for _, c := range cids {
		texts = c.AppendText(texts)
	}
	text := func(i int) []byte { return texts[i*cidTextLen : (i+1)*cidTextLen] }
	// Sorted by the eight characters after the prefix every text shares, five bits each as
	// they order (the digits '2' to '7' before 'a' to 'z'), then whole (sortIndexed).
	low := indexBits(len(cids))
	keys := make([]uint64, len(cids))
	for i := range keys {
		var k uint64
		for _, c := range text(i)[cidTextSharedLen : cidTextSharedLen+8] {
			k = k<<5 | uint64(base32Rank(c))
		}
		keys[i] = k<<(64-8*5)&^low | uint64(i)
	}
	sortIndexed(keys, low, func(a, b int) int { return bytes.Compare(text(a), text(b)) })
	msg := make([]byte, 0, 4+len(cids)*(4+cidTextLen)+4+len(particleID))
	msg = binary.LittleEndian.AppendUint32(msg, uint32(len(cids)))
	for _, k := range keys {
		msg = binary.LittleEndian.AppendUint32(msg, uint32(cidTextLen))
		msg = append(msg, text(int(k&low))...)
	}
	msg = binary.LittleEndian.AppendUint32(msg, uint32(len(particleID)))
	return append(msg, particleID...)
}

// base32Rank is where a character of a CID's text (RFC 4648's lower-case base32) sorts among
// the 32: the digits first, as their bytes are lower.
func base32Rank(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 6
	}
	return c - '2'
}

// Sign signs the CIDs a peer produced for a particle.
func Sign(key ed25519.PrivateKey, cids []CID, particleID string) []byte {
	return sigcache.Sign(key, SigningMessage(cids, particleID))
}
