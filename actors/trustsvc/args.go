package trustsvc

import (
	"fmt"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

// argReader reads a call's arguments in order, each by the name Fluence's trust-graph.aqua gives
// it, so that a function's code is its own logic only. The first failure stops the reading:
// later reads return zero values, and fail answers the call. An argument that cannot be read
// fails in one of two ways (errors_test.go pins which, function by function):
//   - a number, bytes or text (expires_at_sec, trust_bytes, insert_cert_raw's certificate…)
//     fails the call, as nox's argument readers do;
//   - a peer id, a timestamp_sec, a trust, a certificate or a revocation is the result's error
//     ({success: false, error}), as Fluence's service answers when it cannot parse one.
type argReader struct {
	s     *Service
	args  []value.Value
	next  int   // the index of the next argument to read
	err   error // the first failure
	fatal bool  // err fails the call rather than being the result's error
}

// onFailure says how an argument that cannot be read fails (see argReader).
type onFailure bool

const (
	failResult onFailure = false
	failCall   onFailure = true
)

func (s *Service) read(args []value.Value) *argReader { return &argReader{s: s, args: args} }

// readArg reads the next argument, named name, with read (which has the form of package
// builtin's readers), unless a read failed before.
func readArg[T any](a *argReader, name string, how onFailure, read func([]value.Value, int, string) (T, error)) T {
	i := a.next
	a.next++
	var v T
	if a.err != nil {
		return v
	}
	v, err := read(a.args, i, name)
	if err != nil {
		a.err, a.fatal = err, bool(how)
	}
	return v
}

// check records err, if any, as the result's error, unless a read failed before: for what a
// function finds wrong with arguments it has read.
func (a *argReader) check(err error) {
	if a.err == nil {
		a.err = err
	}
}

// fail answers a call whose reading failed: the call's failure, or a result of shape sh saying
// why.
func (a *argReader) fail(sh shape) (value.Value, error) {
	if a.fatal {
		return value.Value{}, a.err
	}
	return sh.fail(a.err), nil
}

func (a *argReader) u64(name string) uint64 { return readArg(a, name, failCall, builtin.Uint64Arg) }

// peerText reads a peer id, and also returns it as the caller gave it ("" if not a string).
func (a *argReader) peerText(name string) (string, trust.PublicKey) {
	text, _ := builtin.StringArg(a.args, a.next, name)
	return text, a.peer(name)
}

func (a *argReader) peer(name string) trust.PublicKey {
	return readArg(a, name, failResult, valueArg(peerValue))
}

// signature reads the bytes of an Ed25519 signature: bytes of the wrong shape fail the call,
// bytes of the wrong length are the result's error.
func (a *argReader) signature(name string) []byte {
	sig := readArg(a, name, failCall, builtin.BytesArg)
	if a.err == nil && len(sig) != 64 {
		a.check(fmt.Errorf("%s: a signature of %d bytes, want 64 (Ed25519)", name, len(sig)))
	}
	return sig
}

// time reads a timestamp_sec argument: the caller's idea of now (Fluence's service required it
// to come from peer.timestamp_sec). The node's own clock decides, and time returns the node's
// now; a timestamp more than the graph's skew away from it is refused, so that nobody can
// check a trust at a time of their choosing (Fluence's insert_cert let them).
func (a *argReader) time() uint64 {
	return readArg(a, "timestamp_sec", failResult, func(args []value.Value, i int, name string) (uint64, error) {
		ts, err := builtin.Uint64Arg(args, i, name)
		if err != nil {
			return 0, err
		}
		now, skew := a.s.now(), a.s.skew()
		if ts+skew < now || ts > now+skew {
			return 0, fmt.Errorf("%s %d is not this node's time (%d): pass peer.timestamp_sec", name, ts, now)
		}
		return now, nil
	})
}

func (a *argReader) trust(name string) trust.Trust {
	return readArg(a, name, failResult, valueArg(trustObject))
}

func (a *argReader) certificate(name string) trust.Certificate {
	return readArg(a, name, failResult, valueArg(certificateObject))
}

// certificateText reads a certificate in Fluence's text form: what is not a string fails the
// call, a string that does not parse is the result's error.
func (a *argReader) certificateText(name string) trust.Certificate {
	text := readArg(a, name, failCall, builtin.StringArg)
	if a.err != nil {
		return trust.Certificate{}
	}
	c, err := trust.ParseCertificate(text)
	a.check(err)
	return c
}

func (a *argReader) revocation(name string) trust.Revocation {
	return readArg(a, name, failResult, valueArg(revocationObject))
}

// valueArg makes a reader of a value named name into a reader of argument i, failing as nox
// does when there is none.
func valueArg[T any](read func(v value.Value, name string) (T, error)) func([]value.Value, int, string) (T, error) {
	return func(args []value.Value, i int, name string) (T, error) {
		if i >= len(args) {
			var zero T
			return zero, builtin.MissingField(name)
		}
		return read(args[i], name)
	}
}
