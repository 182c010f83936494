package particle

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode (seed corpus: testdata/fuzz/FuzzDecode). Decode must
// never panic; it either returns one of this package's errors or a particle within the limits
// whose canonical re-encoding decodes to the same particle. Validate must not panic on it either.
func FuzzDecode(f *testing.F) {
	lim := Limits{MaxScript: 4 << 10, MaxData: 16 << 10, MaxPacket: 32 << 10}
	f.Add(signed(f, nil).Encode())
	f.Add(signed(f, func(p *Particle) { p.Data = nil }).Encode())
	f.Add([]byte{FormatVersion})
	f.Add(signed(f, func(p *Particle) { p.Certificate = []byte("a certificate") }).Encode())
	f.Fuzz(func(t *testing.T, buf []byte) {
		p, err := Decode(buf, lim)
		if err != nil {
			var pe *Error
			if p != nil || !errors.As(err, &pe) || Reason(err) == "other" {
				t.Fatalf("Decode = %v, %v (%T): want nil and a *particle.Error of a known kind", p, err, err)
			}
			return
		}
		if len(p.Script) > lim.MaxScript || len(p.Data) > lim.MaxData || len(p.ID) > MaxIDLen ||
			len(p.Signature) > maxSignatureLen || len(p.InitPeerID) > maxPeerIDLen || len(p.Certificate) > MaxCertificateLen {
			t.Fatalf("decoded particle exceeds the limits: script %d, data %d, id %d, sig %d, peer %d",
				len(p.Script), len(p.Data), len(p.ID), len(p.Signature), len(p.InitPeerID))
		}
		enc := p.Encode()
		if len(enc) > len(buf) {
			t.Fatalf("canonical encoding (%d bytes) is longer than the input (%d)", len(enc), len(buf))
		}
		q, err := Decode(enc, lim)
		if err != nil {
			t.Fatalf("re-encoded particle does not decode: %v", err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("re-decoding changed the particle:\n%+v\n%+v", p, q)
		}
		if !bytes.Equal(q.Encode(), enc) {
			t.Fatal("encoding is not canonical")
		}
		if err := Validate(p, testNow, lim); err != nil && Reason(err) == "other" {
			t.Fatalf("Validate returned an error of no known kind: %v", err)
		}
	})
}
