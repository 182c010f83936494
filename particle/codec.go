package particle

import (
	"math"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/encoding/protowire"
)

// FormatVersion is the first byte of every encoded particle.
const FormatVersion = 1

// Field numbers of the wire schema (package documentation).
const (
	fieldID          protowire.Number = 1
	fieldInitPeerID  protowire.Number = 2
	fieldTimestamp   protowire.Number = 3
	fieldTTL         protowire.Number = 4
	fieldMaxHops     protowire.Number = 5
	fieldHopCount    protowire.Number = 6
	fieldScript      protowire.Number = 7
	fieldSignature   protowire.Number = 8
	fieldData        protowire.Number = 9
	fieldCertificate protowire.Number = 10
	lastField                         = fieldCertificate
)

// EncodedLen returns the length of p's encoding.
func (p *Particle) EncodedLen() int {
	n := 1
	bytesField := func(f protowire.Number, l int) {
		if l > 0 {
			n += protowire.SizeTag(f) + protowire.SizeBytes(l)
		}
	}
	varintField := func(f protowire.Number, v uint64) {
		if v != 0 {
			n += protowire.SizeTag(f) + protowire.SizeVarint(v)
		}
	}
	bytesField(fieldID, len(p.ID))
	bytesField(fieldInitPeerID, len(p.InitPeerID))
	varintField(fieldTimestamp, p.Timestamp)
	varintField(fieldTTL, uint64(p.TTL))
	varintField(fieldMaxHops, uint64(p.MaxHops))
	varintField(fieldHopCount, uint64(p.HopCount))
	bytesField(fieldScript, len(p.Script))
	bytesField(fieldSignature, len(p.Signature))
	bytesField(fieldData, len(p.Data))
	bytesField(fieldCertificate, len(p.Certificate))
	return n
}

// Encode returns p's wire encoding (package documentation). It encodes whatever p holds;
// Validate decides whether that is a particle a peer accepts.
func (p *Particle) Encode() []byte {
	return p.AppendEncode(make([]byte, 0, p.EncodedLen()))
}

// AppendEncode appends p's wire encoding to dst and returns the extended slice.
func (p *Particle) AppendEncode(dst []byte) []byte {
	dst = append(dst, FormatVersion)
	str := func(f protowire.Number, s string) {
		if s != "" {
			dst = protowire.AppendTag(dst, f, protowire.BytesType)
			dst = protowire.AppendString(dst, s)
		}
	}
	raw := func(f protowire.Number, b []byte) {
		if len(b) > 0 {
			dst = protowire.AppendTag(dst, f, protowire.BytesType)
			dst = protowire.AppendBytes(dst, b)
		}
	}
	varint := func(f protowire.Number, v uint64) {
		if v != 0 {
			dst = protowire.AppendTag(dst, f, protowire.VarintType)
			dst = protowire.AppendVarint(dst, v)
		}
	}
	str(fieldID, p.ID)
	str(fieldInitPeerID, string(p.InitPeerID))
	varint(fieldTimestamp, p.Timestamp)
	varint(fieldTTL, uint64(p.TTL))
	varint(fieldMaxHops, uint64(p.MaxHops))
	varint(fieldHopCount, uint64(p.HopCount))
	str(fieldScript, p.Script)
	raw(fieldSignature, p.Signature)
	raw(fieldData, p.Data)
	raw(fieldCertificate, p.Certificate)
	return dst
}

