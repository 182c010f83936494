package particle

import (
	"bytes"
	"strings"
	"testing"
)

// benchParticle is a typical compiled-Aqua particle: a 4 KiB script and 16 KiB of data.
func benchParticle(b *testing.B) *Particle {
	return signed(b, func(p *Particle) {
		p.Script = strings.Repeat(`(call -relay- ("op" "noop") [])`, 4096/31)
		p.Data = bytes.Repeat([]byte("trace"), 16<<10/5)
	})
}

func BenchmarkSign(b *testing.B) {
	p := benchParticle(b)
	key, _ := testKey(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Sign(key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	p := benchParticle(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Verify(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	p := benchParticle(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(p, testNow, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	p := benchParticle(b)
	buf := make([]byte, 0, p.EncodedLen())
	b.SetBytes(int64(p.EncodedLen()))
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendEncode(buf[:0])
	}
}

func BenchmarkDecode(b *testing.B) {
	enc := benchParticle(b).Encode()
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(enc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
