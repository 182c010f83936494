package kademlia

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	kb "github.com/libp2p/go-libp2p-kbucket"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/mr-tron/base58"
	mh "github.com/multiformats/go-multihash"
)

// The functions in this file follow Fluence nox at commit
// b349812f0564353fce9ab48ef9fb967ddf574af1 (release 0.28.2, 2024-10-29), which builds with
// libp2p-kad 0.45.3 (protocols/kad/src/kbucket/key.rs: Key::from(Multihash), Key::from(PeerId)
// and Key::from(Vec<u8>) are SHA-256 of the bytes, distance is their XOR as a big-endian
// 256-bit number), multihash 0.19.1, unsigned-varint 0.7.2 and bs58 0.5.1.

// DefaultNeighborhoodCount is how many peers kad.neighborhood and kad.merge return when the call
// gives no count: libp2p's Kademlia K_VALUE, as in nox. It is only a default: nox sets no
// maximum, and an explicit count larger than the input just returns all of it.
const DefaultNeighborhoodCount = 20

// NoNeighborhoodCount passed as a count means the call gave none (Aqua's empty option), so
// DefaultNeighborhoodCount applies. A count of 0 is a real count in nox and returns nothing.
const NoNeighborhoodCount = -1

// maxMultihashDigest is the digest capacity of nox's Multihash<64>: wrapping or parsing a longer
// digest fails.
const maxMultihashDigest = 64

// ErrNeighborhoodArgument marks an argument of kad.neighborhood or kad.merge that does not decode
// (not base58, or not a multihash that fits). Test with errors.Is; the error's text is nox's.
var ErrNeighborhoodArgument = errors.New("kademlia: malformed argument")

// neighborhoodError carries the text nox's builtin gives for the same fault (the Display part of
// its "Error: {display}\n{debug}" value), so that Aqua code matching on messages behaves alike.
type neighborhoodError struct{ text string }

func (e *neighborhoodError) Error() string { return e.text }
func (e *neighborhoodError) Unwrap() error { return ErrNeighborhoodArgument }

// Neighborhood is kad.neighborhood: the count peers of the routing table closest to key, closest
// first.
//
// It follows nox's particle-builtins/src/builtins.rs neighbor_peers and
// crates/kademlia/src/behaviour.rs neighborhood:
//   - key is base58 (Bitcoin alphabet; "" is the empty key);
//   - unless alreadyHashed, its bytes are wrapped, not hashed, as a multihash with code 0x12
//     (SHA2-256) and their length, whatever that length (at most 64 bytes, as nox's
//     Multihash<64>); with alreadyHashed they must be a whole multihash (any code, digest of at
//     most 64 bytes, no trailing bytes);
//   - the target is SHA-256 of that multihash's bytes and each peer's place is SHA-256 of its
//     id's bytes (rust-libp2p's kbucket::Key, go-libp2p-kbucket's ConvertPeerID); peers are
//     sorted by the XOR of the two read as a big-endian number, closest first;
//   - count < 0 (NoNeighborhoodCount) means DefaultNeighborhoodCount; otherwise at most count
//     peers come back.
//
// peers are the peers of the caller's routing table. nox answers from its local routing table
// only (libp2p's get_closest_local_peers), which never holds the local peer: leave it out too.
// A peer listed twice is returned once.
//
// A key that does not decode gives an error wrapping ErrNeighborhoodArgument whose text is nox's,
// e.g. "Error while deserializing field 'key': not a base58: provided string contained invalid
// character '0' at byte 2" or "Invalid multihash size 65.".
func Neighborhood(key string, alreadyHashed bool, peers []peer.ID, count int) ([]peer.ID, error) {
	target, err := neighborhoodTarget(key, alreadyHashed)
	if err != nil {
		return nil, err
	}
	sorted := slices.Compact(kb.SortClosestPeers(peers, kb.ConvertKey(string(target))))
	return takeNeighbors(sorted, count), nil
}

// neighborhoodTarget returns the bytes of the multihash whose SHA-256 is kad.neighborhood's
// target.
func neighborhoodTarget(key string, alreadyHashed bool) ([]byte, error) {
	raw, err := decodeBs58(key)
	if err != nil {
		// nox's particle-args from_base58 names the field "key" and prefixes "not a base58".
		const prefix = "Error while deserializing field 'key': not a base58: "
		return nil, &neighborhoodError{prefix + err.Error()}
	}
	if alreadyHashed {
		return parseNoxMultihash(raw)
	}
	if len(raw) > maxMultihashDigest {
		return nil, &neighborhoodError{fmt.Sprintf("Invalid multihash size %d.", len(raw))}
	}
	// go-multihash's Encode only prefixes code and length, as Rust's Multihash::wrap does.
	return mh.Encode(raw, mh.SHA2_256)
}