// Decode parses an encoded particle. Sizes are checked against limits before anything is
// copied: the whole buffer against MaxPacket, then each field's declared length against its own
// limit (MaxScript, MaxData, MaxIDLen, and fixed bounds for the peer id and signature), so a
// hostile length costs nothing. The result owns its memory; buf may be reused. Errors wrap
// ErrTooLarge, ErrUnsupportedVersion or ErrMalformed. Decode does not validate the particle's
// meaning (expiry, signature): that is Validate's job.
func Decode(buf []byte, limits Limits) (*Particle, error) {
	lim := limits.WithDefaults()
	if len(buf) > lim.MaxPacket {
		return nil, newError(ErrTooLarge, "packet is %d bytes, limit %d", len(buf), lim.MaxPacket)
	}
	if len(buf) == 0 {
		return nil, newError(ErrMalformed, "empty packet")
	}
	if buf[0] != FormatVersion {
		return nil, newError(ErrUnsupportedVersion, "version %d, this build reads version %d", buf[0], FormatVersion)
	}

	p := &Particle{}
	var seen [lastField + 1]bool
	b := buf[1:]
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, newError(ErrMalformed, "field tag at byte %d: %v", len(buf)-len(b), protowire.ParseError(n))
		}
		b = b[n:]
		if num > lastField {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, newError(ErrMalformed, "unknown field %d: %v", num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		name := fieldName(num)
		if seen[num] {
			return nil, newError(ErrMalformed, "field %s appears twice", name)
		}
		seen[num] = true

		switch num {
		case fieldTimestamp, fieldTTL, fieldMaxHops, fieldHopCount:
			if typ != protowire.VarintType {
				return nil, newError(ErrMalformed, "field %s has wire type %d, want varint", name, typ)
			}
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, newError(ErrMalformed, "field %s: %v", name, protowire.ParseError(n))
			}
			b = b[n:]
			if num != fieldTimestamp && v > math.MaxUint32 {
				return nil, newError(ErrMalformed, "field %s is %d, over the uint32 range", name, v)
			}
			switch num {
			case fieldTimestamp:
				p.Timestamp = v
			case fieldTTL:
				p.TTL = uint32(v)
			case fieldMaxHops:
				p.MaxHops = uint32(v)
			case fieldHopCount:
				p.HopCount = uint32(v)
			}
			continue
		}

		if typ != protowire.BytesType {
			return nil, newError(ErrMalformed, "field %s has wire type %d, want length-delimited", name, typ)
		}
		// Read the declared length and hold it to the field's limit before touching the bytes.
		l, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, newError(ErrMalformed, "length of field %s: %v", name, protowire.ParseError(n))
		}
		if kind, limit := fieldLimit(num, lim); l > uint64(limit) {
			return nil, newError(kind, "field %s is %d bytes, limit %d", name, l, limit)
		}
		b = b[n:]
		if l > uint64(len(b)) {
			return nil, newError(ErrMalformed, "field %s is %d bytes, but only %d remain", name, l, len(b))
		}
		v := b[:l]
		b = b[l:]
		switch num {
		case fieldID:
			if !utf8.Valid(v) {
				return nil, newError(ErrMalformed, "field id is not valid UTF-8")
			}
			p.ID = string(v)
		case fieldInitPeerID:
			id, err := peer.IDFromBytes(v)
			if err != nil {
				return nil, newError(ErrMalformed, "field init_peer_id: %v", err)
			}
			p.InitPeerID = id
		case fieldScript:
			if !utf8.Valid(v) {
				return nil, newError(ErrMalformed, "field script is not valid UTF-8")
			}
			p.Script = string(v)
		case fieldSignature:
			p.Signature = append([]byte(nil), v...)
		case fieldData:
			p.Data = append([]byte(nil), v...)
		case fieldCertificate:
			p.Certificate = append([]byte(nil), v...)
		}
	}
	return p, nil
}

// fieldLimit returns the most bytes a length-delimited field may hold, and the kind of error
// exceeding it is: the configurable limits are about size, the fixed ones about shape.
func fieldLimit(num protowire.Number, lim Limits) (error, int) {
	switch num {
	case fieldID:
		return ErrMalformed, MaxIDLen
	case fieldInitPeerID:
		return ErrMalformed, maxPeerIDLen
	case fieldSignature:
		return ErrMalformed, maxSignatureLen
	case fieldScript:
		return ErrTooLarge, lim.MaxScript
	case fieldCertificate:
		return ErrTooLarge, MaxCertificateLen
	default: // fieldData
		return ErrTooLarge, lim.MaxData
	}
}

func fieldName(num protowire.Number) string {
	return [...]string{
		fieldID: "id", fieldInitPeerID: "init_peer_id", fieldTimestamp: "timestamp", fieldTTL: "ttl",
		fieldMaxHops: "max_hops", fieldHopCount: "hop_count", fieldScript: "script",
		fieldSignature: "signature", fieldData: "data", fieldCertificate: "certificate",
	}[num]
}
