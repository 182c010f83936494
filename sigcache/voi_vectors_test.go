package sigcache

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// The cache verifies with curve25519-voi; these hold every path of it to crypto/ed25519's
// answer, on valid signatures, on every one-bit change of a few, and on the edge cases where
// ed25519 implementations differ ("Taming the many EdDSAs", Chalkias, Brendel, Garillot and
// Nikolaenko, 2020): small-order and mixed-order keys and R, non-canonical encodings of
// either, S ≥ L.

// answers is crypto/ed25519's answer, then voi's (with the key as given, and expanded), then
// the cache's on its three paths: a key never seen, a key seen once (expanded now), a key
// kept expanded.
func answers(pub ed25519.PublicKey, msg, sig []byte) []bool {
	out := []bool{
		ed25519.Verify(pub, msg, sig),
		voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, stdlib),
	}
	x, err := voi.NewExpandedPublicKey(voi.PublicKey(pub))
	out = append(out, err == nil && voi.VerifyExpandedWithOptions(x, msg, sig, stdlib))
	var pk [ed25519.PublicKeySize]byte
	copy(pk[:], pub)
	c := New(1)
	out = append(out, c.Verify(pub, msg, sig))
	c = New(1)
	c.keys.put(pk, nil)
	out = append(out, c.Verify(pub, msg, sig))
	c = New(1)
	if err == nil {
		c.keys.put(pk, x)
	}
	return append(out, c.Verify(pub, msg, sig))
}

// agree fails t unless every path answers alike, and returns the answer.
func agree(t *testing.T, what string, pub ed25519.PublicKey, msg, sig []byte) bool {
	t.Helper()
	a := answers(pub, msg, sig)
	for _, v := range a[1:] {
		if v != a[0] {
			t.Errorf("%s: answers differ (stdlib, voi, voi expanded, cache new key, cache key seen, cache key expanded): %v\npub %x\nmsg %x\nsig %x", what, a, pub, msg, sig)
			break
		}
	}
	return a[0]
}

// The 12 cases of ed25519-speccheck (scripts/cases.json), as curve25519-voi's tests carry
// them, with crypto/ed25519's answers: cofactorless, small-order A and R accepted, a
// non-canonical A accepted and hashed as given (case 11, not 10), a non-canonical R or S
// rejected.
var speccheck = []struct {
	msg, pub, sig string
	want          bool
	what          string
}{
	{"8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000", true, "small order A, small order R"},
	{"9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", true, "small order A, mixed order R"},
	{"aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e", true, "mixed order A, small order R"},
	{"9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009", true, "mixed order A, mixed order R"},
	{"e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09", false, "cofactored verify"},
	{"e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405", false, "cofactored verify computing 8(hA), not (8h mod L)A"},
	{"85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514", false, "non-canonical S (S > L)"},
	{"85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22", false, "non-canonical S (S >> L)"},
	{"9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f", false, "mixed order A, non-canonical small order R (accepted if R reduced before hashing)"},
	{"9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908", false, "mixed order A, non-canonical small order R (accepted if R not reduced before hashing)"},
	{"e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", false, "non-canonical small order A, mixed order R (accepted if A reduced before hashing)"},
	{"39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", true, "non-canonical small order A, mixed order R (accepted if A not reduced before hashing)"},
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVoiSpeccheck(t *testing.T) {
	for i, c := range speccheck {
		pub, msg, sig := unhex(t, c.pub), unhex(t, c.msg), unhex(t, c.sig)
		if got := agree(t, c.what, pub, msg, sig); got != c.want {
			t.Errorf("case %d (%s): %v, want %v", i, c.what, got, c.want)
		}
	}
}

// voi's batch verification cannot serve the cache: with crypto/ed25519's (cofactorless)
// options it verifies the entries one by one, and its batch equation is cofactored, so with
// the same options made cofactored, the closest that batches, it accepts the three signatures
// that only a cofactored verification accepts (cases 4, 5 and 10).
func TestVoiCofactoredBatchDisagrees(t *testing.T) {
	cofactored := &voi.Options{Verify: &voi.VerifyOptions{AllowSmallOrderA: true, AllowSmallOrderR: true, AllowNonCanonicalA: true}}
	for i, c := range speccheck {
		pub, msg, sig := unhex(t, c.pub), unhex(t, c.msg), unhex(t, c.sig)
		b := voi.NewBatchVerifier()
		b.AddWithOptions(voi.PublicKey(pub), msg, sig, stdlib)
		b.AddWithOptions(voi.PublicKey(pub), msg, sig, stdlib)
		if ok, _ := b.Verify(nil); ok != c.want {
			t.Errorf("case %d (%s): the batch with the standard library's options answers %v", i, c.what, ok)
		}
		b = voi.NewBatchVerifier()
		b.AddWithOptions(voi.PublicKey(pub), msg, sig, cofactored)
		b.AddWithOptions(voi.PublicKey(pub), msg, sig, cofactored)
		ok := b.VerifyBatchOnly(nil)
		if wantDiffer := i == 4 || i == 5 || i == 10; (ok != c.want) != wantDiffer {
			t.Errorf("case %d (%s): the cofactored batch answers %v, crypto/ed25519 %v", i, c.what, ok, c.want)
		}
	}
}

func TestVoiValidSignatures(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		seed := make([]byte, ed25519.SeedSize)
		for j := range seed {
			seed[j] = byte(r.Uint32())
		}
		priv := ed25519.NewKeyFromSeed(seed)
		msg := make([]byte, r.IntN(2100))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		if !agree(t, "valid", priv.Public().(ed25519.PublicKey), msg, ed25519.Sign(priv, msg)) {
			t.Fatalf("signature %d did not verify", i)
		}
	}
}

