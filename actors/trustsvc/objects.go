package trustsvc

import (
	"fmt"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

// The readers of the values Fluence's service takes: peer ids, and trusts, certificates and
// revocations as JSON objects (the shapes trustValue, certificateValue and revocationValue
// write). A value of the wrong type fails as nox's readers word it; what is wrong inside one is
// named after the argument: "certificate: trust 1: signature …".

// peerValue reads a peer id: a string that holds an Ed25519 key.
func peerValue(v value.Value, name string) (trust.PublicKey, error) {
	s, ok := v.Str()
	if !ok {
		return trust.PublicKey{}, builtin.WrongType(name, "String", v)
	}
	k, err := trust.ParsePeer(s)
	if err != nil {
		return k, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}

// trustObject reads a Trust: {issued_for, expires_at, issued_at, sig_type, signature}.
func trustObject(v value.Value, name string) (trust.Trust, error) {
	return object(v, name, "Trust", func(f *fields) trust.Trust {
		return trust.Trust{IssuedFor: f.peer("issued_for"), ExpiresAt: f.u64("expires_at"), IssuedAt: f.u64("issued_at"), Signature: f.signature()}
	})
}

// revocationObject reads a Revocation: {revoked_peer_id, revoked_by, revoked_at, sig_type,
// signature}.
func revocationObject(v value.Value, name string) (trust.Revocation, error) {
	return object(v, name, "Revocation", func(f *fields) trust.Revocation {
		return trust.Revocation{Revoked: f.peer("revoked_peer_id"), RevokedBy: f.peer("revoked_by"), RevokedAt: f.u64("revoked_at"), Signature: f.signature()}
	})
}

// certificateObject reads a Certificate: {chain: [Trust...]}, at most trust.MaxChain long.
func certificateObject(v value.Value, name string) (trust.Certificate, error) {
	chain, ok := v.Get("chain")
	if !ok || chain.Kind() != value.KindArray {
		return trust.Certificate{}, builtin.WrongType(name, "Certificate", v)
	}
	if chain.Len() > trust.MaxChain {
		return trust.Certificate{}, fmt.Errorf("%s: %d trusts, more than %d", name, chain.Len(), trust.MaxChain)
	}
	var c trust.Certificate
	for j := range chain.Len() {
		t, err := trustObject(chain.Index(j), fmt.Sprintf("trust %d", j))
		if err != nil {
			return c, fmt.Errorf("%s: %w", name, err)
		}
		c.Chain = append(c.Chain, t)
	}
	return c, nil
}

// object reads v, an object of the Rust type typ (as nox names it in its errors), with read.
func object[T any](v value.Value, name, typ string, read func(*fields) T) (T, error) {
	if v.Kind() != value.KindObject {
		var zero T
		return zero, builtin.WrongType(name, typ, v)
	}
	f := fields{v: v}
	x := read(&f)
	if f.err != nil {
		return x, fmt.Errorf("%s: %w", name, f.err)
	}
	return x, nil
}

// fields reads the fields of an object. The first failure stops the reading: later reads
// return zero values, and err says what failed.
type fields struct {
	v   value.Value
	err error
}

// get is field name, and whether to read it: not if missing, nor after a failure.
func (f *fields) get(name string) (value.Value, bool) {
	if f.err != nil {
		return value.Value{}, false
	}
	x, ok := f.v.Get(name)
	if !ok {
		f.err = fmt.Errorf("field %s is missing", name)
	}
	return x, ok
}

func (f *fields) str(name string) string {
	x, ok := f.get(name)
	if !ok {
		return ""
	}
	s, ok := x.Str()
	if !ok {
		f.err = fmt.Errorf("field %s must be a string, got %s", name, builtin.Excerpt(x))
	}
	return s
}

func (f *fields) u64(name string) uint64 {
	x, ok := f.get(name)
	if !ok {
		return 0
	}
	n, ok := x.Uint64()
	if !ok || !x.IsInteger() {
		f.err = fmt.Errorf("field %s must be an unsigned integer, got %s", name, builtin.Excerpt(x))
	}
	return n
}

func (f *fields) peer(name string) trust.PublicKey {
	s := f.str(name)
	if f.err != nil {
		return trust.PublicKey{}
	}
	k, err := trust.ParsePeer(s)
	if err != nil {
		f.err = fmt.Errorf("%s: %w", name, err)
	}
	return k
}

// signature reads the sig_type and signature fields: "ed25519", and base58 of 64 bytes.
func (f *fields) signature() []byte {
	if typ := f.str("sig_type"); f.err == nil && typ != "ed25519" {
		f.err = fmt.Errorf("sig_type %q: only ed25519 signatures are supported", typ)
	}
	s := f.str("signature")
	if f.err != nil {
		return nil
	}
	sig, err := base58.Decode(s)
	if err != nil || len(sig) != 64 {
		f.err = fmt.Errorf("signature %q: want base58 of 64 bytes", s)
	}
	return sig
}
