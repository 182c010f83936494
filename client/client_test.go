package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/client"
	"github.com/aquanet/aquanet/interpreter/value"
)

// testCtx bounds a test's runs, far beyond any TTL the tests give: a run that ends by its own
// TTL ends long before.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, r *relay, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.Dial(testCtx(t), r.Addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// nowhere returns the peer id of a peer nobody knows: a particle for it is dropped on the way.
func nowhere(t *testing.T) string {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// Every callback comes back, to OnEvent as it is served and in the Result, in order; the
// response is the Result's Response.
func TestCallbacksComeBack(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	if c.RelayID() != r.ID || c.PeerID() == r.ID || !strings.HasPrefix(c.PeerID(), "12D3KooW") {
		t.Fatalf("client %s, relay %s (want the relay's id %s)", c.PeerID(), c.RelayID(), r.ID)
	}
	script := fmt.Sprintf(`
(seq
  (call %%init_peer_id%% ("callbackSrv" "log") ["before"])
  (seq
    (call "%s" ("op" "concat_strings") ["a" "b"] ab)
    (seq
      (call %%init_peer_id%% ("callbackSrv" "response") [ab 7])
      (call %%init_peer_id%% ("return" "") ["after"]))))`, r.ID)
	var streamed []client.Event
	res, err := c.Run(testCtx(t), script, nil, client.OnEvent(func(e client.Event) { streamed = append(streamed, e) }))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`callbackSrv.log ["before"]`, `callbackSrv.response ["ab",7]`, `return. ["after"]`}
	if got := describe(res.Events); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if got := describe(streamed); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("OnEvent saw %q, want %q", got, want)
	}
	if resp, ok := res.Response(); !ok || len(resp) != 2 || resp[0].String() != `"ab"` {
		t.Errorf("Response() = %v, %v", resp, ok)
	}
	if len(res.ParticleID) != 36 {
		t.Errorf("particle id %q is not a UUID", res.ParticleID)
	}
}

func describe(evs []client.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%s.%s %s", e.Service, e.Function, value.Array(e.Args...)))
	}
	return out
}

// A call to errorHandlingSrv fails the run with ErrScriptFailed, naming the particle; the
// error's event is in the Result.
func TestErrorHandlingSrvFailsTheRun(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	script := fmt.Sprintf(`
(xor
  (seq
    (call "%s" ("no-such-service" "f") [])
    (call %%init_peer_id%% ("callbackSrv" "response") ["unreachable"]))
  (call %%init_peer_id%% ("errorHandlingSrv" "error") [%%last_error%% 1]))`, r.ID)
	res, err := c.Run(testCtx(t), script, nil)
	if !errors.Is(err, client.ErrScriptFailed) {
		t.Fatalf("err = %v, want ErrScriptFailed", err)
	}
	var re *client.RunError
	if !errors.As(err, &re) || res == nil || re.ParticleID != res.ParticleID || !strings.Contains(err.Error(), res.ParticleID) {
		t.Fatalf("err %v does not name the particle (result %+v)", err, res)
	}
	if len(res.Events) != 1 || !res.Events[0].Error || !strings.Contains(res.Events[0].Args[0].String(), "no-such-service") {
		t.Fatalf("events %+v, want one errorHandlingSrv call about no-such-service", res.Events)
	}
	if _, ok := res.Response(); ok {
		t.Error("a failed run has a response")
	}
}

// A particle that cannot complete ends with ErrExpired when its TTL ends, not when the
// caller's context does.
func TestTTLExpiry(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	script := fmt.Sprintf(`
(seq
  (call "%s" ("op" "noop") [])
  (call %%init_peer_id%% ("callbackSrv" "response") []))`, nowhere(t))
	res, err := c.Run(testCtx(t), script, nil, client.WithTTL(time.Second))
	if !errors.Is(err, client.ErrExpired) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrExpired", err)
	}
	if res == nil || !strings.Contains(err.Error(), res.ParticleID) {
		t.Fatalf("err %v does not name the particle", err)
	}
}

