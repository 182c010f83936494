// Package store opens a node's one pebble database and names the key spaces in it. Every part
// of a node that persists something (particle data now; services, trust, the ledger and DHT
// records later) keeps its keys under its own one-byte prefix, listed here so that no two
// parts can collide.
//
// The filesystem is injected (pebble's vfs.FS): a directory on the OS's filesystem in
// production, memory in tests, a crashable memory filesystem in the simulator.
package store

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"weak"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Key-space prefixes: the first byte of every key.
const (
	// ParticleData holds each particle's data on this peer between its visits, until its
	// deadline (package actors/particles).
	ParticleData byte = 'p'
	// ParticleArrivals holds, next to each particle's data and until the same deadline, which
	// of its arrivals the data has merged: a restarted node still drops their replays.
	ParticleArrivals byte = 'a'
	// ParticleJournal holds, next to a particle's data and until the same deadline, what runs
	// added to it since it was last written whole (data.AppendJournal), in order.
	ParticleJournal byte = 'j'
	// WasmModules holds the Wasm modules added to this node, by id, with their records
	// (package actors/wasmsvc); WasmBlueprints the blueprints; WasmServices the services made
	// of them, which a restarted node brings back.
	WasmModules    byte = 'm'
	WasmBlueprints byte = 'b'
	WasmServices   byte = 's'
	// TrustRoots holds the node's TrustGraph roots and TrustRelations the trusts and
	// revocations it keeps, by pair (package trust).
	TrustRoots     byte = 'R'
	TrustRelations byte = 'T'
	// DHTProviders holds the provider records this peer stores for the DHT, by key and
	// provider (package kademlia).
	DHTProviders byte = 'P'
	// DHTOwn holds the keys this peer provides itself, which it republishes until it is told
	// to stop, across restarts (package actors/dhtsvc).
	DHTOwn byte = 'O'
	// Ledger holds the ledger's state: balances, nonces, perimeters, names, revocations,
	// prices, its height and app hash (package ledger).
	Ledger byte = 'L'
	// LedgerRaft holds the ledger's raft log: its entries, hard state, snapshot and the
	// index and term it was compacted to (package ledger/raftlog).
	LedgerRaft byte = 'r'
	// LedgerBlocks holds the ledger's committed blocks by height, each with the app hash
	// before it: validators keep them as they apply them, and serve them to the nodes that
	// follow the ledger (package ledger, blocks.go).
	LedgerBlocks byte = 'B'
	// Triggers holds the triggers installed on the node, by id, with their schedules and
	// runs; TriggerState each trigger's own key-value state (package actors/triggersvc).
	Triggers     byte = 'G'
	TriggerState byte = 'g'
)

// Options say where the database lives.
type Options struct {
	// Dir is the database's directory. Empty means memory: nothing outlives the process. With
	// FS nil too, the database is one nothing can open again, and runs without a log (NoWAL).
	Dir string
	// FS is the filesystem Dir is on; nil means the OS's (or memory, when Dir is empty).
	FS vfs.FS
	// Logger gets pebble's own messages (background errors, slow disks); nil discards them.
	Logger *slog.Logger
	// Cache is the block cache, which other databases may share; nil: pebble's default, one
	// of the database's own.
	Cache *pebble.Cache
	// MemTableSize bounds the memtable and so the write-ahead log; 0: pebble's default.
	MemTableSize uint64
	// NoCompactionTicker grants compactions only as the database asks and as they end, not
	// also on a ticker of its own (see actors.StoreEnv).
	NoCompactionTicker bool
	// NoWAL opens the database without a write-ahead log: for a disk that never crashes and a
	// database that is never reopened (the simulator's nodes that no fault crashes), where
	// the log would only cost a hand-off to pebble's log writer at every write. What is not
	// yet in a table is lost at Close. Write what must be durable with Sync(db), which pebble
	// accepts on such a database; pebble.Sync it refuses.
	NoWAL bool
}

// walless holds the databases opened with NoWAL, weakly: an entry goes when its database is
// collected.
var walless sync.Map // weak.Pointer[pebble.DB] → struct{}

// Sync is the write option of a write that must be on disk before it returns: pebble.Sync, or
// pebble.NoSync on a database opened with NoWAL, which has no log to sync and whose data does
// not outlive the process anyway.
func Sync(db *pebble.DB) *pebble.WriteOptions {
	if _, ok := walless.Load(weak.Make(db)); ok {
		return pebble.NoSync
	}
	return pebble.Sync
}

// Open opens (creating if need be) the database o names.
func Open(o Options) (*pebble.DB, error) {
	fs, dir := o.FS, o.Dir
	switch {
	case fs == nil && dir == "":
		// A memory of its own that nothing can open again: a log would only be written,
		// never read.
		fs, o.NoWAL = vfs.NewMem(), true
	case fs == nil:
		fs = vfs.Default
	}
	if dir == "" {
		dir = "aquanet"
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts := &pebble.Options{FS: fs, Logger: pebbleLogger{logger}, Cache: o.Cache, MemTableSize: o.MemTableSize, DisableWAL: o.NoWAL}
	// Bloom filters on every level (the later levels take the first's): most lookups are for
	// keys that are not there (a particle's first arrival), and without a filter each one
	// reads every table that might hold it.
	opts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	if o.NoCompactionTicker {
		// Pebble's default scheduler (a concurrency limit from the compaction backlog) without
		// its goroutine: Done grants what waits. Pebble names it for tests, which is where it
		// has needed it so far.
		opts.Experimental.CompactionScheduler = pebble.NewConcurrencyLimitSchedulerWithNoPeriodicGrantingForTest()
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", dir, err)
	}
	if o.NoWAL {
		w := weak.Make(db)
		walless.Store(w, struct{}{})
		runtime.AddCleanup(db, func(w weak.Pointer[pebble.DB]) { walless.Delete(w) }, w)
	}
	return db, nil
}

// pebbleLogger carries pebble's printf-style messages to slog.
type pebbleLogger struct{ l *slog.Logger }

// Infof is pebble's chatter (WAL replays, compactions): debug level for us.
func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "lib", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "lib", "pebble")
}

// Fatalf is pebble's report of a state it cannot go on from (a corrupt store, a failed WAL
// write): it logs and then panics, as pebble's own default logger exits the process, so the
// node fails loudly instead of losing data quietly.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "lib", "pebble", "fatal", true)
	panic("pebble: " + msg)
}
