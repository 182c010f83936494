package trustsvc

import (
	"fmt"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

type function func(s *Service, cc service.CallContext, args []value.Value) (value.Value, error)

// functions are the trust-graph builtin's, with Fluence's names and argument order. Each reads
// its arguments with an argReader (args.go) and answers in one of the shapes of results.go.
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

// get_trust_bytes(issued_for_peer_id, expires_at_sec, issued_at_sec) -> {result: []u8}: what the
// issuer signs.
func getTrustBytes(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	k, exp, iss := a.peer("issued_for_peer_id"), a.u64("expires_at_sec"), a.u64("issued_at_sec")
	if a.err != nil {
		return a.fail(bytesResult)
	}
	return bytesResult.ok(builtin.BytesValue(trust.TrustBytes(k, exp, iss))), nil
}

// issue_trust(issued_for_peer_id, expires_at_sec, issued_at_sec, trust_bytes) -> {trust}: the
// trust made of the caller's signature (trust_bytes) over get_trust_bytes.
func issueTrust(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	k, exp, iss, sig := a.peer("issued_for_peer_id"), a.u64("expires_at_sec"), a.u64("issued_at_sec"), a.signature("trust_bytes")
	if a.err != nil {
		return a.fail(trustResult)
	}
	return trustResult.ok(trustValue(trust.Trust{IssuedFor: k, ExpiresAt: exp, IssuedAt: iss, Signature: sig})), nil
}

// verify_trust(trust, issuer_peer_id, timestamp_sec) -> {}.
func verifyTrust(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	t, by, now := a.trust("trust"), a.peer("issuer_peer_id"), a.time()
	if a.err != nil {
		return a.fail(statusOnly)
	}
	return statusOnly.with(t.Verify(by, now, s.skew())), nil
}

// add_trust(trust, issuer_peer_id, timestamp_sec) -> {weight}: keeps the trust; weight is the
// trusted peer's weight after it.
func addTrust(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	t, by, now := a.trust("trust"), a.peer("issuer_peer_id"), a.time()
	if a.err != nil {
		return a.fail(weightResult)
	}
	if err := s.g.AddTrust(by, t, now); err != nil {
		return weightResult.fail(err), nil
	}
	return weightResult.ok(value.Uint(uint64(s.g.Weight(t.IssuedFor, now)))), nil
}

// get_weight(peer_id, timestamp_sec) -> {weight, peer_id}.
func getWeight(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	id, k := a.peerText("peer_id")
	now := a.time()
	return peerWeight(a, id, func() uint32 { return s.g.Weight(k, now) }), nil
}

// get_weight_from(peer_id, issuer, timestamp_sec) -> {weight, peer_id}: the weight of the
// peer's best chain from issuer, issuer weighing 2^16.
func getWeightFrom(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	id, k := a.peerText("peer_id")
	root, now := a.peer("issuer"), a.time()
	return peerWeight(a, id, func() uint32 {
		c, err := s.g.Path(root, k, now)
		switch {
		case err != nil:
			return 0
		case k == root:
			return 1 << trust.MaxChainLen
		}
		return uint32(1) << (trust.MaxChainLen - (len(c.Chain) - 1))
	}), nil
}

// peerWeight answers get_weight and get_weight_from: the peer id as the caller gave it (even
// one that is no peer id), and its weight (0 if a read failed).
func peerWeight(a *argReader, id string, weigh func() uint32) value.Value {
	var w uint32
	if a.err == nil {
		w = weigh()
	}
	return peerWeightResult.with(a.err, value.String(id), value.Uint(uint64(w)))
}

// get_all_certs(issued_for, timestamp_sec) -> {certificates}.
func getAllCerts(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	k, now := a.peer("issued_for"), a.time()
	return s.certs(a, k, nil, now)
}

// get_all_certs_from(issued_for, issuer, timestamp_sec) -> {certificates}.
func getAllCertsFrom(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	k, root, now := a.peer("issued_for"), a.peer("issuer"), a.time()
	return s.certs(a, k, &root, now)
}

// get_host_certs(timestamp_sec) -> {certificates}: the node's own.
func getHostCerts(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a, k := s.readAsHost(args)
	now := a.time()
	return s.certs(a, k, nil, now)
}

// get_host_certs_from(issuer, timestamp_sec) -> {certificates}.
func getHostCertsFrom(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a, k := s.readAsHost(args)
	root, now := a.peer("issuer"), a.time()
	return s.certs(a, k, &root, now)
}

// readAsHost reads the arguments of a get_host_certs function, after the node's own peer id:
// a node whose id holds no Ed25519 key answers so before anything else.
func (s *Service) readAsHost(args []value.Value) (*argReader, trust.PublicKey) {
	a := s.read(args)
	k, err := trust.ParsePeer(s.cfg.Host)
	a.check(err)
	return a, k
}

// certs answers the get_*certs functions: the peer's best certificate (from the node's roots,
// or from root), or none.
func (s *Service) certs(a *argReader, k trust.PublicKey, root *trust.PublicKey, now uint64) (value.Value, error) {
	if a.err != nil {
		return a.fail(certsResult)
	}
	var c trust.Certificate
	var err error
	if root != nil {
		c, err = s.g.Path(*root, k, now)
	} else {
		c, err = s.g.Certificate(k, now)
	}
	if err != nil {
		return certsResult.ok(value.Array()), nil
	}
	return certsResult.ok(value.Array(certificateValue(c))), nil
}

// insert_cert(certificate, timestamp_sec) -> {}.
func insertCert(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	c, now := a.certificate("certificate"), a.time()
	if a.err != nil {
		return a.fail(statusOnly)
	}
	return statusOnly.with(s.g.InsertCertificate(c, now)), nil
}

// insert_cert_raw(certificate, timestamp_sec) -> {}: the certificate in Fluence's text form.
func insertCertRaw(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	c, now := a.certificateText("certificate"), a.time()
	if a.err != nil {
		return a.fail(statusOnly)
	}
	return statusOnly.with(s.g.InsertCertificate(c, now)), nil
}

// get_revocation_bytes(revoked_peer_id, revoked_at) -> {result: []u8}: what the revoker signs.
func getRevocationBytes(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	k, at := a.peer("revoked_peer_id"), a.u64("revoked_at")
	if a.err != nil {
		return a.fail(bytesResult)
	}
	return bytesResult.ok(builtin.BytesValue(trust.RevocationBytes(k, at))), nil
}

// issue_revocation(revoked_by_peer_id, revoked_peer_id, revoked_at_sec, signature_bytes) ->
// {revocation}.
func issueRevocation(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	by, k, at, sig := a.peer("revoked_by_peer_id"), a.peer("revoked_peer_id"), a.u64("revoked_at_sec"), a.signature("signature_bytes")
	if a.err != nil {
		return a.fail(revocationResult)
	}
	return revocationResult.ok(revocationValue(trust.Revocation{Revoked: k, RevokedBy: by, RevokedAt: at, Signature: sig})), nil
}

// revoke(revoke, timestamp_sec) -> {}.
func revoke(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	r, now := a.revocation("revoke"), a.time()
	if a.err != nil {
		return a.fail(statusOnly)
	}
	return statusOnly.with(s.g.Revoke(r, now)), nil
}

// export_revocations(issued_for) -> {revocations}: the revocations of a peer the node keeps.
func exportRevocations(s *Service, _ service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	k := a.peer("issued_for")
	if a.err != nil {
		return a.fail(revocationsResult)
	}
	var out []value.Value
	for _, r := range s.g.Revocations() {
		if r.Revoked == k {
			out = append(out, revocationValue(r))
		}
	}
	return revocationsResult.ok(value.Array(out...)), nil
}

// set_root(peer_id, max_chain_len) -> {}: the node and its management peer only.
func setRoot(s *Service, cc service.CallContext, args []value.Value) (value.Value, error) {
	a := s.read(args)
	k, m := a.peer("peer_id"), a.u64("max_chain_len")
	switch {
	case a.err != nil:
		return a.fail(statusOnly)
	case s.cfg.MaySetRoots == nil || !s.cfg.MaySetRoots(cc.InitPeerID):
		return statusOnly.fail(errNotOwner), nil
	case m > trust.MaxChainLen:
		return statusOnly.fail(fmt.Errorf("max_chain_len %d: at most %d", m, trust.MaxChainLen)), nil
	}
	return statusOnly.with(s.g.SetRoot(k, int(m))), nil
}
