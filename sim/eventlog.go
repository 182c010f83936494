package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"hash/fnv"
	"time"
)

// EventLog records every event of a run — each actor turn, network delivery, drop and
// duplicate, each clock step — and hashes them as they come. Two runs of one seed must give the
// same hash; when they do not, the kept fingerprints find the first event where they diverge.
type EventLog struct {
	start time.Time
	h     hash.Hash
	fps   []uint64        // one fingerprint per event
	descs []string        // the events themselves, if kept
	ats   []time.Duration // and when they happened
	keep  bool
	marks []Event // faults and healing, always kept: the report marks them
}

// Event is one entry of the log.
type Event struct {
	Index int
	At    time.Duration // virtual time since the start
	What  string
}

func newEventLog(start time.Time, keep bool) *EventLog {
	return &EventLog{start: start, h: sha256.New(), keep: keep}
}

// add records what happened at virtual time now.
func (l *EventLog) add(now time.Time, what string) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(len(l.fps)))
	binary.BigEndian.PutUint64(b[8:], uint64(now.Sub(l.start)))
	l.h.Write(b[:])
	l.h.Write([]byte(what))
	l.h.Write([]byte{0})
	f := fnv.New64a()
	f.Write(b[8:])
	f.Write([]byte(what))
	l.fps = append(l.fps, f.Sum64())
	if l.keep {
		l.descs = append(l.descs, what)
		l.ats = append(l.ats, now.Sub(l.start))
	}
}

// mark records a fault (or the healing) as an event that the report shows.
func (l *EventLog) mark(now time.Time, what string) {
	l.marks = append(l.marks, Event{Index: len(l.fps), At: now.Sub(l.start), What: what})
	l.add(now, what)
}

// Marks returns the faults and the healing, in order.
func (l *EventLog) Marks() []Event { return l.marks }

// Len returns the number of events.
func (l *EventLog) Len() int { return len(l.fps) }

// Hash returns the running hash of every event so far, in hex.
func (l *EventLog) Hash() string { return hex.EncodeToString(l.h.Sum(nil)[:16]) }

// Event returns event i (its text only if the log keeps texts; "" past the end).
func (l *EventLog) Event(i int) Event {
	e := Event{Index: i}
	if i < len(l.ats) {
		e.At = l.ats[i]
	}
	if i < len(l.descs) {
		e.What = l.descs[i]
	}
	return e
}

// Diverge returns the index of the first event where a and b differ, and false if they are the
// same.
func Diverge(a, b *EventLog) (int, bool) {
	n := min(len(a.fps), len(b.fps))
	for i := range n {
		if a.fps[i] != b.fps[i] {
			return i, true
		}
	}
	if len(a.fps) != len(b.fps) {
		return n, true
	}
	return 0, false
}
