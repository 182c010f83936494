// Package dhtsvc is a node's part in the DHT (package kademlia) in service: the provider records
// it stores for others, the requests of the record protocol it answers, the lookups it makes
// for its own callers, and the dht and kad builtins.
//
// The transport routes and carries bytes (core.Routing); everything a record means is decided
// here: each record is verified on arrival (its key, the provider's signature, its times, the
// challenge's solution), by every storing peer, and again by the peer that reads it.
package dhtsvc

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/trust"
)

// Config is how a node takes part in the DHT.
type Config struct {
	// Key is the node's: it signs the node's own records (the relay record, dht.add_provider).
	Key trust.Signer
	// Clock is the node's: records' times are checked against it.
	Clock clock.Clock
	// Routing finds peers and carries requests; nil: the node answers requests that come (if
	// its transport hands them over) but makes none, and the builtins that need the network fail.
	Routing core.Routing
	// Weigh gives the node's trust weight of a provider (its TrustGraph's); nil weighs nothing.
	Weigh kademlia.Weigher
	// Table bounds what the node stores (see kademlia.TableConfig).
	Table kademlia.TableConfig
	// Skew is how far ahead of the node's clock a record may be dated; default 60 s.
	Skew uint64
	// MaxTTL bounds a record's life, from its issue to its expiry; default 24 h.
	MaxTTL uint64
	// Replicas is how many of the peers closest to a key a record is stored at and read from;
	// default 20 (Kademlia's k, and the count of nox's kad.neighborhood).
	Replicas int
	// Metrics, if set, gets the refusals by reason.
	Metrics prometheus.Registerer
}

// Defaults of Config.
const (
	DefaultSkew     = 60
	DefaultMaxTTL   = 24 * 3600
	DefaultReplicas = 20
)

// Service is a node's DHT service. It is safe for concurrent use: the transport calls Handle on
// its goroutines, the builtins on theirs.
type Service struct {
	cfg     Config
	db      *pebble.DB
	mu      sync.Mutex
	table   *kademlia.Table
	own     map[kademlia.Key]*own // the keys this node provides (own.go)
	closed  bool                  // the node's store is closed: the table is not touched again
	refused *prometheus.CounterVec
}

// Open loads the records kept in db.
func Open(db *pebble.DB, cfg Config) (*Service, error) {
	if cfg.Skew == 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.MaxTTL == 0 {
		cfg.MaxTTL = DefaultMaxTTL
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = DefaultReplicas
	}
	if cfg.Weigh == nil {
		cfg.Weigh = func(trust.PublicKey) uint32 { return 0 }
	}
	st, keys, entries, err := kademlia.OpenPebbleTable(db)
	if err != nil {
		return nil, fmt.Errorf("dht: %w", err)
	}
	owned, err := loadOwn(db)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, db: db, table: kademlia.NewTable(cfg.Table, st), own: owned}
	now := s.now()
	for _, k := range keys {
		s.table.Load(k, entries[k], now, cfg.Weigh)
	}
	s.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aquanet_dht_refused_total",
		Help: "Provider records and removals this node refused, by reason."}, []string{"reason"})
	for _, r := range refusalReasons {
		s.refused.WithLabelValues(r)
	}
	if cfg.Metrics != nil {
		if err := cfg.Metrics.Register(s.refused); err != nil {
			return nil, fmt.Errorf("dht: metrics: %w", err)
		}
	}
	return s, nil
}

// refusalReasons are the metric's labels: the records' own (kademlia.Reasons) and the lists'.
var refusalReasons = append(append([]string(nil), kademlia.Reasons...), reasonOutdated, reasonListFull, reasonTableFull)

const (
	reasonOutdated  = "outdated"
	reasonListFull  = "list-full"
	reasonTableFull = "table-full"
)

func (s *Service) now() uint64 { return uint64(s.cfg.Clock.Now().Unix()) }

// Handle answers a request of the record protocol: it is the node's core.RoutingHandler.
func (s *Service) Handle(from string, msg []byte, answer func([]byte)) {
	a := s.serve(msg)
	b, err := a.Encode()
	if err != nil { // cannot happen: what serve answers fits
		b, _ = kademlia.Answer{Status: kademlia.StatusFailed, Message: "the answer did not fit"}.Encode()
	}
	answer(b)
}

