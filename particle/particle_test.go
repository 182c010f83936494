package particle

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/rng"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// testKey returns a deterministic ed25519 key and its peer id.
func testKey(t testing.TB, seed uint64) (crypto.PrivKey, peer.ID) {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rng.Reader(rng.New(seed)))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, id
}

var testNow = time.UnixMilli(1_780_000_000_000)

// signed returns a valid particle created at testNow by the key of seed 1, after edit (if any)
// has changed its fields.
func signed(t testing.TB, edit func(*Particle)) *Particle {
	t.Helper()
	key, id := testKey(t, 1)
	p := &Particle{
		ID:         "5f2a8c1e-0b7d-4e47-9a33-d1c0f0e5a6b2",
		InitPeerID: id,
		Timestamp:  uint64(testNow.UnixMilli()),
		TTL:        30_000,
		MaxHops:    DefaultMaxHops,
		HopCount:   3,
		Script:     `(call %init_peer_id% ("op" "noop") [])`,
		Data:       []byte{0, 1, 2, 0xff},
	}
	if edit != nil {
		edit(p)
	}
	if err := p.Sign(key); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	cases := map[string]*Particle{
		"full":    signed(t, nil),
		"no data": signed(t, func(p *Particle) { p.Data = nil; p.HopCount = 0 }),
		"maximal": signed(t, func(p *Particle) {
			p.ID = strings.Repeat("x", MaxIDLen)
			p.Timestamp = 1<<64 - 1
			p.TTL, p.MaxHops, p.HopCount = 1<<32-1, 1<<32-1, 1<<32-1
			p.Script = strings.Repeat("(null)", 1000)
			p.Data = bytes.Repeat([]byte{7}, 100_000)
		}),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			enc := p.Encode()
			if len(enc) != p.EncodedLen() {
				t.Errorf("EncodedLen = %d, len(Encode()) = %d", p.EncodedLen(), len(enc))
			}
			got, err := Decode(enc, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("round trip changed the particle:\n got %+v\nwant %+v", got, p)
			}
			if err := got.Verify(); err != nil {
				t.Fatalf("decoded particle no longer verifies: %v", err)
			}
			if !bytes.Equal(got.Encode(), enc) {
				t.Fatal("re-encoding the decoded particle gives other bytes")
			}
		})
	}
}

func TestDecodeCopiesItsInput(t *testing.T) {
	p := signed(t, nil)
	enc := p.Encode()
	got, err := Decode(enc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range enc {
		enc[i] = 0xAA
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatal("decoded particle shares memory with the input buffer")
	}
}

func TestSigningBytesLayout(t *testing.T) {
	p := &Particle{ID: "ab", InitPeerID: peer.ID("\x00\x02pk"), Timestamp: 0x0102030405060708,
		TTL: 0x0a0b0c0d, MaxHops: 7, HopCount: 99, Script: "(null)", Signature: []byte("sig"), Data: []byte("d")}
	var want []byte
	want = append(want, "aquanet/particle/v1\x00"...)
	want = append(want, 0, 0, 0, 0, 0, 0, 0, 2, 'a', 'b')
	want = append(want, 0, 0, 0, 0, 0, 0, 0, 4, 0x00, 0x02, 'p', 'k')
	want = append(want, 1, 2, 3, 4, 5, 6, 7, 8)
	want = append(want, 0x0a, 0x0b, 0x0c, 0x0d)
	want = append(want, 0, 0, 0, 7)
	want = append(want, 0, 0, 0, 0, 0, 0, 0, 6)
	want = append(want, "(null)"...)
	if got := p.SigningBytes(); !bytes.Equal(got, want) {
		t.Fatalf("signing bytes\n got %x\nwant %x", got, want)
	}
	// Lengths keep field boundaries apart: moving a byte from id to script changes the bytes.
	q := *p
	q.ID, q.Script = "a", "b(null)"
	if bytes.Equal(p.SigningBytes(), q.SigningBytes()) {
		t.Fatal("different particles share signing bytes")
	}
	// Unsigned fields do not reach the signed bytes.
	q = *p
	q.HopCount, q.Signature, q.Data = 0, nil, nil
	if !bytes.Equal(p.SigningBytes(), q.SigningBytes()) {
		t.Fatal("hop count, signature or data leaked into the signing bytes")
	}
}

func TestSignatureCoversEverySignedField(t *testing.T) {
	_, other := testKey(t, 2)
	tamper := map[string]func(*Particle){
		"id":           func(p *Particle) { p.ID += "x" },
		"init peer id": func(p *Particle) { p.InitPeerID = other },
		"timestamp":    func(p *Particle) { p.Timestamp++ },
		"ttl":          func(p *Particle) { p.TTL++ },
		"max hops":     func(p *Particle) { p.MaxHops++ },
		"script":       func(p *Particle) { p.Script = `(call "x" ("op" "noop") [])` },
		"signature":    func(p *Particle) { p.Signature[0] ^= 1 },
	}
	for name, edit := range tamper {
		t.Run(name, func(t *testing.T) {
			p := signed(t, nil)
			edit(p)
			err := p.Verify()
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("changing %s: Verify = %v, want ErrBadSignature", name, err)
			}
		})
	}
	t.Run("unsigned fields", func(t *testing.T) {
		p := signed(t, nil)
		p.HopCount += 5
		p.Data = []byte("rewritten by the interpreter")
		if err := p.Verify(); err != nil {
			t.Fatalf("hop count and data are not signed, yet Verify = %v", err)
		}
	})
}

