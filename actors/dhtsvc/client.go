package dhtsvc

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/trust"
)

// Stored says what became of a record sent to be stored (or a removal).
type Stored struct {
	Peers   int            // how many peers were asked, this node included
	OK      int            // how many kept it
	Refused map[string]int // by reason (kademlia's, or the lists')
	Failed  int            // could not be asked, or could not keep it
}

// errNoRouting is the error of what needs the network on a node without a DHT.
var errNoRouting = errors.New("this node takes no part in a DHT")

// Provide stores an encoded record at this node and at the Replicas peers closest to its key,
// and calls done once with what became of it, from any goroutine.
func (s *Service) Provide(record []byte, done func(Stored, error)) {
	r, err := kademlia.DecodeRecord(record)
	if err != nil {
		done(Stored{}, err)
		return
	}
	req, err := kademlia.Request{Op: kademlia.OpAdd, Record: record}.Encode()
	if err != nil {
		done(Stored{}, err)
		return
	}
	s.spread(r.Key, req, done)
}

// Remove sends an encoded removal where Provide sends a record.
func (s *Service) Remove(removal []byte, done func(Stored, error)) {
	r, err := kademlia.DecodeRemoval(removal)
	if err != nil {
		done(Stored{}, err)
		return
	}
	req, err := kademlia.Request{Op: kademlia.OpRemove, Removal: removal}.Encode()
	if err != nil {
		done(Stored{}, err)
		return
	}
	s.spread(r.Key, req, done)
}

// spread serves req here, then asks the peers closest to key.
func (s *Service) spread(key kademlia.Key, req []byte, done func(Stored, error)) {
	var mu sync.Mutex
	st := Stored{Refused: map[string]int{}}
	count := func(_ string, a kademlia.Answer, err error) {
		mu.Lock()
		defer mu.Unlock()
		st.Peers++
		switch {
		case err != nil || a.Status == kademlia.StatusFailed:
			st.Failed++
		case a.Status == kademlia.StatusRefused:
			st.Refused[a.Reason]++
		default:
			st.OK++
		}
	}
	local := s.serve(req)
	count("", local, nil)
	if local.Status == kademlia.StatusRefused && slices.Contains(kademlia.Reasons, local.Reason) {
		// The record itself is at fault: the others would refuse it too. (A list full here, or
		// a newer record kept here, says nothing of the others.)
		done(st, fmt.Errorf("refused (%s): %s", local.Reason, local.Message))
		return
	}
	if s.cfg.Routing == nil {
		done(st, nil)
		return
	}
	s.cfg.Routing.Lookup(key[:], s.cfg.Replicas, func(peers []string, err error) {
		if err != nil && len(peers) == 0 {
			done(st, fmt.Errorf("looking up the peers closest to the key: %w", err))
			return
		}
		s.ask(peers, req, count, func() {
			mu.Lock()
			defer mu.Unlock()
			done(st, nil)
		})
	})
}

