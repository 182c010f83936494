// Package particle is the packet of the Fluence protocol: an AIR script, the data its
// interpreter has built so far, and the initiator's signature over everything that must not
// change on the way.
//
// A particle is created and signed by its initiator, then hops from peer to peer. Each peer
// decodes it ([Decode]), checks it ([Validate]), runs the script, and forwards it with new data
// and the hop count incremented. The id, init peer id, timestamp, ttl, max hops and script are
// fixed by the signature; the data is rewritten at every hop and is verified by the interpreter's
// own signatures, not by the particle's.
//
// # Signed bytes
//
// The initiator signs, with the private key of InitPeerID (ed25519 by default), the byte string
// [Particle.SigningBytes] returns. Its layout is fixed here and depends on nothing but the field
// values (no map order, no Go version, no protobuf encoder):
//
//	size  content
//	20    domain tag: the ASCII bytes "aquanet/particle/v1" followed by one zero byte
//	8     length of id, unsigned big-endian
//	n     id, UTF-8
//	8     length of init peer id, unsigned big-endian
//	n     init peer id, binary (the multihash bytes a peer.ID holds)
//	8     timestamp, milliseconds since the Unix epoch, unsigned big-endian
//	4     ttl, milliseconds, unsigned big-endian
//	4     max hops, unsigned big-endian
//	8     length of script, unsigned big-endian
//	n     script, UTF-8
//
// Every variable-length field carries its length, so no two different particles share signed
// bytes; the domain tag keeps the signature from being valid for any other aquanet message.
// Hop count, signature and data are not signed.
//
// # Wire format
//
// [Particle.Encode] writes one format-version byte ([FormatVersion], currently 1) followed by a
// protobuf (proto3) message with this schema; zero-valued fields are omitted and fields are
// written in field-number order, which is exactly protobuf's deterministic encoding:
//
//	message Particle {
//	  string id           = 1;
//	  bytes  init_peer_id = 2;  // binary peer id
//	  uint64 timestamp    = 3;  // ms since the Unix epoch
//	  uint32 ttl          = 4;  // ms
//	  uint32 max_hops     = 5;
//	  uint32 hop_count    = 6;
//	  string script       = 7;
//	  bytes  signature    = 8;
//	  bytes  data         = 9;
//	  bytes  certificate  = 10; // at most MaxCertificateLen bytes
//	}
//
// [Decode] enforces [Limits] before it allocates, rejects a field that appears twice, and skips
// fields it does not know (a newer sender's additions; they are dropped when the particle is
// re-encoded).
package particle

import (
	"encoding/binary"
	"fmt"

	"github.com/libp2p/go-libp2p/core/crypto"
	pb "github.com/libp2p/go-libp2p/core/crypto/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/sigcache"
)

// MaxIDLen is the longest particle id, in bytes.
const MaxIDLen = 128

// DefaultMaxHops is a sensible hop limit for initiators that have no better one: a route through
// a thousand peers in sequence, with room to spare for relays.
const DefaultMaxHops = 1024

// Particle is one packet. The zero value is not valid; fill every field, then Sign.
type Particle struct {
	// ID names the particle; together with InitPeerID it identifies it across the network.
	// Non-empty, at most MaxIDLen bytes of UTF-8. Signed.
	ID string
	// InitPeerID is the peer that created and signed the particle. Its id must embed its public
	// key (ed25519 and secp256k1 ids do), since that key verifies the signature. Signed.
	InitPeerID peer.ID
	// Timestamp is when the particle was created, in milliseconds since the Unix epoch. Signed.
	Timestamp uint64
	// TTL is how long after Timestamp the particle stays alive, in milliseconds. Signed.
	TTL uint32
	// MaxHops is the initiator's limit on HopCount: a peer drops a particle that arrives with
	// HopCount > MaxHops. Zero keeps the particle on its initiator. Signed.
	MaxHops uint32
	// HopCount is how many times the particle has been forwarded; each forwarding peer adds one.
	// Not signed.
	HopCount uint32
	// Script is the AIR program, UTF-8. Signed.
	Script string
	// Signature is InitPeerID's signature over SigningBytes.
	Signature []byte
	// Data is the interpreter's state (trace and values), opaque to this package. Not signed.
	Data []byte
	// Certificate, if set, is the initiator's certificate (package trust's binary form, opaque
	// here, at most MaxCertificateLen bytes): the chain of trusts from an application's developer
	// to InitPeerID that a node checks before it serves the initiator a service under the
	// application's perimeter. Not signed, and it need not be: it proves itself (every trust in
	// it is signed by its issuer, and it counts only if its last trust is issued for InitPeerID,
	// whose signature the particle carries), so all a peer on the way can do to it is drop it,
	// which it could do to the whole particle.
	Certificate []byte
}

