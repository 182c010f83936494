package client

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// DefaultTTL is a particle's time to live when Run is not given WithTTL.
const DefaultTTL = 30 * time.Second

// RejectedError is the error of a run whose particle the relay refused as it arrived (it was
// expired, its TTL over the relay's limit, its signature bad...): the run ends at once.
type RejectedError struct {
	Peer   string // the relay
	Reason string // why, as the relay said it
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("the relay %s refused the particle: %s", e.Peer, e.Reason)
}

// NoAnswerError is the error of a run that expired after its relay said it could not send the
// particle on to Peer, or that the script failed on Peer (core.Notice), or after the
// connection to the relay closed and was made again. errors.Is(err, ErrExpired) holds for it
// too.
type NoAnswerError struct {
	Peer    string // the peer the relay (or By) could not reach, or where the script failed, or that refused the particle
	By      string // the peer past the relay that could not send the particle to Peer; empty: the relay
	Failed  bool   // the script failed on Peer
	Refused bool   // Peer, past the relay, refused the particle as it arrived (the relay passed its notice on)
	Back    bool   // Peer is this client: the relay could not send the particle back (one grown over the size limit)
	Lost    bool   // Peer is the relay: its connection closed while the particle was out, and the client connected again
	Reason  string // what the relay said, in a line
}

func (e *NoAnswerError) Error() string { return fmt.Sprintf("%v: %s", ErrExpired, e.What()) }

// What says what the relay said, without the TTL's end: what OnNotice's callers print as it
// comes.
func (e *NoAnswerError) What() string {
	if e.Failed {
		return fmt.Sprintf("the script failed on %s: %s", e.Peer, e.Reason)
	}
	if e.Refused {
		return fmt.Sprintf("%s refused the particle as it arrived: %s", e.Peer, e.Reason)
	}
	if e.By != "" {
		return fmt.Sprintf("no answer from %s: %s, past the relay, could not send the particle there (%s)", e.Peer, e.By, e.Reason)
	}
	if e.Back {
		return fmt.Sprintf("the relay could not send the particle back to this client (%s)", e.Reason)
	}
	if e.Lost {
		return fmt.Sprintf("the connection to the relay %s closed while the particle was out; the client connected again, but what the relay held of the particle may be lost", e.Peer)
	}
	return fmt.Sprintf("no answer from %s: the relay could not send the particle there (%s)", e.Peer, e.Reason)
}

// noAnswer is the error a run that expires after notice n ends with.
func (c *Client) noAnswer(n core.Notice) *NoAnswerError {
	return &NoAnswerError{Peer: n.Peer, By: n.By, Failed: n.Failed, Refused: n.Rejected,
		Back: !n.Failed && !n.Rejected && n.By == "" && n.Peer == c.self.String(), Reason: n.Reason}
}

// Unwrap makes errors.Is(err, ErrExpired) hold.
func (e *NoAnswerError) Unwrap() error { return ErrExpired }

// GrownTooLargeError is the error of a run whose particle the relay, or a peer past it, could
// not send back to the client because it grew over the size limit of a particle (that peer's,
// and by default the client's). A particle's data only grows, so nothing of it can come back:
// the run ends as soon as the relay says so.
type GrownTooLargeError struct {
	Relay  string
	By     string // the peer past the relay that could not send it back; empty: the relay
	Reason string // what the relay said, in a line
}

func (e *GrownTooLargeError) Error() string {
	if e.By != "" {
		return fmt.Sprintf("the particle grew too large to come back: %s, past the relay %s, could not send it back (%s)", e.By, e.Relay, e.Reason)
	}
	return fmt.Sprintf("the particle grew too large to come back: the relay %s could not send it to this client (%s)", e.Relay, e.Reason)
}

// RelayLostError is the error of a run whose relay's connection closed while the particle was
// out, when the client could not connect to the relay again at once: nothing can come back,
// so the run ends there. (When it could, the run goes on, and OnNotice hears of it.) The
// Client dials the relay again for its later Runs.
type RelayLostError struct {
	Relay string
	Err   error // why connecting again failed
}