// MergeClosest is kad.merge: left and right together, sorted by distance to target, closest first,
// each once, at most count of them.
//
// It follows nox's particle-builtins/src/builtins.rs kad_merge, which differs from
// kad.neighborhood:
//   - target and every element are base58; their decoded bytes are hashed with SHA-256 as they
//     are, not wrapped as a multihash first (rust-libp2p's Key::from(Vec<u8>)), so the elements
//     need not be peer ids and target is not a kad.neighborhood key;
//   - elements that decode to the same bytes are one element;
//   - the result is the elements re-encoded in base58, which gives back the strings given;
//   - count < 0 (NoNeighborhoodCount) means DefaultNeighborhoodCount (nox's doc comment says
//     "all elements", its code takes K_VALUE).
//
// The first argument that does not decode (target, then left, then right, in order) gives an
// error wrapping ErrNeighborhoodArgument with nox's text, "decode base58 failed: ...".
func MergeClosest(target string, left, right []string, count int) ([]string, error) {
	t, err := decodeBs58(target)
	if err != nil {
		return nil, &neighborhoodError{"decode base58 failed: " + err.Error()}
	}
	// Each element's bytes become a peer.ID only so that go-libp2p-kbucket hashes them:
	// ConvertPeerID is SHA-256 of the id's bytes, the same as rust-libp2p's Key::from(Vec<u8>).
	elems := make([]peer.ID, 0, len(left)+len(right))
	for _, list := range [][]string{left, right} {
		for _, s := range list {
			b, err := decodeBs58(s)
			if err != nil {
				return nil, &neighborhoodError{"decode base58 failed: " + err.Error()}
			}
			elems = append(elems, peer.ID(b))
		}
	}
	// Equal bytes have equal distance, so the sort puts duplicates side by side, where nox's
	// Vec::dedup (and Compact) removes them.
	sorted := slices.Compact(kb.SortClosestPeers(elems, kb.ConvertKey(string(t))))
	sorted = takeNeighbors(sorted, count)
	out := make([]string, len(sorted))
	for i, p := range sorted {
		out[i] = base58.Encode([]byte(p))
	}
	return out, nil
}

func takeNeighbors[T any](s []T, count int) []T {
	if count < 0 {
		count = DefaultNeighborhoodCount
	}
	if len(s) > count {
		s = s[:count]
	}
	return s
}

// decodeBs58 decodes s as the bs58 crate (0.5.1) does, with its error texts: the empty string
// is the empty byte string (mr-tron/base58 refuses it), and the first byte that is not a
// base58 digit is named with its index.
func decodeBs58(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 127 {
			return nil, fmt.Errorf("provided string contained non-ascii character starting at byte %d", i)
		}
		if !isBase58Digit(c) {
			return nil, fmt.Errorf("provided string contained invalid character %s at byte %d",
				rustCharDebug(c), i)
		}
	}
	if s == "" {
		return []byte{}, nil
	}
	return base58.Decode(s)
}

func isBase58Digit(c byte) bool {
	switch {
	case c >= '1' && c <= '9':
		return true
	case c >= 'A' && c <= 'Z':
		return c != 'I' && c != 'O'
	case c >= 'a' && c <= 'z':
		return c != 'l'
	}
	return false
}

// rustCharDebug formats an ASCII byte as Rust's {:?} formats a char, which bs58 uses in its
// error: quoted, with \0 \t \r \n \\ \' escaped and other control characters as \u{hex}.
func rustCharDebug(c byte) string {
	switch c {
	case 0:
		return `'\0'`
	case '\t':
		return `'\t'`
	case '\r':
		return `'\r'`
	case '\n':
		return `'\n'`
	case '\\':
		return `'\\'`
	case '\'':
		return `'\''`
	}
	if c < 0x20 || c == 0x7f {
		return `'\u{` + strconv.FormatUint(uint64(c), 16) + `}'`
	}
	return "'" + string(rune(c)) + "'"
}

// parseNoxMultihash reads b as multihash 0.19.1's Multihash::<64>::from_bytes does and returns the
// bytes its to_bytes gives back, with its error texts.
func parseNoxMultihash(b []byte) ([]byte, error) {
	code, n, err := readRustUvarint(b)
	if err != nil {
		return nil, err
	}
	b = b[n:]
	size, n, err := readRustUvarint(b)
	if err != nil {
		return nil, err
	}
	b = b[n:]
	if size > maxMultihashDigest {
		return nil, &neighborhoodError{fmt.Sprintf("Invalid multihash size %d.", size)}
	}
	if uint64(len(b)) < size {
		// std's read_exact on a byte slice that runs short.
		return nil, &neighborhoodError{"failed to fill whole buffer"}
	}
	digest, rest := b[:size], b[size:]
	if len(rest) > 0 {
		// from_bytes reports the count of bytes left over as an invalid size.
		return nil, &neighborhoodError{fmt.Sprintf("Invalid multihash size %d.", len(rest))}
	}
	return mh.Encode(digest, code)
}

// readRustUvarint reads a u64 as unsigned-varint 0.7.2's io::read_u64 does: at most 10 bytes, a
// multi-byte value may not end in a zero byte, and bits past the 64th of a 10-byte value are
// dropped (Rust's shift discards them), which re-encoding then shows.
func readRustUvarint(b []byte) (v uint64, n int, err error) {
	for i := 0; i < 10; i++ {
		if i == len(b) {
			return 0, 0, &neighborhoodError{"unexpected end of file"}
		}
		c := b[i]
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			if c == 0 && i > 0 {
				return 0, 0, &neighborhoodError{"encoding is not minimal"}
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, &neighborhoodError{"input bytes exceed maximum"}
}

// NeighborhoodKey is the pre-image of kad.neighborhood's target for key (see Neighborhood): the
// multihash whose SHA-256 is the target, for a routing table that hashes what it is given
// (core.Routing.LocalClosest).
func NeighborhoodKey(key string, alreadyHashed bool) ([]byte, error) {
	return neighborhoodTarget(key, alreadyHashed)
}
