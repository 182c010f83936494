// Package trust is aquanet's TrustGraph: the paper's decentralized PKI. Peers issue signed
// trusts to each other; chains of trusts from a root are certificates; each node keeps its own
// roots, and the weight it derives for a peer decides whom it keeps connected, whose DHT records
// it prefers and whom its services serve.
//
// The core, Graph, is a pure state machine in the manner of etcd raft's RawNode: the caller
// passes the time in (seconds since the Unix epoch, on the node's clock) and a Store for its
// changes (PebbleStore keeps them in the node's database; NoStore nowhere); it does no I/O of
// its own and starts no goroutines.
//
// # Formats (Fluence's trust-graph, so that its tooling's certificates verify here)
//
// Keys are Ed25519; RSA and secp256k1 keys of fluence-keypair are refused. A key is encoded as
// its format byte 0 then its 32 bytes, a signature as 0 then its 64 bytes. Times are u64
// seconds.
//
//   - A trust's signed bytes: SHA-256(issued_for encoded ‖ expires_at LE ‖ issued_at LE).
//     Binary: len u8 ‖ issued_for encoded ‖ len u8 ‖ signature encoded ‖ expires_at LE ‖
//     issued_at LE. Text: four lines, base58 of issued_for encoded, base58 of the signature
//     encoded, expires_at, issued_at.
//   - A revocation's signed bytes: SHA-256(len u8 ‖ revoked encoded ‖ revoked_at LE).
//     Binary (aquanet's: Fluence has none, its service passes a revocation as a DTO of peer
//     ids): len u8 ‖ revoked encoded ‖ len u8 ‖ revoked_by encoded ‖ len u8 ‖ signature
//     encoded ‖ revoked_at LE, 142 bytes.
//   - A certificate: binary, format [0 0] ‖ version [0 0 0 0] ‖ count u8 ‖ (len u8 ‖ trust)
//     per trust; text, base58 of the format ("11"), of the version ("1111"), then four lines
//     per trust. The first trust is the root's in itself; each next one is signed by the peer
//     the one before is for.
//
// The text forms are bounded, and the parsers check the bounds before decoding anything
// (base58 decoding takes time quadratic in its input): a key line is at most 45 characters, a
// signature line 89, a time 20 digits, a whole trust MaxTrustTextLen bytes, a certificate
// MaxCertificateTextLen (MaxChain trusts), a peer id MaxPeerIDLen. Longer input is refused
// with ErrTooLong and the name of what was too long.
//
// # Weights
//
// A root set with max chain length M weighs 2^M; a peer h hops from it along valid trusts
// weighs 2^(M−h), as in Fluence (M at most 16); a peer's weight is its best over all roots and
// chains, 0 with none. A trust is valid while it has not expired; the graph keeps one relation
// per ordered pair of peers, the newest of a trust and a revocation (a revocation wins a tie),
// so a revocation removes the edge it names and a later trust restores it.
//
// Who may revoke (Fluence left it open, trust-graph#29): anyone may sign a revocation, and the
// graph keeps any that verifies, but a revocation by R of Q cuts a trust in Q by P only when R
// weighs more than P on this node. R's weight is settled first (weights are computed best
// first), so the rule is exact and does not depend on the order things arrived in. The issuer's
// own revocation always cuts its own trust (the pair's newest relation).
//
// Differences from Fluence's trust-graph, each on purpose: trusts and revocations dated more
// than Config.Skew seconds ahead of the node's clock are refused, everywhere, certificate
// insertion included (Fluence's insert_cert took the caller's time); trusts from a peer of no
// weight are kept (Fluence dropped them), so the result does not depend on insertion order;
// Certificate returns the best chain, not every chain; the relations kept are bounded
// (Config.MaxRelations), and so are those whose issuer weighed nothing when they came
// (Config.MaxUnanchored, counted from the graph's start): within the bounds, the order of
// arrival changes nothing.
package trust