func (e *RelayLostError) Error() string {
	return fmt.Sprintf("the connection to the relay closed while the particle was out; %v", e.Err)
}

func (e *RelayLostError) Unwrap() error { return e.Err }

// UndeliveredError is the error of a run whose particle the client's transport gave up after
// sending it: the peer could not be dialled, or the write failed. The particle went nowhere,
// so the run ends there.
type UndeliveredError struct {
	Peer string
	Err  error
}

func (e *UndeliveredError) Error() string {
	return fmt.Sprintf("the particle could not be sent to %s: %v", e.Peer, e.Err)
}

func (e *UndeliveredError) Unwrap() error { return e.Err }

// ErrExpired is the error of a run whose script did not complete on the client within the
// particle's TTL: a peer on its way may be unreachable, or a call failed there with nothing to
// catch it.
var ErrExpired = errors.New("the script did not complete within its TTL")

// ErrScriptFailed is the error of a run whose script called errorHandlingSrv (how Aqua reports
// an error to the caller). The calls are in the Result's Events.
var ErrScriptFailed = errors.New("the script reported an error")

// RunError is the error of a run once its particle exists: it names the particle, so that the
// run can be found in the nodes' logs and metrics. Err is the cause: ErrExpired, ErrScriptFailed,
// ErrClosed, the context's error, an interpreter error, a *RelayLostError, an
// *UndeliveredError, a *GrownTooLargeError or a transport error (a
// *p2p.TooLargeError for a particle whose data grew over the limit of a particle: it was not
// sent, as the relay would not take it).
type RunError struct {
	ParticleID string
	Err        error
}

func (e *RunError) Error() string {
	var tooLarge *p2p.TooLargeError
	if errors.As(e.Err, &tooLarge) && tooLarge.ParticleID == e.ParticleID {
		return tooLarge.Error() // it names the particle already
	}
	return fmt.Sprintf("particle %s: %v", e.ParticleID, e.Err)
}

// Unwrap returns Err, for errors.Is and errors.As.
func (e *RunError) Unwrap() error { return e.Err }

var _ error = (*RunError)(nil)

// Event is a call the script made to callbackSrv, return or errorHandlingSrv on the client.
// Aqua compiles a function's result to callbackSrv.response, each call of a callback argument
// to callbackSrv.<its name>, and an error the function does not catch to errorHandlingSrv.
type Event struct {
	// Service is callbackSrv, return or errorHandlingSrv.
	Service string
	// Function is the function the script called, e.g. response.
	Function string
	// Args are the call's arguments, as the script passed them.
	Args []value.Value
	// Error is set for a call to errorHandlingSrv. Its arguments are usually the error
	// (%last_error%: an object with a message and ret_code) and a number that says where
	// the script caught it.
	Error bool
}

// Result is what came back from a run.
type Result struct {
	// ParticleID is the id of the run's particle.
	ParticleID string
	// Events are the calls to callbackSrv, return and errorHandlingSrv, in the order the
	// client served them.
	Events []Event
}

// Response returns the arguments of the first call to callbackSrv.response or to return: what
// an Aqua function returns to its caller. It reports false if there was none.
func (r *Result) Response() ([]value.Value, bool) {
	for _, e := range r.Events {
		if (e.Service == "callbackSrv" && e.Function == "response") || e.Service == "return" {
			return e.Args, true
		}
	}
	return nil, false
}

// RunOption configures Run.
type RunOption func(*runConfig)

// runConfig is what the RunOptions set.
type runConfig struct {
	ttl      time.Duration        // the particle's TTL, and Run's longest wait
	onEvent  func(Event)          // nil: events only go to the Result
	onNotice func(*NoAnswerError) // nil: notices only go to the error at the TTL's end
}

// WithTTL sets the particle's time to live, which is also the longest Run waits; default
// DefaultTTL. It is counted in whole milliseconds, at least one.
func WithTTL(ttl time.Duration) RunOption { return func(c *runConfig) { c.ttl = ttl } }

