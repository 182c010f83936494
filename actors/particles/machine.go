// Package particles holds the particle actor's logic: what one particle does on this node, from
// its first arrival to its end. Machine is that logic as a pure state machine, in the style of
// etcd raft's RawNode: the actor feeds it arrivals and call results and carries out the Effects
// it returns (sending data to peers, making calls); it never does I/O itself, so tests drive it
// step by step.
package particles

import (
	"maps"
	"slices"

	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// Machine is one particle on this node.
type Machine struct {
	script   string
	params   interpreter.Params
	prev     []byte                            // this peer's data after its last run, unless stale
	decoded  *data.Data                        // prev decoded, for the next run; nil: decode prev
	stale    bool                              // prev is older than decoded: encode decoded for the bytes
	journal  journal                           // what the runs changed since the last save
	paused   *interpreter.Paused               // the last run, kept where it stopped, if it could be
	arrivals []arrival                         // data that arrived, not yet merged
	pending  map[uint32]bool                   // calls made, not yet answered
	results  map[uint32]interpreter.CallResult // answers not yet given to the interpreter
	runs     int
}

// New returns the machine of a particle with this script, on the peer and with the key params
// name (and its signing policy). params.ParseCache should be the node's own cache, which all
// its machines share; with none, every Step parses the script. Nothing runs until the first
// Arrive. The machine encodes its data only to send or to give it out (Data): it sets
// params.EncodeOnlyToSend.
func New(script string, params interpreter.Params) *Machine {
	params.EncodeOnlyToSend = true
	return &Machine{script: script, params: params, pending: map[uint32]bool{}, results: map[uint32]interpreter.CallResult{}}
}

// arrival is data that arrived from the peer from ("" if unknown).
type arrival struct {
	from string
	data []byte
}

// Effects is what one run asks the node to do.
type Effects struct {
	// Forward: send the particle with Data to these peers (sorted).
	Forward []string
	Data    []byte
	// Calls to make on this peer; each answer comes back through Result.
	Calls []interpreter.CallRequest
	// RetCode and Error are the run's outcome (0 and "" when it succeeded).
	RetCode int64
	Error   string
	// Complete: the script ran to its end on this peer (interpreter.Outcome.Complete).
	Complete bool
	// Pass: send the data that arrived (PassData, unchanged) on to these peers, as a relay
	// does for its client (see Step).
	Pass     []Pass
	PassData []byte
	// Dropped, if its Code is not 0, is why the data that arrived was refused in a run that
	// also had answers to give: the answers then ran on their own, and this Effects is that
	// run's.
	Dropped Failure
}

// Failure is an interpreter run's error.
type Failure struct {
	Code  int64
	Error string
}

// leftDataAsItWas reports whether a run that ended with code changed nothing: the preparation
// errors (the data, its signatures, sizes, the script), the uncatchable ones (a trace that does
// not merge) and the budget's.
func leftDataAsItWas(code int64) bool {
	return code > 0 && code < interpreter.CodeLocalServiceError ||
		code >= interpreter.CodeTraceError && code < interpreter.CodeUnprocessedCallResult ||
		code >= interpreter.CodeStepBudgetExceeded
}

// Pass is a relay's send of a particle it does not run for itself.
type Pass struct {
	To string
	// IfConnected: only over a connection the node already has (a client's relay passing the
	// particle back to its client); otherwise it is not sent.
	IfConnected bool
}

// Restore gives the machine the data this peer had after its last run on an earlier visit of
// the particle (from the Store); call it before the first Step.
func (m *Machine) Restore(prev []byte) {
	m.prev, m.decoded, m.paused, m.stale = prev, nil, nil, false
	m.journal = journal{}
}

// Data returns this peer's data after the last run (what Restore takes back). The runs that
// send nothing leave it decoded only; it is encoded here, once, when asked for.
func (m *Machine) Data() []byte {
	if m.stale {
		m.prev, m.stale = m.decoded.Encode(), false
	}
	return m.prev
}

// Deadline is when the particle expires, in ms since the Unix epoch.
func (m *Machine) Deadline() uint64 { return m.params.Timestamp + uint64(m.params.TTL) }

// Arrive queues data that arrived for the particle (empty for the particle's start on its
// initiator), from a peer not known.
func (m *Machine) Arrive(data []byte) { m.ArriveFrom("", data) }

// ArriveFrom queues data that arrived for the particle from the peer from.
func (m *Machine) ArriveFrom(from string, data []byte) {
	m.arrivals = append(m.arrivals, arrival{from, data})
}

// Result queues the answer to call id. It reports false, and drops the answer, if no such call
// is waiting (an answer that came twice, or to a call this machine never made).
func (m *Machine) Result(id uint32, r interpreter.CallResult) bool {
	if !m.pending[id] {
		return false
	}
	delete(m.pending, id)
	m.results[id] = r
	return true
}

// Ready reports whether Step has something to do.
func (m *Machine) Ready() bool { return len(m.arrivals) > 0 || len(m.results) > 0 }

// Idle reports whether the particle is finished here for now: nothing queued and no call
// waiting for its answer. More data may still arrive until the deadline.
func (m *Machine) Idle() bool { return !m.Ready() && len(m.pending) == 0 }

// Outstanding returns how many calls wait for their answer.
func (m *Machine) Outstanding() int { return len(m.pending) }

// Queued returns how many arrivals wait for a run; Step takes the oldest in.
func (m *Machine) Queued() int { return len(m.arrivals) }

// Pending returns the ids of the calls waiting for an answer, sorted.
func (m *Machine) Pending() []uint32 { return slices.Sorted(maps.Keys(m.pending)) }

// Runs returns how many times the interpreter ran.
func (m *Machine) Runs() int { return m.runs }

// Step runs the interpreter: on the oldest data that arrived (if any) together with every
// answer that is in, so that answers arriving together cost one run; if that run fails on the
// data before changing anything, once more on the answers alone (Effects.Dropped). It returns
// what the node must do; call it while Ready.
func (m *Machine) Step() Effects {
	var current []byte
	from, arrived := "", len(m.arrivals) > 0
	if arrived {
		current, from = m.arrivals[0].data, m.arrivals[0].from
		m.arrivals[0] = arrival{}
		m.arrivals = m.arrivals[1:]
	}
	// The run takes the answers in; the map is emptied and kept for the next ones after it (the
	// interpreter keeps no reference to it: it copies what it consumes).
	results := m.results
	m.results = nil
	defer func() {
		clear(results)
		m.results = results
	}()
	out := m.run(current, results)
	var dropped Failure
	if arrived && len(results) > 0 && leftDataAsItWas(out.RetCode) {
		// The run failed before it could change anything, and the arrival may be why (data that
		// does not decode or verify, or that disagrees with this peer's): the answers must not
		// go down with it, or their calls would never be answered. They run again on their own;
		// the arrival is dropped. Data that fails its checks costs the checks, not a run: the
		// interpreter decodes and verifies it before it executes anything.
		dropped = Failure{Code: out.RetCode, Error: out.ErrorMessage}
		from, current = "", nil
		out = m.run(nil, results)
	}
	for _, c := range out.CallRequests {
		m.pending[c.ID] = true
	}
	e := Effects{Calls: out.CallRequests, RetCode: out.RetCode, Error: out.ErrorMessage, Complete: out.Complete, Dropped: dropped}
	if len(out.NextPeers) > 0 {
		e.Forward, e.Data = out.NextPeers, out.Data
	}
	if e.Pass = m.relay(from, out); len(e.Pass) > 0 {
		e.PassData = current
	}
	return e
}

// run runs the interpreter on this peer's data, kept decoded between runs (RunDecoded), going
// on from where the last run paused when it can (ResumeDecoded): a run costs what it adds, not
// what the particle holds. It keeps the data the run leaves.
func (m *Machine) run(current []byte, results map[uint32]interpreter.CallResult) interpreter.Outcome {
	m.runs++
	before := -1 // the trace's length before the run, when it is kept decoded
	if m.decoded != nil {
		before = len(m.decoded.Trace)
	}
	var out interpreter.Outcome
	if m.decoded == nil {
		out = interpreter.Run(m.script, m.prev, current, results, m.params)
	} else {
		out = interpreter.ResumeDecoded(m.script, m.decoded, m.paused, current, results, m.params)
	}
	m.paused = nil // used up, whether the run resumed it or not
	if out.Decoded != nil {
		m.journal.ran(out, before)
		m.decoded, m.paused = out.Decoded, out.Paused
		// Encoded only to be sent (interpreter.Params.EncodeOnlyToSend): a run that makes
		// calls here and sends nothing costs what it adds, not the whole data's copy.
		m.prev, m.stale = out.Data, out.Data == nil
	} else {
		out.Data = m.Data()
	}
	if len(out.CallRequests) == 0 && len(m.pending) == 0 && len(m.results) == 0 {
		// Nothing of this peer's own runs next: the particle waits for data from others, or
		// for its deadline. Its data is encoded (the actor saves it whole), and kept decoded
		// too: the next arrival merges into it without decoding it again (a chat's sender
		// decoded its own data back at every member's answer). What it holds is Held, which
		// the router's bound on the actors it keeps counts; an actor that is not kept stops.
		// No call waits, so there is no pause to resume.
		m.Data()
		m.paused = nil
	}
	return out
}

// Held estimates the memory this peer's data takes in the machine: its bytes, and its decoded
// form if kept. Decoded data measured 9.7× its bytes for a 575-byte one (a fold of one call),
// 4.8× for 2.2 KB and 3.6× for 19 KB (a fold of 100): some 4 KiB and 4× its bytes.
func (m *Machine) Held() int {
	n := len(m.Data())
	if m.decoded != nil {
		n += 4<<10 + 4*n
	}
	return n
}

// Shed drops the decoded form of the data, keeping its bytes: for a machine that waits long
// with nothing to run (its data could not be saved), whose memory no bound counts then.
func (m *Machine) Shed() {
	m.Data()
	m.decoded, m.paused = nil, nil
}

// relay returns where a relay passes on data that arrived from the peer from. A client (a
// peer that listens nowhere) sends its particle to its relay whatever peer it is for, but the
// interpreter on the relay sees calls the client requested of another peer as the client's
// business and names no next peer for them (as the reference's does). So the node passes on:
//   - data from the particle's initiator to the peers of the calls the initiator requested
//     and no one answered yet (the client could not reach them itself);
//   - data from another peer, holding a call that peer requested of the initiator, to the
//     initiator, if this node has a connection to it (it is the initiator's relay, and the
//     other peer, unable to reach the initiator, sent it through the peer the particle came
//     from: particles.Send.From).
//
// Passing never runs anything here, and it sends to peers the initiator itself named, or to
// the initiator: it cannot make a particle go where its script does not lead.
func (m *Machine) relay(from string, out interpreter.Outcome) []Pass {
	self, init := m.params.CurrentPeerID, m.params.InitPeerID
	if from == "" || from == self || init == self || len(out.Awaited) == 0 {
		return nil
	}
	var pass []Pass
	seen := map[string]bool{self: true}
	for _, p := range out.NextPeers {
		seen[p] = true
	}
	for _, a := range out.Awaited {
		switch {
		case from == init && a.RequestedBy == init && !seen[a.Peer]:
			seen[a.Peer] = true
			pass = append(pass, Pass{To: a.Peer})
		case from != init && a.Peer == init && a.RequestedBy == from && !seen[init]:
			seen[init] = true
			pass = append(pass, Pass{To: init, IfConnected: true})
		}
	}
	return pass
}