// A particle whose data grew over the limit of a particle (4 MiB, the relay's too) is not
// sent: the run fails at once with an error that names the particle and both sizes, instead
// of waiting out a TTL the test's context does not even reach.
func TestOversizeParticleFailsTheRun(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	script := fmt.Sprintf(`
(seq
  (call %%init_peer_id%% ("getDataSrv" "big") [] big)
  (seq
    (call "%s" ("op" "noop") [big])
    (call %%init_peer_id%% ("callbackSrv" "response") [])))`, r.ID)
	big := map[string]value.Value{"big": value.String(strings.Repeat("x", 5<<20))}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.Run(ctx, script, big, client.WithTTL(10*time.Minute))
	var tooLarge *p2p.TooLargeError
	if !errors.As(err, &tooLarge) || res == nil || tooLarge.ParticleID != res.ParticleID {
		t.Fatalf("err = %v, want the particle's TooLargeError", err)
	}
	if tooLarge.Size <= 5<<20 || tooLarge.Limit != p2p.DefaultMaxParticleSize {
		t.Errorf("sizes %d and %d, want over 5 MiB and the default limit", tooLarge.Size, tooLarge.Limit)
	}
	want := regexp.MustCompile(`^particle ` + res.ParticleID + ` is 5,\d{3},\d{3} bytes, over the 4,194,304-byte limit of a particle$`)
	if !want.MatchString(err.Error()) {
		t.Errorf("the error reads %q, want it to match %s", err, want)
	}
}

// A particle whose data grows over the size limit on the relay cannot come back: the relay
// says so, and the run ends at once with that reason (its data only grows: it never will).
func TestParticleGrownTooLargeToComeBack(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	script := fmt.Sprintf(`
(seq
  (call %%init_peer_id%% ("getDataSrv" "big") [] big)
  (seq
    (seq
      (call "%[1]s" ("op" "concat_strings") [big big] b2)
      (call "%[1]s" ("op" "concat_strings") [b2 b2] b4))
    (call %%init_peer_id%% ("callbackSrv" "response") [])))`, r.ID)
	big := map[string]value.Value{"big": value.String(strings.Repeat("x", 1<<20))}
	start := time.Now()
	res, err := c.Run(testCtx(t), script, big, client.WithTTL(10*time.Minute))
	var tooLarge *client.GrownTooLargeError
	if !errors.As(err, &tooLarge) || errors.Is(err, client.ErrExpired) {
		t.Fatalf("err = %v, want a GrownTooLargeError", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("the run took %v to end; the TTL was 10 minutes", took)
	}
	if tooLarge.Relay != r.ID || !strings.Contains(tooLarge.Reason, "over the 4,194,304-byte limit of a particle") {
		t.Fatalf("%+v, want the relay's reason for not sending the particle back", tooLarge)
	}
	if want := "grew too large to come back"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), res.ParticleID) {
		t.Errorf("the error reads %q, want it to name the particle and say %q", err, want)
	}

	// Grown on a peer past the relay: that peer tells the relay, which tells the client, and
	// the error names it.
	middle := newRelay(t)
	if err := middle.tr.Bootstrap(testCtx(t), []string{r.Addr}); err != nil {
		t.Fatal(err)
	}
	script = strings.ReplaceAll(script, r.ID, middle.ID)
	_, err = c.Run(testCtx(t), script, big, client.WithTTL(10*time.Minute))
	if !errors.As(err, &tooLarge) || tooLarge.By != middle.ID || tooLarge.Relay != r.ID {
		t.Fatalf("err = %v, want a GrownTooLargeError naming %s past the relay %s", err, middle.ID, r.ID)
	}
	if want := middle.ID + ", past the relay " + r.ID + ", could not send it back"; !strings.Contains(err.Error(), want) {
		t.Errorf("the error reads %q, want it to say %q", err, want)
	}
}