// OnEvent makes Run call f with each Event as the client serves it, before the script goes
// on, on Run's goroutine: a stream of results for scripts that call back more than once. The
// events are in the Result too.
func OnEvent(f func(Event)) RunOption { return func(c *runConfig) { c.onEvent = f } }

// OnNotice makes Run call f, on Run's goroutine, as soon as the relay says that it could not
// send the particle on, that the script failed on a peer, or that a peer it sent the particle
// to refused it (the error the run ends with at the TTL's end if nothing else comes back).
// Run waits on: another branch of the script may still complete. A caller that knows its
// script has no such branch can stop there (cancel ctx).
func OnNotice(f func(*NoAnswerError)) RunOption { return func(c *runConfig) { c.onNotice = f } }

// Run starts a particle with script and runs it until it completes on the client (its root
// instruction completed and no call is waiting), fails, its TTL ends or ctx is done. args are
// what getDataSrv returns, by name.
//
// Once the particle exists, Run returns its Result, with the events served so far, together
// with any error, a *RunError: errors.Is(err, ErrExpired) tells a TTL that ran out,
// errors.Is(err, ErrScriptFailed) a call to errorHandlingSrv. A Run that did not start (a bad
// option, a closed client) returns a nil Result.
func (c *Client) Run(ctx context.Context, script string, args map[string]value.Value, opts ...RunOption) (*Result, error) {
	cfg := runConfig{ttl: DefaultTTL}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.ttl < time.Millisecond || cfg.ttl.Milliseconds() > math.MaxUint32 {
		return nil, fmt.Errorf("client: TTL %v: want between 1ms and %v", cfg.ttl, time.Duration(math.MaxUint32)*time.Millisecond)
	}
	p := particle.Particle{ID: newParticleID(), InitPeerID: c.self, Timestamp: uint64(time.Now().UnixMilli()),
		TTL: uint32(cfg.ttl.Milliseconds()), MaxHops: particle.DefaultMaxHops, Script: script, Certificate: c.certificate}
	if err := p.Sign(c.priv); err != nil {
		return nil, fmt.Errorf("client: signing the particle: %w", err)
	}
	inbox := make(chan particle.Particle, inboxLen)
	c.mu.Lock()
	if c.isClosed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.runs[p.ID] = inbox
	heard := make(chan core.Notice, maxNotices)
	c.heard[p.ID] = heard
	lost := make(chan error, 1)
	c.lost[p.ID] = lost
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.runs, p.ID)
		delete(c.notices, p.ID)
		delete(c.heard, p.ID)
		delete(c.lost, p.ID)
		c.mu.Unlock()
	}()

	r := &run{c: c, p: p, args: args, onEvent: cfg.onEvent, onNotice: cfg.onNotice, inbox: inbox, heard: heard, lost: lost, res: &Result{ParticleID: p.ID}}
	// The particle's own deadline, not a timer from now: signing and registering took time
	// that the TTL counts too, and the peers expire the particle at this very instant.
	deadline, cancel := context.WithDeadline(ctx, time.UnixMilli(int64(p.Timestamp)+int64(p.TTL)))
	defer cancel()
	if err := r.loop(ctx, deadline); err != nil {
		if errors.Is(err, ErrExpired) {
			c.mu.Lock()
			notices := c.notices[p.ID]
			c.mu.Unlock()
			switch {
			case r.first != nil:
				err = r.first
			case len(notices) > 0: // it came as the TTL ended
				err = c.noAnswer(notices[0])
			}
		}
		return r.res, &RunError{ParticleID: p.ID, Err: err}
	}
	return r.res, nil
}

// run is one Run's particle on the client. Only Run's goroutine touches it.
type run struct {
	c        *Client
	p        particle.Particle
	args     map[string]value.Value
	onEvent  func(Event)
	onNotice func(*NoAnswerError)
	inbox    chan particle.Particle
	heard    chan core.Notice
	lost     chan error
	first    *NoAnswerError // the first notice the run heard: its error if it expires
	res      *Result
	failed   int // calls to errorHandlingSrv
}