func TestSignRefusesAnotherPeersKey(t *testing.T) {
	key, _ := testKey(t, 2)
	_, id := testKey(t, 1)
	p := &Particle{ID: "x", InitPeerID: id, Script: "(null)"}
	err := p.Sign(key)
	if err == nil || !strings.Contains(err.Error(), "init peer") {
		t.Fatalf("Sign with a foreign key: %v", err)
	}
	if p.Signature != nil {
		t.Fatal("failed Sign set a signature")
	}
}

func TestDeadlineSaturates(t *testing.T) {
	p := &Particle{Timestamp: 1<<64 - 10, TTL: 100}
	if p.Deadline() != 1<<64-1 {
		t.Fatalf("Deadline = %d, want saturation at MaxUint64", p.Deadline())
	}
	p = &Particle{Timestamp: 1000, TTL: 500}
	if p.Deadline() != 1500 {
		t.Fatalf("Deadline = %d, want 1500", p.Deadline())
	}
}

func TestValidate(t *testing.T) {
	key, _ := testKey(t, 1)
	resign := func(p *Particle) {
		if err := p.Sign(key); err != nil {
			t.Fatal(err)
		}
	}
	ms := func(d time.Duration) uint64 { return uint64(testNow.Add(d).UnixMilli()) }
	cases := []struct {
		name   string
		edit   func(*Particle) // applied after signing: call resign to keep the signature good
		now    time.Time
		limits Limits
		want   error // nil: accepted
		msg    string
	}{
		{name: "valid", want: nil},
		{name: "valid at the skew limit", edit: func(p *Particle) { p.Timestamp = ms(60 * time.Second); resign(p) }},
		{name: "valid one ms before deadline", now: testNow.Add(30*time.Second - time.Millisecond)},
		{name: "hop count equal to max hops", edit: func(p *Particle) { p.HopCount = p.MaxHops }},
		{name: "empty id", edit: func(p *Particle) { p.ID = ""; resign(p) }, want: ErrMalformed, msg: "id is empty"},
		{name: "long id", edit: func(p *Particle) { p.ID = strings.Repeat("a", MaxIDLen+1); resign(p) }, want: ErrMalformed, msg: "129 bytes"},
		{name: "id not utf-8", edit: func(p *Particle) { p.ID = "\xff"; resign(p) }, want: ErrMalformed, msg: "UTF-8"},
		{name: "no init peer", edit: func(p *Particle) { p.InitPeerID = "" }, want: ErrMalformed, msg: "init peer id is empty"},
		{name: "empty script", edit: func(p *Particle) { p.Script = ""; resign(p) }, want: ErrMalformed, msg: "script is empty"},
		{name: "huge signature", edit: func(p *Particle) { p.Signature = make([]byte, 513) }, want: ErrMalformed, msg: "signature"},
		{name: "script not utf-8", edit: func(p *Particle) { p.Script = "(null)\xc3"; resign(p) }, want: ErrMalformed, msg: "script is not valid UTF-8"},
		{name: "peer id without key", edit: func(p *Particle) {
			p.InitPeerID = peer.ID("\x12\x20" + strings.Repeat("h", 32)) // sha256 multihash: an RSA-style id
		}, want: ErrMalformed, msg: "public key"},
		{name: "script over limit", limits: Limits{MaxScript: 10}, want: ErrTooLarge, msg: "script is 38 bytes, limit 10"},
		{name: "data over limit", limits: Limits{MaxData: 3}, want: ErrTooLarge, msg: "data is 4 bytes, limit 3"},
		{name: "too many hops", edit: func(p *Particle) { p.HopCount = p.MaxHops + 1 }, want: ErrTooManyHops, msg: "1025"},
		{name: "max hops zero", edit: func(p *Particle) { p.MaxHops, p.HopCount = 0, 1; resign(p) }, want: ErrTooManyHops},
		{name: "expired at the deadline", now: testNow.Add(30 * time.Second), want: ErrExpired, msg: "0s before now"},
		{name: "expired long ago", now: testNow.Add(time.Hour), want: ErrExpired},
		{name: "zero ttl", edit: func(p *Particle) { p.TTL = 0; resign(p) }, want: ErrExpired},
		{name: "from the future", edit: func(p *Particle) { p.Timestamp = ms(61 * time.Second); resign(p) }, want: ErrFromFuture, msg: "1m1s ahead"},
		{name: "custom skew", limits: Limits{MaxClockSkew: time.Second}, edit: func(p *Particle) { p.Timestamp = ms(2 * time.Second); resign(p) }, want: ErrFromFuture},
		{name: "unsigned", edit: func(p *Particle) { p.Signature = nil }, want: ErrBadSignature, msg: "not signed"},
		{name: "tampered script", edit: func(p *Particle) { p.Script = "(null)" }, want: ErrBadSignature},
		{name: "timestamp before the epoch clock", now: time.UnixMilli(-1000), edit: func(p *Particle) { p.Timestamp = 0; resign(p) }},
		// Cheap checks come first: an expired particle with a bad signature is reported expired.
		{name: "expired beats bad signature", now: testNow.Add(time.Hour), edit: func(p *Particle) { p.Signature[0] ^= 1 }, want: ErrExpired},
		{name: "size beats expiry", now: testNow.Add(time.Hour), limits: Limits{MaxData: 1}, want: ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := signed(t, nil)
			if tc.edit != nil {
				tc.edit(p)
			}
			now := tc.now
			if now.IsZero() {
				now = testNow
			}
			err := Validate(p, now, tc.limits)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want accepted", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Validate = %v, want %v", err, tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Validate error %T is not a *particle.Error", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Validate = %q, want it to mention %q", err, tc.msg)
			}
			if Reason(err) == "other" {
				t.Fatalf("Reason(%v) = other", err)
			}
		})
	}
}

func TestReason(t *testing.T) {
	for _, k := range kinds {
		if got := Reason(newError(k.err, "x")); got != k.reason {
			t.Errorf("Reason(%v) = %q, want %q", k.err, got, k.reason)
		}
	}
	if got := Reason(errors.New("unrelated")); got != "other" {
		t.Errorf("Reason(unrelated) = %q", got)
	}
}

func TestLimitsDefaults(t *testing.T) {
	l := Limits{}.WithDefaults()
	if l.MaxScript != 1<<20 || l.MaxData != 64<<20 || l.MaxClockSkew != time.Minute || l.MaxPacket < l.MaxScript+l.MaxData {
		t.Fatalf("defaults = %+v", l)
	}
	l = Limits{MaxScript: 5, MaxData: 7}.WithDefaults()
	if l.MaxPacket != 5+7+packetOverhead {
		t.Fatalf("MaxPacket = %d, want derived from the other limits", l.MaxPacket)
	}
}
