package scenario

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// The fake interpreter: a tiny scripted stand-in for AIR, enough to drive the host.
//
// A fake script is a JSON array of calls run in sequence, like nested seqs:
//
//	[{"peer": "<peer id>", "service": "s", "function": "f", "args": [JSON values or "$k"]}, ...]
//
// where "$k" is the result of call k. A run on peer P merges prev and current data (the results
// and forwards both know), then walks the calls: a call done already is skipped; a call for
// another peer is forwarded unless the data says it was already forwarded or requested, and stops
// the walk; a call for P is requested (with an id from P's own counter, kept in prev data only),
// or completed with its call result when one came, and stops the walk while it waits; a call
// whose "$k" argument is not there yet stops the walk (a join). "par": true makes a call that
// waits not stop the walk. A failed call ends the run with ret
// code 10000 and the previous data, like an uncaught error. A call to service "fail" with
// function "uncatchable" fails the run at once with ret code 20000.
type fakeCall struct {
	Peer     string            `json:"peer"`
	Service  string            `json:"service"`
	Function string            `json:"function"`
	Args     []json.RawMessage `json:"args"`
	// Par makes the walk go on after this call is forwarded or requested, as if the rest ran in
	// the other branch of a par.
	Par bool `json:"par,omitempty"`
}

type fakeData struct {
	Done    map[int]json.RawMessage `json:"done"`    // call index -> result
	Sent    map[int]bool            `json:"sent"`    // call index -> forwarded
	Pending map[int]uint32          `json:"pending"` // call index -> call id (this peer's)
	LCID    uint32                  `json:"lcid"`
	Runs    []string                `json:"runs"` // peers that ran, in order (union, for tests)
}

func decodeFake(b []byte) fakeData {
	d := fakeData{Done: map[int]json.RawMessage{}, Sent: map[int]bool{}, Pending: map[int]uint32{}}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &d); err != nil {
			panic(fmt.Sprintf("fake data %q: %v", b, err))
		}
	}
	if d.Done == nil {
		d.Done = map[int]json.RawMessage{}
	}
	if d.Sent == nil {
		d.Sent = map[int]bool{}
	}
	if d.Pending == nil {
		d.Pending = map[int]uint32{}
	}
	return d
}

// calls records every run of the fake, for tests to inspect.
type fakeRun struct {
	Peer    string
	Prev    string
	Cur     string
	Results map[uint32]interpreter.CallResult
	Params  interpreter.Params
}

func fakeStep(log *[]fakeRun) Step {
	return func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome {
		if log != nil {
			*log = append(*log, fakeRun{Peer: p.CurrentPeerID, Prev: string(prev), Cur: string(cur), Results: maps.Clone(results), Params: p})
		}
		var calls []fakeCall
		if err := json.Unmarshal([]byte(script), &calls); err != nil {
			return interpreter.Outcome{RetCode: 1, ErrorMessage: "fake: " + err.Error(), Data: prev}
		}
		pd, cd := decodeFake(prev), decodeFake(cur)
		d := fakeData{Done: pd.Done, Sent: pd.Sent, Pending: pd.Pending, LCID: pd.LCID, Runs: pd.Runs}
		maps.Copy(d.Done, cd.Done)
		maps.Copy(d.Sent, cd.Sent)
		if len(cd.Runs) > len(d.Runs) {
			d.Runs = cd.Runs
		}
		d.Runs = append(slices.Clone(d.Runs), p.CurrentPeerID)
		var out interpreter.Outcome
		for i, c := range calls {
			if _, ok := d.Done[i]; ok {
				continue
			}
			if c.Peer != p.CurrentPeerID {
				if !d.Sent[i] {
					d.Sent[i] = true
					out.NextPeers = append(out.NextPeers, c.Peer)
				}
				if c.Par {
					continue
				}
				break
			}
			if id, ok := d.Pending[i]; ok {
				r, ok := results[id]
				if !ok {
					if c.Par {
						continue
					}
					break
				}
				if r.RetCode != 0 {
					return interpreter.Outcome{RetCode: 10000, ErrorMessage: fmt.Sprintf("call %d failed: %d %s", i, r.RetCode, r.Result), Data: prev}
				}
				d.Done[i] = json.RawMessage(r.Result)
				delete(d.Pending, i)
				continue
			}
			if c.Service == "fail" && c.Function == "uncatchable" {
				return interpreter.Outcome{RetCode: 20000, ErrorMessage: "uncatchable", Data: prev}
			}
			var args []value.Value
			joined := false
			for _, a := range c.Args {
				text := []byte(a)
				if s := string(a); strings.HasPrefix(s, `"$`) {
					k, _ := strconv.Atoi(strings.Trim(s, `"$`))
					var ok bool
					if text, ok = d.Done[k]; !ok {
						joined = true
						break
					}
				}
				v, err := value.Parse(text, value.Limits{})
				if err != nil {
					return interpreter.Outcome{RetCode: 2, ErrorMessage: err.Error(), Data: prev}
				}
				args = append(args, v)
			}
			if joined {
				break
			}
			d.LCID++
			d.Pending[i] = d.LCID
			d.Sent[i] = true
			out.CallRequests = append(out.CallRequests, interpreter.CallRequest{ID: d.LCID, Service: c.Service, Function: c.Function, Args: args})
			if !c.Par {
				break
			}
		}
		b, err := json.Marshal(d)
		if err != nil {
			panic(err)
		}
		out.Data = b
		slices.Sort(out.NextPeers)
		return out
	}
}
