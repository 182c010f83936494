package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
)

// dialError is the error of a failed connection to the relay, in one line. libp2p's own lists
// each address it tried on a line of its own, under two layers of "failed to dial"; this keeps
// the addresses and their causes ("ADDR: cause; ADDR: cause") and still unwraps to libp2p's
// error, so errors.Is and errors.As see through it.
func dialError(ctx context.Context, relay peer.ID, err error, took time.Duration) error {
	var msg string
	var de *swarm.DialError
	if ctx.Err() != nil { // the caller gave up: unwrap to why
		err = ctx.Err()
	}
	switch { // the first case that fits says best what went wrong
	case errors.Is(err, context.DeadlineExceeded): // the caller's deadline or dialTimeout
		msg = fmt.Sprintf("no connection after %v", took.Round(time.Millisecond))
	case ctx.Err() != nil:
		msg = err.Error()
	case errors.As(err, &de) && len(de.DialErrors) > 0: // each address's own failure
		parts := make([]string, len(de.DialErrors))
		for i, te := range de.DialErrors {
			parts[i] = fmt.Sprintf("%s: %s", te.Address, oneLine(te.Cause.Error()))
		}
		msg = strings.Join(parts, "; ")
		if de.Skipped > 0 {
			msg += fmt.Sprintf("; and %d more addresses", de.Skipped)
		}
	case errors.As(err, &de) && de.Cause != nil: // no address tried (e.g. a dial backoff)
		msg = oneLine(de.Cause.Error())
	default:
		msg = oneLine(err.Error())
	}
	return &flatError{msg: fmt.Sprintf("connecting to the relay %s: %s", relay, msg), err: err}
}

// flatError is an error with a message of its own that unwraps to the error it stands for:
// the message is for people, the wrapped error for errors.Is and errors.As.
type flatError struct {
	msg string
	err error
}

func (e *flatError) Error() string { return e.msg }
func (e *flatError) Unwrap() error { return e.err }

// oneLine joins the lines of s with "; ", without their indentation and list bullets.
func oneLine(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimLeft(strings.TrimSpace(l), "* "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}
