package particle

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// wire builds an encoding by hand: the version byte, then fields appended by the edits.
func wire(fields ...func([]byte) []byte) []byte {
	b := []byte{FormatVersion}
	for _, f := range fields {
		b = f(b)
	}
	return b
}

func bytesField(num protowire.Number, v string) func([]byte) []byte {
	return func(b []byte) []byte {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		return protowire.AppendString(b, v)
	}
}

func varintField(num protowire.Number, v uint64) func([]byte) []byte {
	return func(b []byte) []byte {
		b = protowire.AppendTag(b, num, protowire.VarintType)
		return protowire.AppendVarint(b, v)
	}
}

func raw(tail ...byte) func([]byte) []byte {
	return func(b []byte) []byte { return append(b, tail...) }
}

func TestDecodeRejects(t *testing.T) {
	valid := signed(t, nil).Encode()
	cases := []struct {
		name   string
		buf    []byte
		limits Limits
		want   error
		msg    string
	}{
		{"empty", nil, Limits{}, ErrMalformed, "empty packet"},
		{"version 0", []byte{0}, Limits{}, ErrUnsupportedVersion, "version 0"},
		{"version 2", append([]byte{2}, valid[1:]...), Limits{}, ErrUnsupportedVersion, "version 2"},
		{"packet over limit", valid, Limits{MaxPacket: len(valid) - 1}, ErrTooLarge, "packet is"},
		{"script over limit", valid, Limits{MaxScript: 5}, ErrTooLarge, "field script is 38 bytes, limit 5"},
		{"data over limit", valid, Limits{MaxData: 2}, ErrTooLarge, "field data is 4 bytes, limit 2"},
		{"id over limit", wire(bytesField(fieldID, strings.Repeat("i", 129))), Limits{}, ErrMalformed, "field id is 129 bytes"},
		{"signature over limit", wire(bytesField(fieldSignature, strings.Repeat("s", 513))), Limits{}, ErrMalformed, "field signature"},
		{"duplicate field", wire(bytesField(fieldID, "a"), bytesField(fieldID, "b")), Limits{}, ErrMalformed, "field id appears twice"},
		{"duplicate varint", wire(varintField(fieldTTL, 1), varintField(fieldTTL, 2)), Limits{}, ErrMalformed, "field ttl appears twice"},
		{"varint as bytes", wire(bytesField(fieldTTL, "x")), Limits{}, ErrMalformed, "field ttl has wire type 2"},
		{"bytes as varint", wire(varintField(fieldScript, 1)), Limits{}, ErrMalformed, "field script has wire type 0"},
		{"ttl over uint32", wire(varintField(fieldTTL, 1<<32)), Limits{}, ErrMalformed, "over the uint32 range"},
		{"truncated field", valid[:len(valid)-1], Limits{}, ErrMalformed, "field data is 4 bytes, but only 3 remain"},
		{"truncated tag", wire(raw(0x80)), Limits{}, ErrMalformed, "field tag"},
		{"truncated varint", wire(raw(byte(fieldTTL<<3), 0x80)), Limits{}, ErrMalformed, "field ttl"},
		{"field number zero", wire(raw(0x02, 0x00)), Limits{}, ErrMalformed, "field tag"},
		{"id not utf-8", wire(bytesField(fieldID, "\xfe")), Limits{}, ErrMalformed, "id is not valid UTF-8"},
		{"script not utf-8", wire(bytesField(fieldScript, "(null\xfe")), Limits{}, ErrMalformed, "script is not valid UTF-8"},
		{"bad peer id", wire(bytesField(fieldInitPeerID, "\x99\x99")), Limits{}, ErrMalformed, "init_peer_id"},
		{"certificate over limit", wire(bytesField(fieldCertificate, strings.Repeat("c", MaxCertificateLen+1))), Limits{}, ErrTooLarge, "field certificate is 4097 bytes, limit 4096"},
		{"broken unknown field", wire(raw(byte(12<<3|2), 5, 'x')), Limits{}, ErrMalformed, "unknown field 12"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(tc.buf, tc.limits)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode = %v, %v; want %v", p, err, tc.want)
			}
			if p != nil {
				t.Fatal("Decode returned a particle with its error")
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Decode error %q does not mention %q", err, tc.msg)
			}
		})
	}
}

