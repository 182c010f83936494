package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/client"
	"github.com/aquanet/aquanet/interpreter/value"
)

// holdOnRelay spawns a service "hold" on the relay whose call waits until the test releases
// it: the particle is then out, on the relay. It returns a channel that is sent to when the
// call starts, and the release.
func holdOnRelay(t *testing.T, r *relay) (started <-chan struct{}, release func()) {
	t.Helper()
	begun := make(chan struct{}, 1)
	released := make(chan struct{})
	h := service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
		begun <- struct{}{}
		<-released
		return value.String("held"), nil
	})
	if err := r.Node.Spawn(testCtx(t), "hold", h); err != nil {
		t.Fatal(err)
	}
	var done bool
	release = func() {
		if !done {
			done = true
			close(released)
		}
	}
	t.Cleanup(release) // before the relay stops: cleanups run last first
	return begun, release
}

func holdScript(relayID string) string {
	return fmt.Sprintf(`
(seq
  (call "%s" ("hold" "it") [] x)
  (call %%init_peer_id%% ("callbackSrv" "response") [x]))`, relayID)
}

// A relay that dies while it holds the particle ends the run at once, with an error that says
// so: nothing can come back. Before, the run waited its whole TTL and then said that nothing
// came back in time. The Client's next Run fails at once too, naming the relay.
func TestRelayLostEndsTheRun(t *testing.T) {
	r := newRelay(t)
	started, _ := holdOnRelay(t, r)
	c := dial(t, r)
	go func() {
		<-started
		r.tr.Close() // the relay's process is gone, as far as the client can tell
	}()
	start := time.Now()
	_, err := c.Run(testCtx(t), holdScript(r.ID), nil, client.WithTTL(10*time.Minute))
	var lost *client.RelayLostError
	if !errors.As(err, &lost) || lost.Relay != r.ID {
		t.Fatalf("err = %v, want a *RelayLostError naming the relay", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("the run took %v to end; the TTL was 10 minutes", took)
	}
	if !strings.Contains(err.Error(), "connection to the relay closed") || !strings.Contains(err.Error(), r.ID) {
		t.Fatalf("err %q does not say that the relay's connection closed, or name it", err)
	}

	_, err = c.Run(testCtx(t), holdScript(r.ID), nil, client.WithTTL(10*time.Minute))
	var undelivered *client.UndeliveredError
	if !errors.As(err, &undelivered) || undelivered.Peer != r.ID {
		t.Fatalf("the next run: err = %v, want an *UndeliveredError naming the relay", err)
	}
}

// A connection to the relay that breaks while the relay lives is made again at once: the
// run hears of it, goes on, and gets its answer.
func TestRelayConnectionMadeAgain(t *testing.T) {
	r := newRelay(t)
	started, release := holdOnRelay(t, r)
	c := dial(t, r)
	self, err := peer.Decode(c.PeerID())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(testCtx(t), 30*time.Second)
	defer cancel()
	go func() {
		select {
		case <-started:
		case <-ctx.Done():
			return
		}
		r.tr.Host().Network().ClosePeer(self) //nolint:errcheck // the test's fault
	}()
	heard := make(chan *client.NoAnswerError, 8)
	onNotice := func(n *client.NoAnswerError) {
		heard <- n
		release() // only now: the answer must come over the connection made again
	}
	res, err := c.Run(ctx, holdScript(r.ID), nil, client.WithTTL(10*time.Minute), client.OnNotice(onNotice))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := res.Response(); !ok || len(got) != 1 || got[0].String() != `"held"` {
		t.Fatalf("response %v, %v; want [held]", got, ok)
	}
	select {
	case n := <-heard:
		if !n.Lost || n.Peer != r.ID || !strings.Contains(n.What(), "connected again") {
			t.Fatalf("notice %+v (%s), want the relay's connection lost and made again", n, n.What())
		}
	default:
		t.Fatal("no notice of the lost connection")
	}
}
