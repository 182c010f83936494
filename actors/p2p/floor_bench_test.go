package p2p_test

import (
	"bufio"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/sigcache"
)

// The floor of BenchmarkHop, measured rather than summed: the echo of "raw" with the
// cryptography a round trip requires done where the nodes do it, and nothing else (no actors,
// no interpreter, no store). A checks the particle's signature as its node does when a client
// hands it the particle, signs its data, and sends both; B checks the particle's signature and
// A's, signs its own data, and sends it back; A checks B's signature (its own, and the
// particle's, it remembers). Four verifications and two signatures, by sigcache as the nodes
// make them, each of a message new to both processes.
//
// Summing the echo's time and the signatures' (as measured one by one, each in a loop of its
// own) leaves out what doing them in between costs on a real machine: the cores that go idle
// while the other process works, and wake up late; the caches the cryptography fills.

const floorProtocol = protocol.ID("/aquanet/bench-floor/1.0.0")

// floorData is the message of the data's signature by the peer named by who; the particle's
// signature is of the whole body. Every body is new to both processes, so every signature is.
func floorData(body []byte, who byte) []byte {
	return append([]byte{who}, body[:min(len(body), 128)]...)
}

// publicKey is the ed25519 public key that id embeds.
func publicKey(id peer.ID) (ed25519.PublicKey, error) {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return nil, err
	}
	raw, err := pub.Raw()
	return ed25519.PublicKey(raw), err
}

// serveFloor answers floor streams to tr, whose node's key is key: for each message of the size
// the first line gives, followed by the particle's signature and A's data signature, it checks
// both, signs its own data and sends back the message and its signature.
func serveFloor(tr *p2p.Transport, key ed25519.PrivateKey) {
	tr.Host().SetStreamHandler(floorProtocol, func(s network.Stream) {
		defer s.Close()
		from, err := publicKey(s.Conn().RemotePeer())
		if err != nil {
			return
		}
		r, size, ok := readSize(s)
		if !ok {
			return
		}
		in := make([]byte, size+2*ed25519.SignatureSize)
		out := make([]byte, 0, size+ed25519.SignatureSize)
		for {
			if _, err := io.ReadFull(r, in); err != nil {
				return
			}
			body, psig, dsig := in[:size], in[size:size+ed25519.SignatureSize], in[size+ed25519.SignatureSize:]
			if !sigcache.Verify(from, body, psig) || !sigcache.Verify(from, floorData(body, 'a'), dsig) {
				return
			}
			out = append(append(out[:0], body...), sigcache.Sign(key, floorData(body, 'b'))...)
			if _, err := s.Write(out); err != nil {
				return
			}
		}
	})
}

// benchFloor runs the floor's round trips from tr, whose node's key is key, to the peer to.
func benchFloor(b *testing.B, tr *p2p.Transport, key ed25519.PrivateKey, to peer.ID, bob *hopPeer, size int) {
	pub := key.Public().(ed25519.PublicKey)
	bobPub, err := publicKey(to)
	if err != nil {
		b.Fatal(err)
	}
	// The particles, signed before the clock starts as BenchmarkHop's are: by crypto/ed25519,
	// which sigcache does not hear of, so A's first check of each is a verification. Each is
	// new to both processes, as BenchmarkHop's ids are.
	bodies, sigs := make([][]byte, b.N), make([][]byte, b.N)
	for i := range bodies {
		body := make([]byte, size)
		binary.BigEndian.PutUint64(body, uint64(i))
		copy(body[8:], fmt.Sprint("floor-", time.Now().UnixNano(), "-", i))
		bodies[i], sigs[i] = body, ed25519.Sign(key, body)
	}
	s := openSized(b, tr, to, floorProtocol, size)
	r := bufio.NewReader(s)
	out := make([]byte, 0, size+2*ed25519.SignatureSize)
	in := make([]byte, size+ed25519.SignatureSize)
	report := countCrypto(b, bob)
	b.ResetTimer()
	for i, body := range bodies {
		if !sigcache.Verify(pub, body, sigs[i]) {
			b.Fatal("the particle's signature does not verify")
		}
		out = append(append(append(out[:0], body...), sigs[i]...), sigcache.Sign(key, floorData(body, 'a'))...)
		if _, err := s.Write(out); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(r, in); err != nil {
			b.Fatal(err)
		}
		if !sigcache.Verify(pub, in[:size], sigs[i]) || !sigcache.Verify(bobPub, floorData(in[:size], 'b'), in[size:]) {
			b.Fatal("the answer's signatures do not verify")
		}
	}
	b.StopTimer()
	report()
}