func TestDecodeSkipsUnknownFields(t *testing.T) {
	want := signed(t, nil)
	buf := want.Encode()
	buf = protowire.AppendTag(buf, 42, protowire.BytesType)
	buf = protowire.AppendString(buf, "from a newer sender")
	buf = protowire.AppendTag(buf, 43, protowire.VarintType)
	buf = protowire.AppendVarint(buf, 7)
	got, err := Decode(buf, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestDecodeHostileLengthAllocatesNothing: a field that claims to be far larger than its limit
// is refused before any buffer of that size is made.
func TestDecodeHostileLengthAllocatesNothing(t *testing.T) {
	for _, num := range []protowire.Number{fieldData, fieldScript, fieldSignature, fieldID} {
		buf := []byte{FormatVersion}
		buf = protowire.AppendTag(buf, num, protowire.BytesType)
		buf = protowire.AppendVarint(buf, 1<<40)
		buf = append(buf, "just a few bytes"...)

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 100
		for range runs {
			if _, err := Decode(buf, Limits{}); err == nil {
				t.Fatal("Decode accepted a 1 TiB field")
			}
		}
		runtime.ReadMemStats(&after)
		if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 1024 {
			t.Errorf("field %s: Decode of a hostile length allocated %d bytes per run", fieldName(num), perRun)
		}
	}
}

// schema is the wire schema of the package documentation, as a protobuf descriptor: a check that
// Encode speaks real protobuf and that any protobuf library can read and write particles.
func schema(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{
			Name: proto.String(name), Number: proto.Int32(num), Type: typ.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
		}
	}
	const (
		str = descriptorpb.FieldDescriptorProto_TYPE_STRING
		byt = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		u64 = descriptorpb.FieldDescriptorProto_TYPE_UINT64
		u32 = descriptorpb.FieldDescriptorProto_TYPE_UINT32
	)
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("aquanet/particle.proto"),
		Package: proto.String("aquanet.particle.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Particle"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("id", 1, str), field("init_peer_id", 2, byt), field("timestamp", 3, u64),
				field("ttl", 4, u32), field("max_hops", 5, u32), field("hop_count", 6, u32),
				field("script", 7, str), field("signature", 8, byt), field("data", 9, byt),
				field("certificate", 10, byt),
			},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("Particle")
}

func TestEncodingIsProtobuf(t *testing.T) {
	md := schema(t)
	p := signed(t, func(p *Particle) { p.Certificate = []byte("a chain of trusts") })

	// A protobuf library reads what Encode writes.
	msg := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(p.Encode()[1:], msg); err != nil {
		t.Fatal(err)
	}
	get := func(name protoreflect.Name) protoreflect.Value { return msg.Get(md.Fields().ByName(name)) }
	if get("id").String() != p.ID || string(get("init_peer_id").Bytes()) != string(p.InitPeerID) ||
		get("timestamp").Uint() != p.Timestamp || get("ttl").Uint() != uint64(p.TTL) ||
		get("max_hops").Uint() != uint64(p.MaxHops) || get("hop_count").Uint() != uint64(p.HopCount) ||
		get("script").String() != p.Script || !bytes.Equal(get("signature").Bytes(), p.Signature) ||
		!bytes.Equal(get("data").Bytes(), p.Data) || !bytes.Equal(get("certificate").Bytes(), p.Certificate) {
		t.Fatalf("protobuf view of the encoding differs from the particle: %v", msg)
	}

	// Protobuf's deterministic encoding of the same message is byte for byte ours, so Decode reads
	// what a protobuf library writes.
	pb, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if enc := p.Encode(); !bytes.Equal(append([]byte{FormatVersion}, pb...), enc) {
		t.Fatalf("protobuf encoding\n%x\ndiffers from ours\n%x", pb, enc[1:])
	}
}

func TestEncodedLenMatchesEncodeForZeroFields(t *testing.T) {
	for _, p := range []*Particle{{}, {ID: "x"}, {TTL: 1}, {Data: []byte{0}}, {Certificate: []byte{0}}} {
		if got, want := len(p.Encode()), p.EncodedLen(); got != want {
			t.Errorf("%+v: len(Encode) = %d, EncodedLen = %d", p, got, want)
		}
	}
}