// loop drives the particle's state machine: it runs the interpreter while there is something
// to run, sends the particle where the script says, serves the client's calls, and waits for
// the particle to come back.
//
// NB: the machine is the one a node runs for each particle (package actors/particles), here
// driven by a plain loop instead of an actor: the client serves its calls at once, on this
// goroutine, so the answers go into the next step without a message round trip.
func (r *run) loop(ctx, deadline context.Context) error {
	self := r.c.self.String()
	m := particles.New(r.p.Script, interpreter.Params{InitPeerID: self, CurrentPeerID: self, Timestamp: r.p.Timestamp,
		TTL: r.p.TTL, ParticleID: r.p.ID, Key: r.c.key, SignOnlyToSend: true, ParseCache: r.c.parsed, Limits: r.c.limits})
	m.Arrive(nil) // the start: no data yet, as on any initiator
	for {
		for m.Ready() {
			e := m.Step()
			if e.RetCode != 0 {
				return fmt.Errorf("interpreter error %d on the client: %s", e.RetCode, e.Error)
			}
			for _, to := range e.Forward {
				if err := r.send(to, e.Data); err != nil {
					return err
				}
			}
			for _, call := range e.Calls {
				m.Result(call.ID, r.serve(call))
			}
			// The end on the client: the root instruction completed (a par completes with its
			// first branch) and nothing is left for this peer to do. A run that has more to
			// do here goes on, even if the script is complete, so that no callback is lost.
			if e.Complete && m.Idle() {
				if r.failed > 0 {
					return fmt.Errorf("%w (%d call(s) to errorHandlingSrv)", ErrScriptFailed, r.failed)
				}
				return nil
			}
		}
		// Nothing to run: wait for the particle to come back, or for the run to end.
		select {
		case in := <-r.inbox:
			m.Arrive(in.Data)
		case <-deadline.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return ErrExpired
		case n := <-r.heard:
			if n.Rejected && n.Peer == r.c.relay.ID.String() {
				// The relay refused it: it went nowhere. A refusal further on (the relay
				// passes on what the peers it sent the particle to said) is heard of below:
				// another branch of the script may still come back.
				return &RejectedError{Peer: n.Peer, Reason: n.Reason}
			}
			if n.TooLarge && n.Peer == self {
				return &GrownTooLargeError{Relay: r.c.relay.ID.String(), By: n.By, Reason: n.Reason}
			}
			r.heardOf(r.c.noAnswer(n))
		case err := <-r.lost:
			if err != errRelayBack {
				return err
			}
			r.heardOf(&NoAnswerError{Peer: r.c.relay.ID.String(), Lost: true, Reason: "the connection closed"})
		case <-r.c.closed:
			return ErrClosed
		}
	}
}

// heardOf tells OnNotice's function of a notice, and keeps the first for the error at the
// TTL's end.
func (r *run) heardOf(n *NoAnswerError) {
	if r.first == nil {
		r.first = n
	}
	if r.onNotice != nil {
		r.onNotice(n)
	}
}

// send sends the particle with data to the peer to: directly if the client is connected to
// it, else through the relay, which runs the script up to the same point and forwards it.
func (r *run) send(to string, data []byte) error {
	if to != r.c.relay.ID.String() && !r.c.tr.Connected(to) {
		to = r.c.relay.ID.String()
	}
	out := r.p
	out.Data = data
	if err := r.c.tr.Send(to, out); err != nil {
		select {
		case <-r.c.closed: // the transport failed because Close stopped it
			return ErrClosed
		default:
		}
		var tooLarge *p2p.TooLargeError
		if errors.As(err, &tooLarge) {
			// Too large for any peer with the client's limit (the relay's, by default): it
			// went nowhere, and where it was for says nothing.
			return tooLarge
		}
		return fmt.Errorf("sending the particle to %s: %w", to, err)
	}
	return nil
}

// newParticleID returns a random UUID (version 4), the form Fluence's clients use. It is
// random rather than counted so that no two clients' particles share an id: nodes tell
// particles apart by (id, init peer) and drop replays of an id they have seen.
func newParticleID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
