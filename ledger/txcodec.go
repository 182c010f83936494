package ledger

import (
	"encoding/binary"
	"fmt"

	"github.com/aquanet/aquanet/trust"
)

// A transaction's binary form, little-endian, version first:
//
//	tx:   version (1) ‖ sender (32) ‖ nonce u64 ‖ kind u8 ‖ body ‖ signature (64)
//	str:  len u8 ‖ bytes (1 to its bound)
//	transfer:            to (32) ‖ amount u64
//	set_perimeter:       str app id ‖ developer (32) ‖ count u16 ‖ (str peer ‖ str service ‖
//	                     policy u8) per service ‖ count u16 ‖ str peer per peer
//	register_name:       str name ‖ 1 ‖ DHT key (32), or 2 ‖ str peer id
//	publish_revocation:  len u8 ‖ trust.Revocation.Encode
//	set_price:           str peer ‖ str service ‖ price u64
//	pay:                 str peer ‖ str service ‖ calls u64
//
// Nothing may follow. The sender signs txPrefix ‖ the form without its signature.

const txVersion = 1

// MaxTxSize bounds an encoded transaction: the longest that the field bounds allow (a
// perimeter of MaxPerimeterServices services and MaxPerimeterPeers peers of MaxIDLen-byte ids,
// about 50 KiB) fits.
const MaxTxSize = 64 << 10

// minTxSize is the shortest a transaction can encode to, with an empty body: a block's count
// of transactions is checked against it before anything is allocated.
const minTxSize = 1 + 32 + 8 + 1 + encodedSignatureLength

const (
	targetKey  = 1
	targetPeer = 2
)

// EncodeTx is tx's binary form. It fails (a Rejection) when tx does not Validate, or when its
// signature is not 64 bytes.
func EncodeTx(tx Tx) ([]byte, error) {
	if err := tx.Validate(); err != nil {
		return nil, err
	}
	if len(tx.Signature) != encodedSignatureLength {
		return nil, malformed("signature", "%d bytes, want %d", len(tx.Signature), encodedSignatureLength)
	}
	b := appendTx(make([]byte, 0, 256), tx)
	if len(b) > MaxTxSize {
		return nil, malformed("transaction", "%d bytes, at most %d", len(b), MaxTxSize)
	}
	return b, nil
}

func appendTx(b []byte, tx Tx) []byte { return append(appendUnsigned(b, tx), tx.Signature...) }

// appendUnsigned writes the form without the signature. It writes whatever tx holds; callers
// that need a valid form Validate first.
func appendUnsigned(b []byte, tx Tx) []byte {
	b = append(b, txVersion)
	b = append(b, tx.Sender[:]...)
	b = binary.LittleEndian.AppendUint64(b, tx.Nonce)
	if bodyIsNil(tx.Body) {
		return append(b, 0)
	}
	b = append(b, byte(tx.Body.Kind()))
	switch body := tx.Body.(type) {
	case *Transfer:
		b = append(b, body.To[:]...)
		b = binary.LittleEndian.AppendUint64(b, body.Amount)
	case *SetPerimeter:
		b = appendPerimeter(b, body)
	case *RegisterName:
		b = appendTarget(appendStr(b, body.Name), body.Target)
	case *PublishRevocation:
		r := body.Revocation.Encode()
		b = append(append(b, byte(len(r))), r...)
	case *SetPrice:
		b = appendStr(appendStr(b, body.Peer), body.Service)
		b = binary.LittleEndian.AppendUint64(b, body.Price)
	case *Pay:
		b = appendStr(appendStr(b, body.Peer), body.Service)
		b = binary.LittleEndian.AppendUint64(b, body.Calls)
	}
	return b
}

func appendPerimeter(b []byte, p *SetPerimeter) []byte {
	b = appendStr(b, p.AppID)
	b = append(b, p.Developer[:]...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(p.Services)))
	for _, s := range p.Services {
		b = append(appendStr(appendStr(b, s.Peer), s.Service), byte(s.Policy))
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(p.Peers)))
	for _, peer := range p.Peers {
		b = appendStr(b, peer)
	}
	return b
}

func appendStr(b []byte, s string) []byte { return append(append(b, byte(len(s))), s...) }

