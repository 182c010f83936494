// Package raftlog is the ledger's raft log storage: the raft.Storage (go.etcd.io/raft/v3) that
// a validator's RawNode reads, and the writes its Ready loop makes, kept in the node's pebble
// database under KeyPrefix (internal/store.LedgerRaft). It answers every read as
// raft.MemoryStorage does after the same writes — a conformance test checks it, errors
// included — but from disk, and Open brings all of it back after a restart.
//
// # The Ready loop
//
// For each Ready of a RawNode, before sending its messages:
//
//	sync := raft.MustSync(rd.HardState, prevHardState, len(rd.Entries))
//	err := s.Save(rd.HardState, rd.Entries, rd.Snapshot, sync)
//
// then apply rd.CommittedEntries, send rd.Messages, and call Advance. Save writes the
// snapshot, the entries and the hard state of one Ready in one pebble batch: raft requires that
// the entries and the hard state (term, vote) be durable together before a message that
// depends on them leaves, and a crash never leaves one without the other. A non-empty
// rd.Snapshot also replaces the application's state. Only this synchronous loop is tested:
// with Config.AsyncStorageWrites the same Save would serve each MsgStorageAppend, untried.
//
// # What survives a crash
//
//   - every synced write (Save with sync, Append, SetHardState, ApplySnapshot), whole;
//   - of the unsynced writes after the last synced one (Save without sync, CreateSnapshot,
//     Compact), a prefix in the order they were made, each whole: pebble's WAL keeps batches
//     in order and replays none in part. A synced write makes every earlier one durable.
//
// Losing an unsynced CreateSnapshot or Compact loses nothing raft needs: the entries they
// would have dropped are still there. The application must make its own state at index i
// durable before CreateSnapshot(i) and must not Compact past what it has applied.
//
// # Storage layout
//
// Under the prefix, the second byte says what a key holds: 'e' ‖ index (8 bytes big-endian,
// so entries iterate in index order) → one entry; 'h' → the hard state; 's' → the latest
// snapshot (metadata and data); 'o' → the compaction point, the index and term of the entry
// before the first one kept (MemoryStorage's dummy entry). Every value starts with a version
// byte (1), then the message's protobuf encoding, which keeps field presence, or for 'o' the
// two big-endian u64s. Entries exist exactly for the indexes after the compaction point up to
// the last index; Open checks that, and every value read is decoded within its own length and
// checked against its key: a bad one is an error wrapping ErrCorrupt that names it.
//
// # Use
//
// A Storage is single-threaded, like the RawNode it serves: the runner makes every call, and
// it starts no goroutine, reads no clock and no randomness. Entries are read from pebble on
// each call (its block cache keeps the recent ones warm); only the hard state, the snapshot,
// the compaction point and the last index are held in memory.
package raftlog
