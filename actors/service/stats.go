package service

import (
	"maps"
	"slices"
	"sync"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/interpreter/value"
)

// Stat bounds: how many recent measures a series keeps (nox's default
// max_builtin_metrics_storage_size), and for how many distinct function names a service keeps
// counters of their own (a script can name any function; beyond this many, calls count in the
// service's totals only).
const (
	StatSeriesLen    = 5
	StatMaxFunctions = 64
)

// StatQuery asks a service actor for its stats; it answers ReplyTo with a Reply of the same
// ID whose result is the StatResult of aqua-lib's Stat.service_stat.
type StatQuery struct {
	ID        uint32
	ServiceID string // as the caller named it, for the message when nothing was measured
	ReplyTo   *actor.PID
}

// stats are a service's call counters, kept across restarts of its actor. The workers of a
// pool share one and run at once, hence the lock.
type stats struct {
	mu        sync.Mutex
	total     callStats
	functions map[string]*callStats
}

// callStats are the counters of a service or of one of its functions, in the shape of nox's
// (crates/peer-metrics/src/services_metrics/builtin.rs).
type callStats struct {
	success, failed uint64
	memoryDeltas    seriesStat // Go services share the node's memory: always 0
	callTimeSec     seriesStat
	timestamps      []uint64 // the particles' timestamps of the last calls
}

type seriesStat struct {
	last       []float64
	total, avg float64
}

func (s *seriesStat) add(v float64, count uint64) {
	s.last = appendLast(s.last, v)
	s.total += v
	s.avg = (s.avg*float64(count) + v) / float64(count+1)
}

func appendLast[T any](s []T, v T) []T {
	if len(s) >= StatSeriesLen {
		s = append(s[:0], s[1:]...)
	}
	return append(s, v)
}

func (c *callStats) record(ok bool, seconds float64, timestamp uint64) {
	c.timestamps = appendLast(c.timestamps, timestamp)
	if !ok {
		c.failed++
		return
	}
	c.memoryDeltas.add(0, c.success)
	c.callTimeSec.add(seconds, c.success)
	c.success++
}

// record counts a call to function. A call to a function the service does not have counts in
// the totals only, as on nox.
func (s *stats) record(function string, ok, unknownFunction bool, seconds float64, timestamp uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total.record(ok, seconds, timestamp)
	if unknownFunction {
		return
	}
	f := s.functions[function]
	if f == nil {
		if len(s.functions) >= StatMaxFunctions {
			return
		}
		if s.functions == nil {
			s.functions = map[string]*callStats{}
		}
		f = &callStats{}
		s.functions[function] = f
	}
	f.record(ok, seconds, timestamp)
}

// result is the StatResult: {status, error, result: ?ServiceStat}.
func (s *stats) result(serviceID string) value.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := []string{"error", "result", "status"}
	if s.total.success+s.total.failed == 0 {
		return value.Object(keys, []value.Value{value.String("No stats were collected for the `" + serviceID + "` service"), value.Array(), value.Bool(false)})
	}
	names := slices.Sorted(maps.Keys(s.functions))
	fns := make([]value.Value, len(names))
	for i, name := range names {
		fns[i] = value.Object([]string{"name", "stats"}, []value.Value{value.String(name), s.functions[name].value()})
	}
	stat := value.Object([]string{"functions_stats", "total_stats"}, []value.Value{value.Array(fns...), s.total.value()})
	return value.Object(keys, []value.Value{value.String(""), value.Array(stat), value.Bool(true)})
}

func (c *callStats) value() value.Value {
	ts := make([]value.Value, len(c.timestamps))
	for i, t := range c.timestamps {
		ts[i] = value.Uint(t)
	}
	return value.Object([]string{"call_time_sec", "failed_req_count", "memory_deltas_bytes", "success_req_count", "timestamps"},
		[]value.Value{c.callTimeSec.value(), value.Uint(c.failed), c.memoryDeltas.value(), value.Uint(c.success), value.Array(ts...)})
}

func (s *seriesStat) value() value.Value {
	last := make([]value.Value, len(s.last))
	for i, v := range s.last {
		last[i] = value.Float(v)
	}
	return value.Object([]string{"avg", "series", "total"}, []value.Value{value.Float(s.avg), value.Array(last...), value.Float(s.total)})
}
