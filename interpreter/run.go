// Package interpreter runs AIR scripts: a pure function from a script, the data this peer had,
// the data that arrived, and the results of the calls it asked its host to make, to new data,
// the peers the particle must go to next, and the calls to make now. It follows the reference
// interpreter, AquaVM 0.62 (../shared/AIR.md); the same inputs always give byte-identical outputs.
//
// The package does no I/O, reads no clock and starts no goroutines: everything comes in through
// the arguments of Run.
package interpreter

import (
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Params are the facts of one run that do not come from the data.
type Params struct {
	InitPeerID    string // the particle's initiator, as a peer id string (12D3KooW...)
	CurrentPeerID string // the peer running the script
	Timestamp     uint64 // the particle's timestamp, ms since the Unix epoch
	TTL           uint32 // the particle's ttl, ms
	ParticleID    string
	Key           ed25519.PrivateKey // the current peer's key: it signs the CIDs this peer produces
	Limits        Limits
	// SignOnlyToSend skips the signing (an ed25519 signature, the costliest step of a short
	// run) when the run sends the data to no peer: only the peers that receive data check its
	// signatures, and a run that sends signs everything this peer produced so far, so the data
	// that leaves the peer is byte for byte the reference's. The data of a run that did not
	// sign carries this peer's signature from its last run that did (or none); it is for this
	// peer to keep as previous data. The reference signs on every run.
	SignOnlyToSend bool
	// EncodeOnlyToSend leaves Outcome.Data nil after a run that sends the data to no peer and
	// succeeds (Outcome.Decoded is set): the caller that keeps the data decoded between runs
	// (RunDecoded, ResumeDecoded) encodes it when it needs the bytes (Outcome.Decoded.Encode),
	// and must do so before its next run, which changes Decoded in place. Encoding copies the
	// whole data, the trace grown by every call so far: a particle that makes many calls on
	// this peer without sending, as a fold with seq does, would pay for its whole history on
	// every run.
	EncodeOnlyToSend bool
	// ParseCache keeps the trees of scripts run before, for the node's runs to share; nil
	// parses the script on every run.
	ParseCache *ParseCache
	// Now tells the time, in ms since the Unix epoch, for the run to stop once the particle's
	// deadline (Timestamp+TTL) has passed (CodeDeadlinePassed). The run calls it at most once
	// every 1024 steps, so a slow clock costs little; nil checks no deadline. It is the
	// caller's clock, so that the package reads none.
	Now func() int64
}

// Limits bound what one run accepts and spends; zero fields take the defaults. Exceeding a
// size limit is the reference's preparation error 10 (SizeLimitsExceeded); exceeding a budget is
// aquanet's CodeStepBudgetExceeded or CodeMemoryBudgetExceeded (see budget for what counts).
// Either way the data is left as it was.
type Limits struct {
	MaxScript     int // bytes of AIR; default 1 MiB
	MaxData       int // bytes of current data; default 64 MiB
	MaxCallResult int // bytes of one call result; default 64 MiB
	MaxSteps      int // instructions and fold iterations of one run; default DefaultMaxSteps
	MaxMemory     int // estimated bytes of the values one run binds; default DefaultMaxMemory
	// MaxStreamSize bounds a stream's (and a stream map's) values; default StreamMaxSize, the
	// reference's. Raise it only where every peer of the script's particles runs aquanet: a
	// reference peer refuses data whose streams are bigger than its bound.
	MaxStreamSize int
}

// Default size limits.
const (
	DefaultMaxScript     = 1 << 20
	DefaultMaxData       = 64 << 20
	DefaultMaxCallResult = 64 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxScript <= 0 {
		l.MaxScript = DefaultMaxScript
	}
	if l.MaxData <= 0 {
		l.MaxData = DefaultMaxData
	}
	if l.MaxCallResult <= 0 {
		l.MaxCallResult = DefaultMaxCallResult
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = DefaultMaxSteps
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = DefaultMaxMemory
	}
	if l.MaxStreamSize <= 0 {
		l.MaxStreamSize = StreamMaxSize
	}
	return l
}

// CallResult is what the host reports for one call request: ret code 0 and the JSON text of the
// result, or a non-zero ret code and an error (as JSON text too).
type CallResult struct {
	RetCode int32
	Result  string
}

// Awaited is a call (or a canon) that waits for Peer to make it, requested by the peer
// RequestedBy (which sent the particle to Peer, or tried to).
type Awaited struct{ Peer, RequestedBy string }

// CallRequest is a call the host must make on this peer.
type CallRequest struct {
	ID         uint32
	Service    string
	Function   string
	Args       []value.Value
	Tetraplets [][]data.Tetraplet // one list per argument
}

// Outcome is the result of one run.
type Outcome struct {
	// RetCode is 0 on success, else an error code of the reference (AIR.md §5).
	RetCode      int64
	ErrorMessage string
	// Data is the new data: the encoding of data.Data. After an uncatchable or preparation
	// error it is the previous data, unchanged (Run), or nil (RunDecoded); with
	// Params.EncodeOnlyToSend, nil after a run that sends it nowhere.
	Data []byte
	// Decoded is the new data decoded, for the next RunDecoded; nil when the data was left as
	// it was. It must not be modified.
	Decoded *data.Data
	// NextPeers are the peers to send the particle to, sorted and without duplicates.
	NextPeers []string
	// CallRequests are the calls to make on this peer, sorted by ID.
	CallRequests []CallRequest
	// Awaited are the calls and canons another peer requested that wait, unanswered, for a peer that is
	// not this one, as this run met them (sorted, without duplicates). The reference reports no
	// such thing and neither does the data: the node uses it to act as a relay, passing on a
	// client's particle to the peers its client named but could not reach, and the answer back
	// to the client.
	Awaited []Awaited
	// Complete says the script ran to its end on this peer: its root instruction completed,
	// in AquaVM's sense (AIR.md §3.2; a par is complete once one of its branches is). A client
	// that started the particle takes it for the script's end.
	Complete bool
	// Steps and Memory are what the run spent of its budget (Limits.MaxSteps, MaxMemory); 0
	// when it stopped before executing the script.
	Steps, Memory int64
	// Paused, when not nil, is this run kept where it stopped, at the one call it asks for:
	// ResumeDecoded with Decoded and that call's result goes on from there instead of
	// replaying the script from its root. It holds the run's working state, about the size of
	// the trace, until it is dropped or used.
	Paused *Paused
	// Resumed says the run went on from a pause (ResumeDecoded): it kept prev's trace as it was
	// but for its last state (the paused call's, now answered), appended after it, and added
	// to prev's stores the keys of Added. A node saves such a run's changes alone
	// (data.AppendJournal).
	Resumed bool
	Added   *data.Additions
}

// Run executes script on the current peer. prevData is the data this peer kept from its last
// run of the particle (empty at first), currentData the data that arrived (empty when the host
// re-runs with call results), callResults the results of calls it requested. It never panics.
func Run(script string, prevData, currentData []byte, callResults map[uint32]CallResult, p Params) (out Outcome) {
	fail := func(code int64, format string, args ...any) Outcome {
		return Outcome{RetCode: code, ErrorMessage: fmt.Sprintf(format, args...), Data: prevData}
	}
	defer func() {
		if r := recover(); r != nil {
			out = fail(CodeTraceError, "internal interpreter error: %v", r)
		}
	}()
	if code, msg := checkSizes(script, currentData, p.Limits.withDefaults()); code != 0 {
		return fail(code, "%s", msg)
	}
	prev, err := data.Decode(prevData)
	if err != nil {
		return fail(decodeErrorCode(err), "failed to deserialize previous data: %v", err)
	}
	out = run(script, prev, false, currentData, callResults, p)
	if out.Decoded == nil {
		out.Data = prevData
	}
	return out
}

// RunDecoded is Run with this peer's previous data as the last run left it (Outcome.Decoded;
// nil for none), so that a host keeping a particle between runs spares each run decoding, and
// hashing to check, the whole of what it had, and copying its stores: a run then costs what it
// adds, not the history. The run takes prev over: once it returns a new Outcome.Decoded, which
// shares prev's stores, prev is stale and must not be used again. When Outcome.Decoded is nil
// (the data was left as it was; Outcome.Data is nil too) prev is as it was.
func RunDecoded(script string, prev *data.Data, currentData []byte, callResults map[uint32]CallResult, p Params) (out Outcome) {
	defer func() {
		if r := recover(); r != nil {
			out = Outcome{RetCode: CodeTraceError, ErrorMessage: fmt.Sprintf("internal interpreter error: %v", r)}
		}
	}()
	if code, msg := checkSizes(script, currentData, p.Limits.withDefaults()); code != 0 {
		return Outcome{RetCode: code, ErrorMessage: msg}
	}
	if prev == nil {
		prev = data.New()
	}
	return run(script, prev, true, currentData, callResults, p)
}

// checkSizes checks the size limits where, and reports them as, the reference checks them with
// its hard limits on: the script and the current data first (the call results once the data
// is read and the script parsed, in run).
func checkSizes(script string, currentData []byte, lim Limits) (int64, string) {
	switch {
	case len(script) > lim.MaxScript:
		return CodeSizeLimits, fmt.Sprintf("air size: %d bytes is bigger than the limit allowed: %d bytes", len(script), lim.MaxScript)
	case len(currentData) > lim.MaxData:
		return CodeSizeLimits, fmt.Sprintf("Current_data particle size: %d bytes is bigger than the limit allowed: %d bytes", len(currentData), lim.MaxData)
	}
	return 0, ""
}

// run is Run and RunDecoded once the previous data is decoded; it takes prev over. ownPrev
// says prev is what an earlier run produced (RunDecoded's promise), so its signatures need no
// grouping to merge with current data that carries none. On failure before the data changed,
// Outcome.Data and Decoded are nil.
func run(script string, prev *data.Data, ownPrev bool, currentData []byte, callResults map[uint32]CallResult, p Params) (out Outcome) {
	fail := func(code int64, format string, args ...any) Outcome {
		return Outcome{RetCode: code, ErrorMessage: fmt.Sprintf(format, args...)}
	}
	lim := p.Limits.withDefaults()
	cur, err := data.Decode(currentData)
	if err != nil {
		return fail(decodeErrorCode(err), "failed to deserialize current data: %v", err)
	}
	// The reference's messages for these are DataVerifierError's own, with nothing before.
	if err := cur.VerifySignatures(p.ParticleID); err != nil {
		return fail(CodeSignatureVerification, "%v", err)
	}
	var sigs map[string][]byte
	if ownPrev && len(cur.Signatures) == 0 {
		sigs = maps.Clone(prev.Signatures)
		if sigs == nil {
			sigs = map[string][]byte{}
		}
	} else if sigs, err = data.MergeSignatures(prev, cur); err != nil {
		return fail(CodeSignatureVerification, "%v", err)
	}
	parsed, err := p.ParseCache.Parse(script)
	if err != nil {
		return fail(CodeAIRParse, "%v", err)
	}
	for _, r := range callResults {
		if len(r.Result) > lim.MaxCallResult {
			// Naming no call, as the reference: which of several is too big is nobody's concern.
			return fail(CodeSizeLimits, "Call result size is bigger than the limit allowed: %d bytes", lim.MaxCallResult)
		}
	}

	// The run adds to the stores of prev, not to a copy of them, so that it costs what it adds.
	// A run that leaves the data as it was takes its additions out again when prev is the
	// caller's to keep (RunDecoded); Run's own decoding of prev is dropped then anyway.
	stores := prev.Stores
	// The run copies the stores it makes room in: prev's own are as they were if it fails.
	stores.Reserve(len(callResults))
	if ownPrev {
		var added data.Additions
		stores.Record(&added)
		defer func() {
			if out.Decoded == nil {
				stores.Undo(&added)
			}
		}()
	}
	stores.Merge(cur.Stores)
	x := &executor{
		p:           p,
		scalars:     newScalars(),
		streams:     streams{m: map[string][]streamScope{}, maxSize: lim.MaxStreamSize},
		maps:        streams{m: map[string][]streamScope{}, maxSize: lim.MaxStreamSize},
		trace:       newTraceHandler(prev.Trace, cur.Trace),
		stores:      stores,
		tetraplets:  map[data.Tetraplet]data.CID{},
		callResults: maps.Clone(callResults),
		lastCallID:  prev.LastCallID,
		nextPeers:   map[string]bool{},
		complete:    true,
		pausable:    true,
		lastError:   errorDescriptor{err: noError(), canSet: true},
		errorValue:  errorDescriptor{err: noError(), canSet: true},
		budget:      newBudget(lim, &p),
		memo:        ownPrev,
	}
	if x.callResults == nil {
		x.callResults = map[uint32]CallResult{}
	}
	if len(p.Key) == ed25519.PrivateKeySize {
		// Room for a CID per state the run replays (most are its own on a peer that keeps its
		// data), rather than growing the list call by call.
		x.produced = make([]data.CID, 0, len(prev.Trace)+len(cur.Trace))
	}
	return x.finish(x.exec(parsed.Root), sigs, script)
}

// finish ends a run whose script executed with the result execErr: the data it leaves, the
// peers to send it to, the calls to make, or the error that left the data as it was.
func (x *executor) finish(execErr *execError, sigs map[string][]byte, script string) (out Outcome) {
	fail := func(code int64, msg string) Outcome { return Outcome{RetCode: code, ErrorMessage: msg} }
	if x.paused == nil {
		x.scalars.release()
	}
	defer func() { out.Steps, out.Memory = x.budget.steps, x.budget.memory }()
	if execErr != nil && !execErr.catchable {
		return fail(execErr.code, execErr.msg)
	}

	for _, reg := range []*streams{&x.streams, &x.maps} {
		if err := reg.compactifyAll(x.trace); err != nil {
			return fail(err.code, err.msg)
		}
	}
	p := &x.p
	result := &data.Data{Trace: x.trace.result, LastCallID: x.lastCallID, Stores: x.stores, Signatures: sigs}
	result.Stores.Record(nil)
	if len(p.Key) == ed25519.PrivateKeySize && (!p.SignOnlyToSend || len(x.nextPeers) > 0) {
		pub := p.Key.Public().(ed25519.PublicKey)
		result.Signatures[string(pub)] = data.Sign(p.Key, x.produced, p.ParticleID)
	}
	out = Outcome{Decoded: result}
	if !p.EncodeOnlyToSend || len(x.nextPeers) > 0 {
		out.Data = result.Encode()
	}
	for peer := range x.nextPeers {
		out.NextPeers = append(out.NextPeers, peer)
	}
	slices.Sort(out.NextPeers)
	for a := range x.awaited {
		out.Awaited = append(out.Awaited, a)
	}
	slices.SortFunc(out.Awaited, func(a, b Awaited) int {
		return cmp.Or(strings.Compare(a.Peer, b.Peer), strings.Compare(a.RequestedBy, b.RequestedBy))
	})
	out.CallRequests = x.callRequests
	out.Complete = execErr == nil && x.complete
	switch {
	case execErr != nil:
		out.RetCode, out.ErrorMessage = execErr.code, execErr.msg
	case len(x.callResults) > 0:
		out.RetCode = CodeUnprocessedCallResult
		out.ErrorMessage = "after finishing execution of supplied AIR, there are some unprocessed call results: `" + debugCallResults(x.callResults) + "`, probably a wrong call_id used"
	}
	if x.paused != nil && out.RetCode == 0 {
		x.paused.keep(x, script, result)
		out.Paused = x.paused
	}
	return out
}

// decodeErrorCode is the preparation error code for a data.Decode error.
func decodeErrorCode(err error) int64 {
	if errors.Is(err, data.ErrUnsupportedVersion) {
		return CodeUnsupportedVersion
	}
	return CodeDataDecode
}

// debugCallResults renders leftover call results as the reference's error message does (Rust's
// Debug of its map; the reference's order is a hash map's, ours is sorted by id).
func debugCallResults(m map[uint32]CallResult) string {
	var b strings.Builder
	b.WriteString("{")
	for i, id := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: CallServiceResult { ret_code: %d, result: %s }", strconv.FormatUint(uint64(id), 10), m[id].RetCode, rustDebugString(m[id].Result))
	}
	b.WriteString("}")
	return b.String()
}

// rustDebugString quotes s as Rust's Debug for str does.
func rustDebugString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case 0:
			b.WriteString(`\0`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u{%x}`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
