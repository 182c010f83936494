// Package resumecheck holds interpreter.ResumeDecoded to its promise: the outcome of a run
// that goes on from where the last one paused is the outcome of replaying the script from the
// encoded data, byte for byte. A Runner stands in for interpreter.Run in the harnesses that
// play scripts between peers (the reference scenarios, the differential cases, compiled
// Aqua), runs every run both ways and notes where they differ.
package resumecheck

import (
	"fmt"
	"slices"

	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// Runner runs each run as a node does, keeping each peer's data decoded between its runs and
// resuming paused runs, and as interpreter.Run does from the encoded data.
type Runner struct {
	kept map[string]*kept // by peer and data
	// Paused and Resumed count the runs that paused, and the runs that went on from one.
	Paused, Resumed int
	// Diffs are the differences found, one line each.
	Diffs []string
	// NoResume runs every run with interpreter.RunDecoded instead: what the comparison finds
	// then is not the resuming's.
	NoResume bool
}

type kept struct {
	decoded *data.Data
	paused  *interpreter.Paused
	callID  uint32 // the call paused asked for
}

func New() *Runner { return &Runner{kept: map[string]*kept{}} }

// Run has interpreter.Run's signature and returns its outcome.
func (r *Runner) Run(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome {
	want := interpreter.Run(script, prev, cur, results, p)
	key := p.CurrentPeerID + "\x00" + string(prev)
	k := r.kept[key]
	if k == nil {
		d, err := data.Decode(prev)
		if err != nil {
			return want // data that does not decode: Run's error is the only outcome
		}
		k = &kept{decoded: d}
	}
	if r.NoResume {
		k.paused = nil
	}
	if _, ok := results[k.callID]; ok && k.paused != nil && len(cur) == 0 && len(results) == 1 {
		r.Resumed++
	}
	if enc := k.decoded.Encode(); len(prev) > 0 && string(enc) != string(prev) {
		r.note(script, "the kept data changed since its run")
	}
	got := interpreter.ResumeDecoded(script, k.decoded, k.paused, cur, results, p)
	k.paused = nil // used up either way
	if got.Decoded == nil {
		got.Data = prev // as RunDecoded leaves it; prev is as it was
	} else {
		delete(r.kept, key)
		n := &kept{decoded: got.Decoded, paused: got.Paused}
		if got.Paused != nil {
			r.Paused++
			n.callID = got.CallRequests[0].ID
		}
		r.kept[p.CurrentPeerID+"\x00"+string(got.Data)] = n
		if enc := got.Decoded.Encode(); string(enc) != string(got.Data) {
			r.note(script, "Decoded encodes to other bytes than Data")
		}
	}
	if d := Diff(got, want); d != "" {
		r.note(script, d)
	}
	return want
}

func (r *Runner) note(script, what string) {
	r.Diffs = append(r.Diffs, fmt.Sprintf("%s: %s", script, what))
}

// Diff says how two outcomes differ, "" if in nothing.
func Diff(a, b interpreter.Outcome) string {
	switch {
	case a.RetCode != b.RetCode || a.ErrorMessage != b.ErrorMessage:
		return fmt.Sprintf("ret %d %q, replayed %d %q", a.RetCode, a.ErrorMessage, b.RetCode, b.ErrorMessage)
	case string(a.Data) != string(b.Data):
		return fmt.Sprintf("data of %d bytes, replayed %d", len(a.Data), len(b.Data))
	case !slices.Equal(a.NextPeers, b.NextPeers):
		return fmt.Sprintf("next peers %v, replayed %v", a.NextPeers, b.NextPeers)
	case !slices.Equal(a.Awaited, b.Awaited):
		return fmt.Sprintf("awaited %v, replayed %v", a.Awaited, b.Awaited)
	case a.Complete != b.Complete:
		return fmt.Sprintf("complete %v, replayed %v", a.Complete, b.Complete)
	case a.Steps != b.Steps || a.Memory != b.Memory:
		return fmt.Sprintf("steps %d memory %d, replayed %d %d", a.Steps, a.Memory, b.Steps, b.Memory)
	case len(a.CallRequests) != len(b.CallRequests):
		return fmt.Sprintf("%d call requests, replayed %d", len(a.CallRequests), len(b.CallRequests))
	}
	for i, x := range a.CallRequests {
		y := b.CallRequests[i]
		if x.ID != y.ID || x.Service != y.Service || x.Function != y.Function || fmt.Sprint(x.Args) != fmt.Sprint(y.Args) || fmt.Sprint(x.Tetraplets) != fmt.Sprint(y.Tetraplets) {
			return fmt.Sprintf("call request %d: %+v, replayed %+v", i, x, y)
		}
	}
	return ""
}