// A service given to Serve is called by the script with the particle's context; its answer
// goes on to the relay and back; its error is a failed call that xor catches; without it the
// call fails as an unknown service.
func TestServedService(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	var calls []service.CallContext
	c.Serve("greeter", service.HandlerFunc(func(cc service.CallContext, fn string, args []value.Value) (value.Value, error) {
		calls = append(calls, cc)
		name, ok := args[0].Str()
		if fn != "greet" || !ok {
			return value.Value{}, fmt.Errorf("greeter: no %s(%v)", fn, args)
		}
		return value.String("hello, " + name), nil
	}))
	script := fmt.Sprintf(`
(seq
  (call %%init_peer_id%% ("getDataSrv" "name") [] name)
  (seq
    (xor
      (call %%init_peer_id%% ("greeter" "greet") [name] greeting)
      (call %%init_peer_id%% ("getDataSrv" "fallback") [] greeting))
    (seq
      (call "%s" ("op" "concat_strings") [greeting "!"] answer)
      (call %%init_peer_id%% ("callbackSrv" "response") [answer]))))`, r.ID)
	for _, tc := range []struct {
		name any
		want string
	}{
		{"alice", `"hello, alice!"`},
		{42, `"fallback!"`}, // the handler's error, caught
	} {
		args := map[string]value.Value{"name": value.String(fmt.Sprint(tc.name)), "fallback": value.String("fallback")}
		if n, ok := tc.name.(int); ok {
			args["name"] = value.Int(int64(n))
		}
		res, err := c.Run(testCtx(t), script, args)
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := res.Response(); len(resp) != 1 || resp[0].String() != tc.want {
			t.Errorf("name %v: response %v, want %s", tc.name, resp, tc.want)
		}
		cc := calls[len(calls)-1]
		if cc.ParticleID != res.ParticleID || cc.InitPeerID != c.PeerID() || cc.Service != "greeter" || cc.Deadline() <= cc.Timestamp {
			t.Errorf("call context %+v (particle %s, client %s)", cc, res.ParticleID, c.PeerID())
		}
	}

	c.Serve("greeter", nil)
	_, err := c.Run(testCtx(t), `(call %init_peer_id% ("greeter" "greet") ["x"] r)`, nil)
	if err == nil || !strings.Contains(err.Error(), "Service with id 'greeter' not found") {
		t.Fatalf("after Serve(nil): %v", err)
	}
}

// A panicking handler fails its call, and the run goes on to catch it.
func TestServedServicePanics(t *testing.T) {
	c := dial(t, newRelay(t))
	c.Serve("bad", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
		panic("boom")
	}))
	res, err := c.Run(testCtx(t), `
(xor
  (call %init_peer_id% ("bad" "f") [])
  (call %init_peer_id% ("callbackSrv" "response") [%last_error%.$.message]))`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := res.Response(); len(resp) != 1 || !strings.Contains(resp[0].String(), "boom") {
		t.Fatalf("response %v, want the panic's message", resp)
	}
}

// Cancelling the context ends the run at once, with the context's error, long before its TTL.
func TestContextCancellation(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	ctx, cancel := context.WithCancel(testCtx(t))
	c.Serve("stop", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
		cancel()
		return value.Null(), nil
	}))
	script := fmt.Sprintf(`
(seq
  (call %%init_peer_id%% ("stop" "now") [])
  (call "%s" ("op" "noop") []))`, nowhere(t))
	res, err := c.Run(ctx, script, nil, client.WithTTL(time.Hour))
	if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrExpired) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if res == nil || !strings.Contains(err.Error(), res.ParticleID) {
		t.Fatalf("err %v does not name the particle", err)
	}
}

