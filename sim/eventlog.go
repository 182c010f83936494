package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
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
	// buf is the event being recorded, reused from one to the next: its index and time (8
	// bytes each, big-endian), its text and a 0. A run records an event for every actor turn,
	// so one allocation an event (a text, a fingerprint's hasher) is a run's tenth of its
	// garbage collector's work.
	buf []byte
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
	l.buf = append(l.begin(now), what...)
	l.end(now)
}

// begin starts recording an event at now: it returns l.buf holding the event's index and
// time, to which the caller appends the event's text before calling end.
func (l *EventLog) begin(now time.Time) []byte {
	b := binary.BigEndian.AppendUint64(l.buf[:0], uint64(len(l.fps)))
	return binary.BigEndian.AppendUint64(b, uint64(now.Sub(l.start)))
}

// end records the event begun in l.buf: the hash takes its index, time, text and a 0; its
// fingerprint is the FNV-1a hash of its time and text.
func (l *EventLog) end(now time.Time) {
	b := append(l.buf, 0)
	l.h.Write(b)
	l.fps = append(l.fps, fnv64a(b[8:len(b)-1]))
	if l.keep {
		l.descs = append(l.descs, string(b[16:len(b)-1]))
		l.ats = append(l.ats, now.Sub(l.start))
	}
	l.buf = b
}

// fnv64a is hash/fnv's 64-bit FNV-1a of b, without a hasher to allocate.
func fnv64a(b []byte) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime
	}
	return h
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
