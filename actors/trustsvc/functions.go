package trustsvc

import (
	"fmt"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

type function func(s *Service, cc service.CallContext, args []value.Value) (value.Value, error)

// functions are the trust-graph builtin's, with Fluence's names and argument order.
var functions = map[string]function{
	"get_trust_bytes":      getTrustBytes,
	"issue_trust":          issueTrust,
	"verify_trust":         verifyTrust,
	"add_trust":            addTrust,
	"get_weight":           getWeight,
	"get_weight_from":      getWeightFrom,
	"get_all_certs":        getAllCerts,
	"get_all_certs_from":   getAllCertsFrom,
	"get_host_certs":       getHostCerts,
	"get_host_certs_from":  getHostCertsFrom,
	"insert_cert":          insertCert,
	"insert_cert_raw":      insertCertRaw,
	"get_revocation_bytes": getRevocationBytes,
	"issue_revocation":     issueRevocation,
	"revoke":               revoke,
	"export_revocations":   exportRevocations,
	"set_root":             setRoot,
}

// result is {success, error} plus fields (keys sorted with them); a failed result's fields
// are their empty values, as Fluence's service's defaults.
func result(err error, keys []string, vals []value.Value) value.Value {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return value.Object(append([]string{"error", "success"}, keys...), append([]value.Value{value.String(msg), value.Bool(err == nil)}, vals...))
}

func peerArg(args []value.Value, i int, field string) (trust.PublicKey, error) {
	s, err := builtin.StringArg(args, i, field)
	if err != nil {
		return trust.PublicKey{}, err
	}
	return trust.ParsePeer(s)
}

// trustValue is a trust as Fluence's service shows it: {issued_for, expires_at, signature,
// sig_type, issued_at}, the signature in base58 without its format byte.
func trustValue(t trust.Trust) value.Value {
	return value.Object([]string{"expires_at", "issued_at", "issued_for", "sig_type", "signature"},
		[]value.Value{value.Uint(t.ExpiresAt), value.Uint(t.IssuedAt), value.String(t.IssuedFor.String()),
			value.String("ed25519"), value.String(base58.Encode(t.Signature))})
}

func certificateValue(c trust.Certificate) value.Value {
	chain := make([]value.Value, len(c.Chain))
	for i, t := range c.Chain {
		chain[i] = trustValue(t)
	}
	return value.Object([]string{"chain"}, []value.Value{value.Array(chain...)})
}

func revocationValue(r trust.Revocation) value.Value {
	return value.Object([]string{"revoked_at", "revoked_by", "revoked_peer_id", "sig_type", "signature"},
		[]value.Value{value.Uint(r.RevokedAt), value.String(r.RevokedBy.String()), value.String(r.Revoked.String()),
			value.String("ed25519"), value.String(base58.Encode(r.Signature))})
}

// field reads a string or number field of an object argument.
func field(v value.Value, name string) (value.Value, error) {
	f, ok := v.Get(name)
	if !ok {
		return value.Value{}, fmt.Errorf("field %s is missing", name)
	}
	return f, nil
}

func strField(v value.Value, name string) (string, error) {
	f, err := field(v, name)
	if err != nil {
		return "", err
	}
	s, ok := f.Str()
	if !ok {
		return "", fmt.Errorf("field %s must be a string, got %s", name, f)
	}
	return s, nil
}

func u64Field(v value.Value, name string) (uint64, error) {
	f, err := field(v, name)
	if err != nil {
		return 0, err
	}
	n, ok := f.Uint64()
	if !ok || !f.IsInteger() {
		return 0, fmt.Errorf("field %s must be an unsigned integer, got %s", name, f)
	}
	return n, nil
}

// signatureField reads the signature and sig_type fields: base58 of 64 bytes, "ed25519".
func signatureField(v value.Value) ([]byte, error) {
	typ, err := strField(v, "sig_type")
	if err != nil {
		return nil, err
	}
	if typ != "ed25519" {
		return nil, fmt.Errorf("sig_type %q: only ed25519 signatures are supported", typ)
	}
	s, err := strField(v, "signature")
	if err != nil {
		return nil, err
	}
	sig, err := base58.Decode(s)
	if err != nil || len(sig) != 64 {
		return nil, fmt.Errorf("signature %q: want base58 of 64 bytes", s)
	}
	return sig, nil
}

// trustArg reads a Trust object.
func trustArg(args []value.Value, i int) (trust.Trust, error) {
	if i >= len(args) {
		return trust.Trust{}, builtin.MissingField("trust")
	}
	v := args[i]
	if v.Kind() != value.KindObject {
		return trust.Trust{}, builtin.WrongType("trust", "Trust", v)
	}
	var t trust.Trust
	var err error
	id, err := strField(v, "issued_for")
	if err != nil {
		return t, err
	}
	if t.IssuedFor, err = trust.ParsePeer(id); err != nil {
		return t, err
	}
	if t.ExpiresAt, err = u64Field(v, "expires_at"); err != nil {
		return t, err
	}
	if t.IssuedAt, err = u64Field(v, "issued_at"); err != nil {
		return t, err
	}
	t.Signature, err = signatureField(v)
	return t, err
}

// certificateArg reads a Certificate object: {chain: [Trust...]}.
func certificateArg(args []value.Value, i int) (trust.Certificate, error) {
	if i >= len(args) {
		return trust.Certificate{}, builtin.MissingField("certificate")
	}
	chain, ok := args[i].Get("chain")
	if !ok || chain.Kind() != value.KindArray {
		return trust.Certificate{}, builtin.WrongType("certificate", "Certificate", args[i])
	}
	if chain.Len() > trust.MaxChain {
		return trust.Certificate{}, fmt.Errorf("a certificate of %d trusts, more than %d", chain.Len(), trust.MaxChain)
	}
	var c trust.Certificate
	for j := range chain.Len() {
		t, err := trustArg([]value.Value{chain.Index(j)}, 0)
		if err != nil {
			return c, fmt.Errorf("trust %d: %w", j, err)
		}
		c.Chain = append(c.Chain, t)
	}
	return c, nil
}

func revocationArg(args []value.Value, i int) (trust.Revocation, error) {
	if i >= len(args) {
		return trust.Revocation{}, builtin.MissingField("revoke")
	}
	v := args[i]
	if v.Kind() != value.KindObject {
		return trust.Revocation{}, builtin.WrongType("revoke", "Revocation", v)
	}
	var r trust.Revocation
	id, err := strField(v, "revoked_peer_id")
	if err != nil {
		return r, err
	}
	if r.Revoked, err = trust.ParsePeer(id); err != nil {
		return r, err
	}
	if id, err = strField(v, "revoked_by"); err != nil {
		return r, err
	}
	if r.RevokedBy, err = trust.ParsePeer(id); err != nil {
		return r, err
	}
	if r.RevokedAt, err = u64Field(v, "revoked_at"); err != nil {
		return r, err
	}
	r.Signature, err = signatureField(v)
	return r, err
}

// get_trust_bytes(issued_for_peer_id, expires_at_sec, issued_at_sec) -> {result: []u8}: what the
// issuer signs.
func getTrustBytes(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := peerArg(args, 0, "issued_for_peer_id")
	if err != nil {
		return result(err, []string{"result"}, []value.Value{value.Array()}), nil
	}
	exp, err := builtin.Uint64Arg(args, 1, "expires_at_sec")
	if err != nil {
		return value.Value{}, err
	}
	iss, err := builtin.Uint64Arg(args, 2, "issued_at_sec")
	if err != nil {
		return value.Value{}, err
	}
	return result(nil, []string{"result"}, []value.Value{builtin.BytesValue(trust.TrustBytes(k, exp, iss))}), nil
}

// issue_trust(issued_for_peer_id, expires_at_sec, issued_at_sec, trust_bytes) -> {trust}: the
// trust made of the caller's signature (trust_bytes) over get_trust_bytes.
func issueTrust(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := peerArg(args, 0, "issued_for_peer_id")
	if err != nil {
		return result(err, []string{"trust"}, []value.Value{value.Null()}), nil
	}
	exp, err := builtin.Uint64Arg(args, 1, "expires_at_sec")
	if err != nil {
		return value.Value{}, err
	}
	iss, err := builtin.Uint64Arg(args, 2, "issued_at_sec")
	if err != nil {
		return value.Value{}, err
	}
	sig, err := builtin.BytesArg(args, 3, "trust_bytes")
	if err != nil {
		return value.Value{}, err
	}
	if len(sig) != 64 {
		return result(fmt.Errorf("trust_bytes: a signature of %d bytes, want 64 (Ed25519)", len(sig)), []string{"trust"}, []value.Value{value.Null()}), nil
	}
	return result(nil, []string{"trust"}, []value.Value{trustValue(trust.Trust{IssuedFor: k, ExpiresAt: exp, IssuedAt: iss, Signature: sig})}), nil
}

// verify_trust(trust, issuer_peer_id, timestamp_sec) -> {}.
func verifyTrust(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	t, err := trustArg(args, 0)
	if err == nil {
		var by trust.PublicKey
		if by, err = peerArg(args, 1, "issuer_peer_id"); err == nil {
			var now uint64
			if now, err = s.checkTime(args, 2); err == nil {
				err = t.Verify(by, now, skewOf(s))
			}
		}
	}
	return result(err, nil, nil), nil
}

func skewOf(s *Service) uint64 {
	if s.cfg.Graph.Skew == 0 {
		return trust.DefaultSkew
	}
	return s.cfg.Graph.Skew
}

// add_trust(trust, issuer_peer_id, timestamp_sec) -> {weight}: keeps the trust; weight is the
// trusted peer's weight after it.
func addTrust(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	t, err := trustArg(args, 0)
	var w uint32
	if err == nil {
		var by trust.PublicKey
		if by, err = peerArg(args, 1, "issuer_peer_id"); err == nil {
			var now uint64
			if now, err = s.checkTime(args, 2); err == nil {
				if err = s.g.AddTrust(by, t, now); err == nil {
					w = s.g.Weight(t.IssuedFor, now)
				}
			}
		}
	}
	return result(err, []string{"weight"}, []value.Value{value.Uint(uint64(w))}), nil
}

// get_weight(peer_id, timestamp_sec) -> {weight, peer_id}.
func getWeight(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	id, _ := builtin.StringArg(args, 0, "peer_id")
	k, err := peerArg(args, 0, "peer_id")
	var w uint32
	if err == nil {
		var now uint64
		if now, err = s.checkTime(args, 1); err == nil {
			w = s.g.Weight(k, now)
		}
	}
	return result(err, []string{"peer_id", "weight"}, []value.Value{value.String(id), value.Uint(uint64(w))}), nil
}

// get_weight_from(peer_id, issuer, timestamp_sec) -> {weight, peer_id}: the weight of the
// peer's best chain from issuer, issuer weighing 2^16.
func getWeightFrom(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	id, _ := builtin.StringArg(args, 0, "peer_id")
	k, err := peerArg(args, 0, "peer_id")
	var w uint32
	if err == nil {
		var root trust.PublicKey
		if root, err = peerArg(args, 1, "issuer"); err == nil {
			var now uint64
			if now, err = s.checkTime(args, 2); err == nil {
				if c, perr := s.g.Path(root, k, now); perr == nil {
					w = uint32(1) << (trust.MaxChainLen - (len(c.Chain) - 1))
					if k == root {
						w = 1 << trust.MaxChainLen
					}
				}
			}
		}
	}
	return result(err, []string{"peer_id", "weight"}, []value.Value{value.String(id), value.Uint(uint64(w))}), nil
}

// certs answers the get_*certs functions: the peer's best certificate (from the node's roots,
// or from root), or none.
func (s *Service) certs(k trust.PublicKey, root *trust.PublicKey, now uint64) value.Value {
	var c trust.Certificate
	var err error
	if root != nil {
		c, err = s.g.Path(*root, k, now)
	} else {
		c, err = s.g.Certificate(k, now)
	}
	if err != nil {
		return result(nil, []string{"certificates"}, []value.Value{value.Array()})
	}
	return result(nil, []string{"certificates"}, []value.Value{value.Array(certificateValue(c))})
}

func certsResult(err error) value.Value {
	return result(err, []string{"certificates"}, []value.Value{value.Array()})
}

// get_all_certs(issued_for, timestamp_sec) -> {certificates}.
func getAllCerts(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := peerArg(args, 0, "issued_for")
	if err != nil {
		return certsResult(err), nil
	}
	now, err := s.checkTime(args, 1)
	if err != nil {
		return certsResult(err), nil
	}
	return s.certs(k, nil, now), nil
}

// get_all_certs_from(issued_for, issuer, timestamp_sec) -> {certificates}.
func getAllCertsFrom(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := peerArg(args, 0, "issued_for")
	if err != nil {
		return certsResult(err), nil
	}
	root, err := peerArg(args, 1, "issuer")
	if err != nil {
		return certsResult(err), nil
	}
	now, err := s.checkTime(args, 2)
	if err != nil {
		return certsResult(err), nil
	}
	return s.certs(k, &root, now), nil
}

// get_host_certs(timestamp_sec) -> {certificates}: the node's own.
func getHostCerts(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := trust.ParsePeer(s.cfg.Host)
	if err != nil {
		return certsResult(err), nil
	}
	now, err := s.checkTime(args, 0)
	if err != nil {
		return certsResult(err), nil
	}
	return s.certs(k, nil, now), nil
}

// get_host_certs_from(issuer, timestamp_sec) -> {certificates}.
func getHostCertsFrom(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := trust.ParsePeer(s.cfg.Host)
	if err != nil {
		return certsResult(err), nil
	}
	root, err := peerArg(args, 0, "issuer")
	if err != nil {
		return certsResult(err), nil
	}
	now, err := s.checkTime(args, 1)
	if err != nil {
		return certsResult(err), nil
	}
	return s.certs(k, &root, now), nil
}

// insert_cert(certificate, timestamp_sec) -> {}.
func insertCert(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	c, err := certificateArg(args, 0)
	if err == nil {
		var now uint64
		if now, err = s.checkTime(args, 1); err == nil {
			err = s.g.InsertCertificate(c, now)
		}
	}
	return result(err, nil, nil), nil
}

// insert_cert_raw(certificate, timestamp_sec) -> {}: the certificate in Fluence's text form.
func insertCertRaw(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	text, err := builtin.StringArg(args, 0, "certificate")
	if err != nil {
		return value.Value{}, err
	}
	c, err := trust.ParseCertificate(text)
	if err == nil {
		var now uint64
		if now, err = s.checkTime(args, 1); err == nil {
			err = s.g.InsertCertificate(c, now)
		}
	}
	return result(err, nil, nil), nil
}

// get_revocation_bytes(revoked_peer_id, revoked_at) -> {result: []u8}: what the revoker signs.
func getRevocationBytes(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := peerArg(args, 0, "revoked_peer_id")
	if err != nil {
		return result(err, []string{"result"}, []value.Value{value.Array()}), nil
	}
	at, err := builtin.Uint64Arg(args, 1, "revoked_at")
	if err != nil {
		return value.Value{}, err
	}
	return result(nil, []string{"result"}, []value.Value{builtin.BytesValue(trust.RevocationBytes(k, at))}), nil
}

// issue_revocation(revoked_by_peer_id, revoked_peer_id, revoked_at_sec, signature_bytes) ->
// {revocation}.
func issueRevocation(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	by, err := peerArg(args, 0, "revoked_by_peer_id")
	if err != nil {
		return result(err, []string{"revocation"}, []value.Value{value.Null()}), nil
	}
	k, err := peerArg(args, 1, "revoked_peer_id")
	if err != nil {
		return result(err, []string{"revocation"}, []value.Value{value.Null()}), nil
	}
	at, err := builtin.Uint64Arg(args, 2, "revoked_at_sec")
	if err != nil {
		return value.Value{}, err
	}
	sig, err := builtin.BytesArg(args, 3, "signature_bytes")
	if err != nil {
		return value.Value{}, err
	}
	if len(sig) != 64 {
		return result(fmt.Errorf("signature_bytes: %d bytes, want 64 (Ed25519)", len(sig)), []string{"revocation"}, []value.Value{value.Null()}), nil
	}
	return result(nil, []string{"revocation"}, []value.Value{revocationValue(trust.Revocation{Revoked: k, RevokedBy: by, RevokedAt: at, Signature: sig})}), nil
}

// revoke(revoke, timestamp_sec) -> {}.
func revoke(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	r, err := revocationArg(args, 0)
	if err == nil {
		var now uint64
		if now, err = s.checkTime(args, 1); err == nil {
			err = s.g.Revoke(r, now)
		}
	}
	return result(err, nil, nil), nil
}

// export_revocations(issued_for) -> {revocations}: the revocations of a peer the node keeps.
func exportRevocations(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	k, err := peerArg(args, 0, "issued_for")
	if err != nil {
		return result(err, []string{"revocations"}, []value.Value{value.Array()}), nil
	}
	var out []value.Value
	for _, r := range s.g.Revocations() {
		if r.Revoked == k {
			out = append(out, revocationValue(r))
		}
	}
	return result(nil, []string{"revocations"}, []value.Value{value.Array(out...)}), nil
}

// set_root(peer_id, max_chain_len) -> {}: the node and its management peer only.
func setRoot(s *Service, cc service.CallContext, args []value.Value) (value.Value, error) {
	k, err := peerArg(args, 0, "peer_id")
	if err != nil {
		return result(err, nil, nil), nil
	}
	m, err := builtin.Uint64Arg(args, 1, "max_chain_len")
	if err != nil {
		return value.Value{}, err
	}
	if s.cfg.MaySetRoots == nil || !s.cfg.MaySetRoots(cc.InitPeerID) {
		return result(errNotOwner, nil, nil), nil
	}
	if m > trust.MaxChainLen {
		return result(fmt.Errorf("max_chain_len %d: at most %d", m, trust.MaxChainLen), nil, nil), nil
	}
	return result(s.g.SetRoot(k, int(m)), nil, nil), nil
}
