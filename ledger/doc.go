// Package ledger is aquanet's common knowledge: what every peer must agree on, with finality —
// security perimeters of applications, TrustGraph revocations, global names, balances and the
// prices of services. This package is its pure core: signed transactions, blocks of them, and
// the deterministic state machine they are applied to. The replicated log that orders the
// blocks (etcd raft's RawNode), the network and the node's services sit around it, elsewhere.
//
// # The state machine
//
// State has the shape of a blockchain application: InitChain(genesis) once; CheckTx(tx) to
// screen a transaction for a mempool against the committed state; then, for each block the
// validators agreed on, ApplyBlock(block) and Commit(), which writes the block's changes in one
// batch and returns the app hash. A future CometBFT ABCI application would call the same
// methods in the same order (InitChain, CheckTx, FinalizeBlock, Commit): the boundary is the
// same whichever engine orders the blocks.
//
// It is deterministic: no clock (a block carries the time its proposer chose), no randomness,
// no goroutines, no map order reaching a result, a write or a hash. The same genesis and the
// same blocks give the same results, the same stored state and the same app hashes on every
// replica; the app hash chains every block's hash and sorted writes, so replicas whose states
// differ have different hashes. Its store is injected (Store; PebbleStore in a node's pebble
// database under KeyPrefix).
//
// # Transactions
//
// A Tx is signed by its sender over "aquanet/ledger/tx\x00" ‖ the chain id ‖ its encoding, and
// carries the sender's next nonce. A block applies its transactions in order; one that fails is not
// applied (its nonce is not spent) and is listed with its reason (Reasons), the block goes on.
// Kinds: transfer, set_perimeter (by the application's developer only; the first claims the
// id), register_name (first come, first served; the owner re-points it), publish_revocation
// (a trust.Revocation, verified at the block's time, the latest per pair wins), set_price (the
// first makes its sender the price owner) and pay (price × calls to the price owner). Value is
// conserved: after genesis it only moves, so the total of the balances never changes.
//
// # Threat model
//
// The validators are trusted not to lie: raft tolerates crashes, not Byzantine faults, so a
// validator could propose any block. What the package guarantees against everyone else:
//   - nobody can forge another's transaction: each is signed by its sender, over a
//     domain-separated encoding, and checked on every replica when the block applies;
//   - nobody can replay one: the nonce must be the sender's next, so each applies once;
//   - a revocation counts only if its revoker signed it, whoever sends it;
//   - decoding is bounded (MaxTxSize, MaxBlockSize, per-field bounds) before any allocation.
//
// There are no fees: the cost of submitting transactions is to be bounded by the node that
// accepts them (its mempool and budgets). A signature covers the chain id, so a transaction of
// one chain is refused by another where the same keys hold accounts.
//
// # Storage
//
// Under the store's prefix (KeyPrefix in a node's pebble database), each record has its own
// first byte: 'b' ‖ key → balance u64 (absent when 0), 'n' ‖ key → next nonce u64, 'p' ‖ app id
// → perimeter, 'N' ‖ name → owner ‖ target, 'r' ‖ revoked ‖ revoker → revocation, 'c' ‖ len u8 ‖
// peer ‖ service → price owner ‖ price u64; 'm' and one letter for the chain id, the last
// block's time, the validators, the height and the app hash. Commit writes a block's records,
// the height and the app hash in one synced batch, so a crash leaves the state of one commit or
// of the next, never between. The app hash is SHA-256("aquanet/ledger/app\x00" ‖ previous app
// hash ‖ block hash ‖ the block's writes in key order, length-prefixed), height and app hash
// themselves excepted.
//
// # Wire forms
//
// Transactions and blocks are binary, little-endian, version byte first, exact (nothing may
// follow); see EncodeTx and EncodeBlock.
package ledger