// Every one-bit change of the key, the signature or the message of three signatures: all
// refused, alike.
func TestVoiEveryBitFlip(t *testing.T) {
	for k := range 3 {
		pub, priv := keyPair(byte(50 + k))
		msg := make([]byte, 64)
		for j := range msg {
			msg[j] = byte(k*31 + j)
		}
		sig := ed25519.Sign(priv, msg)
		for part, b := range [][]byte{pub, sig, msg} {
			for bit := range len(b) * 8 {
				b[bit/8] ^= 1 << (bit % 8)
				if agree(t, "flipped", pub, msg, sig) {
					t.Errorf("key %d: part %d bit %d flipped: verified", k, part, bit)
				}
				b[bit/8] ^= 1 << (bit % 8)
			}
		}
	}
}

var (
	fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	orderL = func() *big.Int {
		l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
		return l
	}()
)

// le is n in 32 little-endian bytes (n < 2^256).
func le(n *big.Int) []byte {
	b := make([]byte, 32)
	n.FillBytes(b)
	for i := range 16 {
		b[i], b[31-i] = b[31-i], b[i]
	}
	return b
}

// edgeEncodings is the 32-byte strings on which implementations differ as a key or an R: the
// eight small-order points, the x = 0 ones with the sign bit set, every non-canonical y
// (p ≤ y < 2^255, either sign; some are not on the curve), and the identity's.
func edgeEncodings(t *testing.T) [][]byte {
	var out [][]byte
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
		"0100000000000000000000000000000000000000000000000000000000000080", // identity, x = -0
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, x = -0
	} {
		out = append(out, unhex(t, h))
	}
	for i := range 19 {
		y := le(new(big.Int).Add(fieldP, big.NewInt(int64(i))))
		neg := append([]byte(nil), y...)
		neg[31] |= 0x80
		out = append(out, y, neg)
	}
	return out
}