// MaxCertificateLen bounds Particle.Certificate: a chain of 17 trusts (trust.MaxChain) takes
// about 2 KiB.
const MaxCertificateLen = 4096

// Deadline returns the time, in milliseconds since the Unix epoch, at which the particle
// expires: Timestamp + TTL, saturating instead of wrapping around.
func (p *Particle) Deadline() uint64 {
	d := p.Timestamp + uint64(p.TTL)
	if d < p.Timestamp {
		return ^uint64(0)
	}
	return d
}

// signingTag starts the signed bytes; see the package documentation.
const signingTag = "aquanet/particle/v1\x00"

// SigningBytes returns the canonical bytes the initiator signs (layout in the package
// documentation).
func (p *Particle) SigningBytes() []byte {
	n := len(signingTag) + 8 + len(p.ID) + 8 + len(p.InitPeerID) + 8 + 4 + 4 + 8 + len(p.Script)
	return p.AppendSigningBytes(make([]byte, 0, n))
}

// AppendSigningBytes appends the canonical signed bytes to dst and returns the extended slice.
func (p *Particle) AppendSigningBytes(dst []byte) []byte {
	dst = append(dst, signingTag...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(len(p.ID)))
	dst = append(dst, p.ID...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(len(p.InitPeerID)))
	dst = append(dst, p.InitPeerID...)
	dst = binary.BigEndian.AppendUint64(dst, p.Timestamp)
	dst = binary.BigEndian.AppendUint32(dst, p.TTL)
	dst = binary.BigEndian.AppendUint32(dst, p.MaxHops)
	dst = binary.BigEndian.AppendUint64(dst, uint64(len(p.Script)))
	dst = append(dst, p.Script...)
	return dst
}

// Sign sets Signature to key's signature over SigningBytes. key must be InitPeerID's key: a
// particle signed by anyone else could never be verified, so Sign refuses.
func (p *Particle) Sign(key crypto.PrivKey) error {
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return fmt.Errorf("particle: sign: %w", err)
	}
	if id != p.InitPeerID {
		return fmt.Errorf("particle: sign: key belongs to %s, but the particle's init peer is %s", id, p.InitPeerID)
	}
	sig, err := key.Sign(p.SigningBytes())
	if err != nil {
		return fmt.Errorf("particle: sign: %w", err)
	}
	p.Signature = sig
	return nil
}

// Verify checks Signature against InitPeerID's public key. The error wraps ErrBadSignature, or
// ErrMalformed when the init peer id does not embed a public key.
func (p *Particle) Verify() error {
	if len(p.Signature) == 0 {
		return newError(ErrBadSignature, "the particle is not signed")
	}
	pub, err := p.InitPeerID.ExtractPublicKey()
	if err != nil {
		return newError(ErrMalformed, "init peer id %s does not embed a public key: %v", p.InitPeerID, err)
	}
	var ok bool
	if raw, rerr := pub.Raw(); pub.Type() == pb.KeyType_Ed25519 && rerr == nil {
		// A particle arrives at a node again with each hop back and each merge: its signature
		// is checked once (sigcache), and answered from memory after.
		ok = sigcache.Verify(raw, p.SigningBytes(), p.Signature)
	} else if ok, err = pub.Verify(p.SigningBytes(), p.Signature); err != nil {
		return newError(ErrBadSignature, "%v", err)
	}
	if !ok {
		return newError(ErrBadSignature, "signature does not match init peer %s", p.InitPeerID)
	}
	return nil
}