// Providers reads key's records from this node and the Replicas peers closest to key, checks
// each, and calls done once with the best, from any goroutine: one record per provider (its
// newest), ordered as a storing list orders them by this node's weights. Then it repairs: each
// of the peers that answered without one of those records (a partition kept it from them, or
// they joined since) is sent it, so that the lists converge as they are read. Removals are read
// and repaired alike: a record that a provider's removal outdates, held by any peer that
// answered, is not returned, and each peer that lacked the removal is sent it (a stale copy
// of the record is never spread again).
func (s *Service) Providers(key kademlia.Key, done func([]kademlia.Record, error)) {
	var mu sync.Mutex
	list := kademlia.NewList(s.cfg.Table.List)
	records := map[trust.PublicKey]kademlia.Record{}
	held := map[string]map[trust.PublicKey]uint64{}    // by peer ("" is this node): provider -> issued_at
	removed := map[string]map[trust.PublicKey]uint64{} // by peer: provider -> the removal's at
	now := s.now()
	keepRemoval := func(b []byte) (kademlia.Removal, bool) {
		r, err := kademlia.DecodeRemoval(b)
		if err == nil && r.Key != key {
			err = errors.New("a removal of another key")
		}
		if err == nil {
			err = r.Verify(now, s.cfg.Skew)
		}
		if err != nil {
			s.refused.WithLabelValues("read-" + reasonOr(kademlia.ReasonOf(err))).Inc()
			return kademlia.Removal{}, false
		}
		list.Remove(s.tombstone(r, b), now)
		return r, true
	}
	keep := func(b []byte) (kademlia.Record, bool) {
		r, err := kademlia.DecodeRecord(b)
		if err == nil && r.Key != key {
			err = errors.New("a record of another key")
		}
		if err == nil {
			err = r.Verify(now, s.cfg.Skew, s.cfg.MaxTTL)
		}
		if err != nil { // a storing peer handed on what it should not have kept
			s.refused.WithLabelValues("read-" + reasonOr(kademlia.ReasonOf(err))).Inc()
			return kademlia.Record{}, false
		}
		e := kademlia.Entry{Provider: r.Provider, IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt,
			Open: r.Challenge.Kind == kademlia.KindOpen}
		if _, err := list.Put(e, now, s.cfg.Weigh); err == nil {
			records[r.Provider] = r
		}
		return r, true
	}
	answer := func(peer string, a kademlia.Answer, err error) {
		if err != nil || a.Status != kademlia.StatusOK {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		has, gone := map[trust.PublicKey]uint64{}, map[trust.PublicKey]uint64{}
		for _, b := range a.Records {
			if r, ok := keep(b); ok {
				has[r.Provider] = max(has[r.Provider], r.IssuedAt)
			}
		}
		for _, b := range a.Removals {
			if r, ok := keepRemoval(b); ok {
				gone[r.Provider] = max(gone[r.Provider], r.At)
			}
		}
		held[peer], removed[peer] = has, gone
	}
	var lookupErr error
	finish := func() {
		mu.Lock()
		var out []kademlia.Record
		for _, e := range list.Entries(now, s.cfg.Weigh) {
			out = append(out, records[e.Provider])
		}
		repairs := map[string][][]byte{}
		tombs := list.Removals(now)
		for peer, has := range held {
			for _, r := range out {
				if issued, ok := has[r.Provider]; !ok || issued < r.IssuedAt {
					add, _ := kademlia.Request{Op: kademlia.OpAdd, Record: r.Encode()}.Encode()
					repairs[peer] = append(repairs[peer], add)
				}
			}
			for _, t := range tombs {
				if at, ok := removed[peer][t.Provider]; !ok || at < t.IssuedAt {
					rm, _ := kademlia.Request{Op: kademlia.OpRemove, Removal: t.Value}.Encode()
					repairs[peer] = append(repairs[peer], rm)
				}
			}
		}
		mu.Unlock()
		if len(out) == 0 && lookupErr != nil { // none here, and the network was not asked
			done(nil, fmt.Errorf("no providers here, and looking up the peers closest to the key: %w", lookupErr))
			return
		}
		done(out, nil)
		s.repair(repairs)
	}
	req, _ := kademlia.Request{Op: kademlia.OpGet, Key: key}.Encode()
	answer("", s.serve(req), nil)
	if s.cfg.Routing == nil {
		finish()
		return
	}
	s.cfg.Routing.Lookup(key[:], s.cfg.Replicas, func(peers []string, err error) {
		mu.Lock()
		lookupErr = err
		mu.Unlock()
		s.ask(peers, req, answer, finish)
	})
}

// maxRepairs bounds the records one read sends to the peers that lacked them, so that a read
// costs at most so many writes elsewhere (a list of 32 missing at 20 peers would be 640); what
// is left the next reads repair.
const maxRepairs = 64

// repair sends each peer ("" is this node) the records it lacked, in peer order, at most
// maxRepairs in all; their answers do not matter (a full list may refuse one).
func (s *Service) repair(repairs map[string][][]byte) {
	budget := maxRepairs
	for _, peer := range slices.Sorted(maps.Keys(repairs)) {
		for _, add := range repairs[peer][:min(len(repairs[peer]), budget)] {
			budget--
			if peer == "" {
				s.serve(add)
			} else if s.cfg.Routing != nil {
				s.cfg.Routing.Request(peer, add, func([]byte, error) {})
			}
		}
	}
}

func reasonOr(r string) string {
	if r == "" {
		return "malformed"
	}
	return r
}

// ask sends req to each peer, hands each answer to each, and calls done when all have answered
// or failed.
func (s *Service) ask(peers []string, req []byte, each func(peer string, a kademlia.Answer, err error), done func()) {
	if len(peers) == 0 {
		done()
		return
	}
	var mu sync.Mutex
	left := len(peers)
	for _, p := range peers {
		s.cfg.Routing.Request(p, req, func(b []byte, err error) {
			var a kademlia.Answer
			if err == nil {
				a, err = kademlia.DecodeAnswer(b)
			}
			each(p, a, err)
			mu.Lock()
			left--
			last := left == 0
			mu.Unlock()
			if last {
				done()
			}
		})
	}
}
