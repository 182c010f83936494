// Package kademlia is aquanet's DHT: peers and providers found by attribute, writes guarded by
// challenges, provider lists ordered by the storing peer's trust in the providers.
//
// A DHT key is an attribute ("relays for browsers", "members of chat room X"): the SHA-256 of a
// challenge's encoding, so that whoever knows the challenge knows the key, and whoever wants to
// be listed as a provider under the key must solve the challenge. Every peer that stores a
// record checks it, not only the writer (Fluence's registry stored challenges and never checked
// them).
//
// # Challenges
//
// Three kinds, each a Challenge:
//   - open: anyone may provide, but only into the reserve of a provider list (see below);
//     its nonce names the attribute.
//   - signed: the owner signs each provider: the solution is the owner's Ed25519 signature
//     over "aquanet/dht/signed\x00" ‖ the key ‖ the provider's encoded public key.
//   - owned: the owner's trust reaches the provider: the solution is a certificate (trust
//     package, binary form) whose root is the owner and whose last trust is in the provider,
//     with at most MaxPathLen hops, valid at the storing peer's time.
//
// A challenge's encoding: version (1) ‖ kind ‖ owner's 32-byte public key (signed, owned) ‖
// max path length u8 (owned) ‖ nonce length u8 ‖ nonce (at most MaxNonce bytes).
//
// # Records
//
// A Record says that a provider provides a key until a time, at addresses, with the
// challenge and its solution; the provider signs it all ("aquanet/dht/record\x00" ‖ the
// record's encoding without its signature), so a record cannot be replayed under another key,
// for another provider or past its expiry.
//
// # Provider lists
//
// A storing peer keeps, per key, at most Cap records (default 32), of which Reserve (default 4)
// are kept for providers that weigh nothing in its TrustGraph and for records under open
// challenges; the others are ordered by weight, highest first, and a full list evicts its
// lowest weight for a heavier newcomer. A flood of weightless providers churns the reserve and
// never reaches a trusted provider's place.
//
// # Neighbourhoods
//
// kad.neighborhood picks peers exactly as Fluence's nox does: the key's bytes are wrapped as a
// SHA-256 multihash (code 0x12, not hashed), and peers are ordered by the XOR of SHA-256 of that
// multihash and SHA-256 of each peer id's bytes (libp2p's Kademlia keys), so that compiled Aqua
// picks the same neighbours on aquanet as on nox. With already_hashed the key's bytes must be a
// whole multihash, taken as it is. kad.merge differs: it orders base58 strings by the XOR of
// SHA-256 of their bytes, unwrapped (neighborhood.go names the nox sources each follows).
package kademlia