// Runs in parallel on one client each get their own particle's answers.
func TestConcurrentRuns(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	script := fmt.Sprintf(`
(seq
  (call %%init_peer_id%% ("getDataSrv" "n") [] n)
  (seq
    (call "%s" ("math" "add") [n 1000] m)
    (call %%init_peer_id%% ("callbackSrv" "response") [m])))`, r.ID)
	const runs = 8
	var wg sync.WaitGroup
	errs := make([]error, runs)
	for i := range runs {
		wg.Go(func() {
			res, err := c.Run(testCtx(t), script, map[string]value.Value{"n": value.Int(int64(i))})
			if err != nil {
				errs[i] = err
				return
			}
			if resp, _ := res.Response(); len(resp) != 1 || resp[0].String() != fmt.Sprint(1000+i) {
				errs[i] = fmt.Errorf("run %d: response %v", i, resp)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Close ends a run in flight with ErrClosed, refuses new runs, and leaves no goroutine of the
// client's (nor libp2p's) behind.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	r := newRelay(t)
	awaitIdentifyPushers(t)
	opt := goleak.IgnoreCurrent()
	c, err := client.Dial(testCtx(t), r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(testCtx(t), fmt.Sprintf(`(seq (call "%s" ("op" "noop") []) (call %%init_peer_id%% ("op" "noop") []))`, r.ID), nil); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	c.Serve("started", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
		close(started)
		return value.Null(), nil
	}))
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(testCtx(t), fmt.Sprintf(`(seq (call %%init_peer_id%% ("started" "f") []) (call "%s" ("op" "noop") []))`, nowhere(t)), nil)
		done <- err
	}()
	<-started
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, client.ErrClosed) {
		t.Fatalf("run in flight at Close: %v, want ErrClosed", err)
	}
	if _, err := c.Run(testCtx(t), `(null)`, nil); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("run after Close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// The relay, still running, keeps its own dispatcher's goroutines warm for a while after
	// the particles it ran: they are the node's, not the client's.
	goleak.VerifyNone(t, opt, goleak.IgnoreTopFunction("github.com/aquanet/aquanet/actors/dispatch.(*Warm).run"))
}

// awaitIdentifyPushers waits until each libp2p identify loop running has started its push
// goroutine: the relay's loop starts it after subscribing to its event bus, which may be after
// newRelay returns, and a snapshot of goroutines taken before would count it as the client's.
// Each loop is matched with the pusher it created: a count of each could match while a loop
// still had none and the pusher of a host closed by an earlier test had not yet ended.
func awaitIdentifyPushers(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<22)
		loops, pushersOf := identifyGoroutines(string(buf[:runtime.Stack(buf, true)]))
		waiting := false
		for _, id := range loops {
			if !pushersOf[id] {
				waiting = true
			}
		}
		if !waiting || time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// identifyGoroutines returns, from a dump of every goroutine's stack, the ids of the identify
// loops' goroutines and the ids of the goroutines that created an identify pusher.
func identifyGoroutines(stacks string) (loops []string, pushersOf map[string]bool) {
	pushersOf = map[string]bool{}
	for _, g := range strings.Split(stacks, "\n\n") {
		id, _, _ := strings.Cut(strings.TrimPrefix(g, "goroutine "), " ")
		switch {
		case strings.Contains(g, "identify.(*idService).loop.func1("):
			if i := strings.LastIndex(g, " in goroutine "); i >= 0 {
				parent, _, _ := strings.Cut(g[i+len(" in goroutine "):], "\n")
				pushersOf[parent] = true
			}
		case strings.Contains(g, "identify.(*idService).loop("):
			loops = append(loops, id)
		}
	}
	return loops, pushersOf
}

// A relay that cannot be reached is one error line that names the relay and the address.
func TestDialErrors(t *testing.T) {
	id := nowhere(t)
	_, err := client.Dial(testCtx(t), "/ip4/127.0.0.1/tcp/1/p2p/"+id)
	if err == nil {
		t.Fatal("dialled a closed port")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "relay "+id) || !strings.Contains(msg, "/ip4/127.0.0.1/tcp/1") ||
		strings.Contains(msg, "bootstrap") {
		t.Errorf("dial error %q: want one line naming the relay and its address", msg)
	}

	_, err = client.Dial(testCtx(t), "/ip4/127.0.0.1/tcp/1")
	if err == nil || !strings.Contains(err.Error(), "/p2p/<peer id>") {
		t.Errorf("relay address without a peer id: %v", err)
	}
	_, err = client.Dial(testCtx(t), "/ip4/127.0.0.1/tcp/1/p2p/"+id, client.WithKey(ed25519.PrivateKey("short")))
	if err == nil || !strings.Contains(err.Error(), "WithKey") {
		t.Errorf("a bad key: %v", err)
	}
}

// WithKey gives the client its identity; a TTL out of range is refused before anything is sent.
func TestKeyAndTTLOptions(t *testing.T) {
	r := newRelay(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	priv, _ := crypto.UnmarshalEd25519PrivateKey(key)
	want, _ := peer.IDFromPrivateKey(priv)
	c := dial(t, r, client.WithKey(key))
	if c.PeerID() != want.String() {
		t.Fatalf("peer id %s, want %s", c.PeerID(), want)
	}
	for _, ttl := range []time.Duration{0, -time.Second, time.Microsecond, 50 * 24 * time.Hour} {
		if res, err := c.Run(testCtx(t), `(null)`, nil, client.WithTTL(ttl)); err == nil || res != nil || !strings.Contains(err.Error(), "TTL") {
			t.Errorf("TTL %v: %v, %v", ttl, res, err)
		}
	}
	if _, err := c.Run(testCtx(t), `(seq (null)`, nil); err == nil || !strings.Contains(err.Error(), "interpreter error") {
		t.Errorf("a script that does not parse: %v", err)
	}
}

// runUntilNotice runs script with the TTL given and stops it at the first notice, as a caller
// that knows no other branch can complete would; it returns the notices heard.
func runUntilNotice(t *testing.T, c *client.Client, script string, ttl time.Duration) []*client.NoAnswerError {
	t.Helper()
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	var heard []*client.NoAnswerError
	_, err := c.Run(ctx, script, nil, client.WithTTL(ttl), client.OnNotice(func(n *client.NoAnswerError) {
		heard = append(heard, n)
		cancel()
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the run stopped by the notice's cancel", err)
	}
	return heard
}

// The relay's notice that the script failed there reaches OnNotice at once, long before the
// TTL: a caller that knows no other branch can complete stops the run then.
func TestNoticeHeardAtOnce(t *testing.T) {
	r := newRelay(t)
	c := dial(t, r)
	script := fmt.Sprintf(`
(seq
  (call "%s" ("op" "no_such_function") [] x)
  (call %%init_peer_id%% ("callbackSrv" "response") [x]))`, r.ID)
	heard := runUntilNotice(t, c, script, 10*time.Minute)
	if len(heard) != 1 || !heard[0].Failed || heard[0].Peer != r.ID || !strings.Contains(heard[0].Reason, "no_such_function") {
		t.Fatalf("notices %+v, want one: the script failed on the relay, naming the call", heard)
	}
}

// A peer past the relay that refuses the particle as it arrives (here: its TTL is over that
// peer's limit) tells the relay, which passes the notice on to its client: OnNotice hears it at
// once, naming that peer, instead of the run waiting out its TTL in silence.
func TestRefusalPastTheRelayHeard(t *testing.T) {
	r := newRelay(t)
	strict := newRelay(t, func(e *actors.Env) { e.Limits.MaxTTL = time.Minute })
	if err := strict.tr.Bootstrap(testCtx(t), []string{r.Addr}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, r)
	script := fmt.Sprintf(`
(seq
  (call "%s" ("op" "noop") [])
  (call %%init_peer_id%% ("callbackSrv" "response") []))`, strict.ID)
	heard := runUntilNotice(t, c, script, 5*time.Minute)
	if len(heard) != 1 || !heard[0].Refused || heard[0].Peer != strict.ID || !strings.Contains(heard[0].Reason, "ttl too long") {
		t.Fatalf("notices %+v, want one: %s refused the particle, its TTL too long", heard, strict.ID)
	}
	if w := heard[0].What(); !strings.Contains(w, "refused the particle as it arrived") {
		t.Fatalf("What() = %q", w)
	}
}

// A peer past the relay that cannot send the particle on (here: to a peer it has no address
// of) tells the relay, which passes the notice on to its client: OnNotice hears at once which
// peer could not reach which, instead of the run waiting out its TTL in silence.
func TestSendFailurePastTheRelayHeard(t *testing.T) {
	r := newRelay(t)
	middle := newRelay(t)
	if err := middle.tr.Bootstrap(testCtx(t), []string{r.Addr}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, r)
	gone := nowhere(t)
	script := fmt.Sprintf(`
(seq
  (call "%s" ("op" "noop") [])
  (seq
    (call "%s" ("op" "noop") [])
    (call %%init_peer_id%% ("callbackSrv" "response") [])))`, middle.ID, gone)
	heard := runUntilNotice(t, c, script, 5*time.Minute)
	if len(heard) != 1 || heard[0].Peer != gone || heard[0].By != middle.ID || heard[0].Failed || heard[0].Refused || heard[0].Back {
		t.Fatalf("notices %+v, want one: %s could not send the particle to %s", heard, middle.ID, gone)
	}
	if w := heard[0].What(); !strings.Contains(w, middle.ID+", past the relay, could not send the particle there") {
		t.Fatalf("What() = %q", w)
	}

	// A peer the middle node knows the address of but that has stopped: the middle node's
	// transport takes the particle and gives it up when the dial fails.
	dead, err := startRelay()
	if err != nil {
		t.Fatal(err)
	}
	if err := middle.tr.Bootstrap(testCtx(t), []string{dead.Addr}); err != nil {
		dead.stop()
		t.Fatal(err)
	}
	dead.stop()
	// Until the middle node sees the connection close, a write to it may still succeed (into
	// a socket the peer no longer reads): nothing to tell then.
	for deadline := time.Now().Add(10 * time.Second); middle.tr.Connected(dead.ID); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the middle node is still connected to the stopped peer")
		}
	}
	script = fmt.Sprintf(`
(seq
  (call "%s" ("op" "noop") [])
  (seq
    (call "%s" ("op" "noop") [])
    (call %%init_peer_id%% ("callbackSrv" "response") [])))`, middle.ID, dead.ID)
	heard = runUntilNotice(t, c, script, 5*time.Minute)
	// "opening a stream": the transport's own dial failed, after it took the particle.
	if len(heard) != 1 || heard[0].Peer != dead.ID || heard[0].By != middle.ID || !strings.Contains(heard[0].Reason, "opening a stream") {
		t.Fatalf("notices %+v, want one: %s could not open a stream to %s, which has stopped", heard, middle.ID, dead.ID)
	}
}