// DecodeTx reads a transaction as EncodeTx writes it, exactly: nothing may follow, and what
// it returns Validates (it does not check the signature: Verify does). Every length is checked
// against its bound and against the bytes left before anything is allocated. Errors are
// Rejections, "malformed" (naming the field) or "unknown-kind".
func DecodeTx(b []byte) (Tx, error) {
	if len(b) > MaxTxSize {
		return Tx{}, malformed("transaction", "%d bytes, at most %d", len(b), MaxTxSize)
	}
	d := decoder{b: b}
	if v := d.u8("version"); d.err == nil && v != txVersion {
		return Tx{}, malformed("version", "%d, want %d", v, txVersion)
	}
	var tx Tx
	tx.Sender = d.key("sender")
	tx.Nonce = d.u64("nonce")
	kind := Kind(d.u8("kind"))
	if d.err != nil {
		return Tx{}, d.err
	}
	switch kind {
	case KindTransfer:
		tx.Body = &Transfer{To: d.key("transfer to"), Amount: d.u64("transfer amount")}
	case KindSetPerimeter:
		tx.Body = d.perimeter()
	case KindRegisterName:
		tx.Body = d.registerName()
	case KindPublishRevocation:
		tx.Body = d.revocation()
	case KindSetPrice:
		ref := d.ref("set_price")
		tx.Body = &SetPrice{ServiceRef: ref, Price: d.u64("set_price price")}
	case KindPay:
		ref := d.ref("pay")
		tx.Body = &Pay{ServiceRef: ref, Calls: d.u64("pay calls")}
	default:
		return Tx{}, reject(ReasonUnknownKind, "%s", kind)
	}
	if d.err != nil {
		return Tx{}, d.err
	}
	if len(d.b) != encodedSignatureLength {
		return Tx{}, malformed("signature", "%d bytes left, want %d", len(d.b), encodedSignatureLength)
	}
	tx.Signature = append([]byte(nil), d.b...)
	if err := tx.Validate(); err != nil {
		return Tx{}, err
	}
	return tx, nil
}

// decoder reads fields off the front of b; the first error sticks and names its field.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(what string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = malformed(what, "%d bytes left, want %d", len(d.b), n)
		return nil
	}
	f := d.b[:n]
	d.b = d.b[n:]
	return f
}

func (d *decoder) u8(what string) uint8 {
	if f := d.take(what, 1); f != nil {
		return f[0]
	}
	return 0
}

func (d *decoder) u16(what string) int {
	if f := d.take(what, 2); f != nil {
		return int(binary.LittleEndian.Uint16(f))
	}
	return 0
}

func (d *decoder) u64(what string) uint64 {
	if f := d.take(what, 8); f != nil {
		return binary.LittleEndian.Uint64(f)
	}
	return 0
}

func (d *decoder) key(what string) (k trust.PublicKey) {
	copy(k[:], d.take(what, len(k)))
	return k
}

// str reads a string of 1 to limit bytes.
func (d *decoder) str(what string, limit int) string {
	n := int(d.u8(what + " length"))
	if d.err == nil && (n == 0 || n > limit) {
		d.err = malformed(what, "%d bytes, want 1 to %d", n, limit)
	}
	return string(d.take(what, n))
}

// count reads a u16 count of items of at least minSize bytes each, at most limit.
func (d *decoder) count(what string, limit, minSize int) int {
	n := d.u16(what + " count")
	if d.err == nil && (n > limit || n > len(d.b)/minSize) {
		d.err = malformed(what, "%d, at most %d (and %d bytes left)", n, limit, len(d.b))
	}
	if d.err != nil {
		return 0
	}
	return n
}

func (d *decoder) ref(what string) ServiceRef {
	peer := d.str(what+" peer", MaxIDLen)
	return ServiceRef{Peer: peer, Service: d.str(what+" service", MaxIDLen)}
}

func (d *decoder) perimeter() *SetPerimeter {
	p := &SetPerimeter{AppID: d.str("set_perimeter app id", MaxIDLen), Developer: d.key("set_perimeter developer")}
	if n := d.count("set_perimeter services", MaxPerimeterServices, 5); n > 0 {
		p.Services = make([]PerimeterService, 0, n)
		for i := range n {
			ref := d.ref(fmt.Sprintf("set_perimeter service %d", i))
			p.Services = append(p.Services, PerimeterService{ServiceRef: ref, Policy: Policy(d.u8("policy"))})
		}
	}
	if n := d.count("set_perimeter peers", MaxPerimeterPeers, 2); n > 0 {
		p.Peers = make([]string, 0, n)
		for i := range n {
			p.Peers = append(p.Peers, d.str(fmt.Sprintf("set_perimeter peer %d", i), MaxIDLen))
		}
	}
	return p
}

func (d *decoder) registerName() *RegisterName {
	name := d.str("register_name name", MaxNameLen)
	return &RegisterName{Name: name, Target: d.target("register_name target")}
}

func (d *decoder) target(what string) (t Target) {
	switch kind := d.u8(what + " kind"); {
	case d.err != nil:
	case kind == targetKey:
		t.IsKey = true
		copy(t.Key[:], d.take(what+" key", 32))
	case kind == targetPeer:
		t.Peer = d.str(what+" peer", MaxIDLen)
	default:
		d.err = malformed(what+" kind", "%d, want %d (DHT key) or %d (peer)", kind, targetKey, targetPeer)
	}
	return t
}

func appendTarget(b []byte, t Target) []byte {
	if t.IsKey {
		return append(append(b, targetKey), t.Key[:]...)
	}
	return appendStr(append(b, targetPeer), t.Peer)
}

func (d *decoder) revocation() *PublishRevocation {
	n := int(d.u8("revocation length"))
	if d.err == nil && n != trust.EncodedRevocationLen {
		d.err = malformed("revocation", "%d bytes, want %d", n, trust.EncodedRevocationLen)
	}
	f := d.take("revocation", n)
	if d.err != nil {
		return nil
	}
	r, err := trust.DecodeRevocation(f)
	if err != nil {
		d.err = &Rejection{Reason: ReasonMalformed, Err: err}
		return nil
	}
	return &PublishRevocation{Revocation: r}
}