// Every edge encoding as the key against every one as R, with S = 0, 1, L-1, L, L+1 and
// 2^256-1: whatever the answer, alike.
func TestVoiEdgeEncodings(t *testing.T) {
	edges := edgeEncodings(t)
	var ss [][]byte
	for _, s := range []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(orderL, big.NewInt(1)), orderL,
		new(big.Int).Add(orderL, big.NewInt(1)), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))} {
		ss = append(ss, le(s))
	}
	msg := []byte("the CIDs a peer produced")
	accepted := 0
	for _, a := range edges {
		for _, r := range edges {
			for _, s := range ss {
				if agree(t, "edge", a, msg, append(append([]byte(nil), r...), s...)) {
					accepted++
				}
			}
		}
	}
	if accepted == 0 {
		t.Error("no edge case verified: the cases do not tell cofactored from cofactorless, nor encodings apart")
	}
	t.Logf("%d of %d verified", accepted, len(edges)*len(edges)*len(ss))
}

// Signatures made to verify only as some implementations do: by a small-order key, possibly
// non-canonically encoded (S = r, R = [r]B, valid iff [k]A is the identity); by a mixed-order
// key A = [a]B + T (S = r + ka, valid cofactorless iff [k]T is the identity); with a
// small-order R by a mixed-order key (S = ka, valid iff R = -[k]T); over 32 messages each,
// so that some verify and some do not.
func TestVoiGroundSignatures(t *testing.T) {
	edges := edgeEncodings(t)
	hram := func(r, a, msg []byte) *scalar.Scalar {
		h := sha512.New()
		h.Write(r)
		h.Write(a)
		h.Write(msg)
		k, err := scalar.NewFromBytesModOrderWide(h.Sum(nil))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	bytesOf := func(s *scalar.Scalar) []byte {
		b := make([]byte, 32)
		if err := s.ToBytes(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	encode := func(p *curve.EdwardsPoint) []byte {
		var c curve.CompressedEdwardsY
		c.SetEdwardsPoint(p)
		return c[:]
	}
	r := scalar.NewFromUint64(123456789)
	var R curve.EdwardsPoint
	R.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, r)
	rEnc := encode(&R)

	var decodable [][]byte // the edge encodings that decode to a point (of small order, or not)
	for _, e := range edges {
		var c curve.CompressedEdwardsY
		var p curve.EdwardsPoint
		copy(c[:], e)
		if _, err := p.SetCompressedY(&c); err == nil {
			decodable = append(decodable, e)
		}
	}
	a := scalar.NewFromUint64(987654321)
	var torsion curve.EdwardsPoint
	var c8 curve.CompressedEdwardsY
	copy(c8[:], edges[4]) // a point of order 8
	if _, err := torsion.SetCompressedY(&c8); err != nil {
		t.Fatal(err)
	}
	var mixed curve.EdwardsPoint
	mixed.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, a)
	mixed.Add(&mixed, &torsion)
	mixedEnc := encode(&mixed)

	verified, total := 0, 0
	try := func(what string, pub, msg, rBytes []byte, s *scalar.Scalar) {
		total++
		if agree(t, what, pub, msg, append(append([]byte(nil), rBytes...), bytesOf(s)...)) {
			verified++
		}
	}
	for m := range 32 {
		msg := []byte{byte(m), 'c', 'i', 'd'}
		for _, A := range decodable {
			try("edge key", A, msg, rEnc, r)
		}
		k := hram(rEnc, mixedEnc, msg)
		var s scalar.Scalar
		s.Mul(k, a)
		s.Add(&s, r)
		try("mixed-order key", mixedEnc, msg, rEnc, &s)
		for _, T := range decodable {
			k := hram(T, mixedEnc, msg)
			var s scalar.Scalar
			s.Mul(k, a)
			try("mixed-order key, edge R", mixedEnc, msg, T, &s)
		}
	}
	if verified == 0 || verified == total {
		t.Errorf("%d of %d verified: the cases must include both", verified, total)
	}
	t.Logf("%d of %d verified", verified, total)
}