func (s *Service) serve(msg []byte) kademlia.Answer {
	req, err := kademlia.DecodeRequest(msg)
	if err != nil {
		return s.refuse("malformed", err)
	}
	switch req.Op {
	case kademlia.OpAdd:
		return s.add(req.Record)
	case kademlia.OpGet:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return errClosedAnswer
		}
		var a kademlia.Answer
		a.Status = kademlia.StatusOK
		for _, e := range s.table.Get(req.Key, s.now(), s.cfg.Weigh) {
			a.Records = append(a.Records, e.Value)
		}
		for _, e := range s.table.Removals(req.Key, s.now()) {
			a.Removals = append(a.Removals, e.Value)
		}
		return a
	default: // OpRemove
		return s.remove(req.Removal)
	}
}

// add verifies a record and keeps it.
func (s *Service) add(b []byte) kademlia.Answer {
	now := s.now()
	r, err := kademlia.DecodeRecord(b)
	if err == nil {
		err = r.Verify(now, s.cfg.Skew, s.cfg.MaxTTL)
	}
	if err != nil {
		return s.refuse(kademlia.ReasonOf(err), err)
	}
	e := kademlia.Entry{Provider: r.Provider, IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt,
		Open: r.Challenge.Kind == kademlia.KindOpen, Value: b}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosedAnswer
	}
	if _, err := s.table.Put(r.Key, e, now, s.cfg.Weigh); err != nil {
		switch {
		case errors.Is(err, kademlia.ErrOutdated):
			return s.refuse(reasonOutdated, err)
		case errors.Is(err, kademlia.ErrListFull):
			return s.refuse(reasonListFull, err)
		case errors.Is(err, kademlia.ErrTableFull):
			s.refused.WithLabelValues(reasonTableFull).Inc()
		}
		return kademlia.Answer{Status: kademlia.StatusFailed, Message: clip(err.Error())}
	}
	return kademlia.Answer{Status: kademlia.StatusOK}
}

// remove verifies a removal and drops the record it names.
func (s *Service) remove(b []byte) kademlia.Answer {
	r, err := kademlia.DecodeRemoval(b)
	if err == nil {
		err = r.Verify(s.now(), s.cfg.Skew)
	}
	if err != nil {
		return s.refuse(kademlia.ReasonOf(err), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosedAnswer
	}
	if _, err := s.table.Remove(r.Key, s.tombstone(r, b), s.now()); err != nil {
		if errors.Is(err, kademlia.ErrTableFull) {
			s.refused.WithLabelValues(reasonTableFull).Inc()
		}
		return kademlia.Answer{Status: kademlia.StatusFailed, Message: clip(err.Error())}
	}
	return kademlia.Answer{Status: kademlia.StatusOK}
}

// tombstone is what a list keeps of removal r (encoded b): until every record it outdates has
// expired.
func (s *Service) tombstone(r kademlia.Removal, b []byte) kademlia.Entry {
	return kademlia.Entry{Provider: r.Provider, IssuedAt: r.At, ExpiresAt: r.At + s.cfg.MaxTTL, Removed: true, Value: b}
}

func (s *Service) refuse(reason string, err error) kademlia.Answer {
	if reason == "" {
		reason = "malformed"
	}
	s.refused.WithLabelValues(reason).Inc()
	return kademlia.Answer{Status: kademlia.StatusRefused, Reason: reason, Message: clip(err.Error())}
}

// clip bounds a message to what an answer carries.
func clip(s string) string {
	const max = 1 << 10
	if len(s) > max {
		return s[:max]
	}
	return s
}

// Len is how many records the node stores, and under how many keys.
func (s *Service) Len() (records, keys int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.table.Len()
}

// Expire drops the records that expired; the node calls it now and then.
func (s *Service) Expire() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	return s.table.Expire(s.now())
}

// Close is called before the node's store closes: from then on the service keeps and serves
// nothing (requests still on the way, and their callbacks, find it closed), whatever comes.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

var errClosed = errors.New("dht: the node is stopping")

var errClosedAnswer = kademlia.Answer{Status: kademlia.StatusFailed, Message: "this node is stopping"}
