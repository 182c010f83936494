package particles

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
)

func identity(t *testing.T, name string) scenario.Identity {
	t.Helper()
	id, err := scenario.NewIdentity(name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func machine(t *testing.T, script string, init, self scenario.Identity) *Machine {
	return New(script, interpreter.Params{InitPeerID: init.PeerID, CurrentPeerID: self.PeerID, Timestamp: 1_700_000_000_000,
		TTL: 60_000, ParticleID: "p-1", Key: self.Key})
}

func TestLocalCallThenForward(t *testing.T) {
	alice, bob := identity(t, "alice"), identity(t, "bob")
	script := fmt.Sprintf(`(seq (call %%init_peer_id%% ("op" "identity") ["hi"] r) (call "%s" ("s" "f") [r]))`, bob.PeerID)
	m := machine(t, script, alice, alice)
	if m.Ready() || !m.Idle() {
		t.Fatal("a machine with nothing arrived is ready")
	}
	m.Arrive(nil) // the particle starts here
	e := m.Step()
	if e.RetCode != 0 || len(e.Calls) != 1 || e.Calls[0].Service != "op" || e.Forward != nil {
		t.Fatalf("first run: %+v", e)
	}
	if m.Idle() || !reflect.DeepEqual(m.Pending(), []uint32{e.Calls[0].ID}) {
		t.Fatalf("pending %v after asking for a call", m.Pending())
	}
	if m.decoded == nil {
		t.Fatal("a machine waiting for its own call's answer does not keep its data decoded")
	}
	if m.Result(99, interpreter.CallResult{Result: `"x"`}) {
		t.Fatal("an answer to a call never made was accepted")
	}
	if !m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `"hi"`}) || m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `"hi"`}) {
		t.Fatal("the answer was not accepted exactly once")
	}
	e = m.Step()
	if e.RetCode != 0 || len(e.Calls) != 0 || !reflect.DeepEqual(e.Forward, []string{bob.PeerID}) || len(e.Data) == 0 {
		t.Fatalf("second run: %+v", e)
	}
	if !m.Idle() || m.Runs() != 2 {
		t.Fatalf("idle %v after %d runs", m.Idle(), m.Runs())
	}
	// Idle, the machine keeps its data encoded (to be saved) and decoded (for the next
	// arrival), and says what that holds; shed, the bytes only.
	if m.decoded == nil || m.stale || m.paused != nil {
		t.Fatalf("an idle machine: decoded %v, its bytes stale %v, a pause kept %v", m.decoded != nil, m.stale, m.paused != nil)
	}
	held := m.Held()
	if held <= 5*len(m.prev) {
		t.Fatalf("an idle machine holding %d bytes decoded says it holds %d", len(m.prev), held)
	}
	m.Shed()
	if m.decoded != nil || m.Held() != len(m.prev) {
		t.Fatalf("shed: decoded %v, holds %d of %d bytes", m.decoded != nil, m.Held(), len(m.prev))
	}
	if m.Deadline() != 1_700_000_060_000 {
		t.Fatalf("deadline %d", m.Deadline())
	}

	// Bob receives what alice sent and asks for nothing of his own: his call is to himself.
	b := machine(t, script, alice, bob)
	b.Arrive(e.Data)
	be := b.Step()
	if be.RetCode != 0 || len(be.Calls) != 1 || be.Calls[0].Service != "s" || be.Calls[0].Args[0].String() != `"hi"` {
		t.Fatalf("bob's run: %+v", be)
	}
}

// Answers that are in when the machine steps are given to the interpreter together: a fold of
// five local calls costs one run for the five requests and one for all five answers.
func TestAnswersAreBatched(t *testing.T) {
	alice := identity(t, "alice")
	script := `(seq (call %init_peer_id% ("op" "array") [1 2 3 4 5] items)
	           (seq (fold items i (par (call %init_peer_id% ("s" "f") [i] $r) (next i)))
	                (seq (canon %init_peer_id% $r #r) (call %init_peer_id% ("s" "done") [#r]))))`
	m := machine(t, script, alice, alice)
	m.Arrive(nil)
	e := m.Step()
	if len(e.Calls) != 1 || !m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `[1,2,3,4,5]`}) {
		t.Fatalf("first run: %+v", e)
	}
	e = m.Step()
	if len(e.Calls) != 5 {
		t.Fatalf("%d calls, want 5: %+v", len(e.Calls), e)
	}
	for _, c := range e.Calls {
		m.Result(c.ID, interpreter.CallResult{Result: c.Args[0].String()})
	}
	e = m.Step()
	if m.Runs() != 3 || e.RetCode != 0 || len(e.Calls) != 1 || e.Calls[0].Function != "done" {
		t.Fatalf("after the answers: %d runs, %+v", m.Runs(), e)
	}
	if got := e.Calls[0].Args[0].String(); got != `[1,2,3,4,5]` {
		t.Fatalf("done got %s", got)
	}
}

// Data arriving twice is merged once per arrival, oldest first; a failing run keeps the data.
func TestArrivalsInOrderAndErrors(t *testing.T) {
	alice := identity(t, "alice")
	m := machine(t, `(seq (ap 1 x) (ap 2 x))`, alice, alice)
	m.Arrive(nil)
	m.Arrive(nil)
	e := m.Step()
	if e.RetCode != interpreter.CodeShadowingNotAllowed || e.Error == "" {
		t.Fatalf("run: %+v", e)
	}
	if !m.Ready() {
		t.Fatal("the second arrival was lost")
	}
	m.Step()
	if m.Runs() != 2 || !m.Idle() {
		t.Fatalf("%d runs, idle %v", m.Runs(), m.Idle())
	}
}

// A machine restored from another's data goes on where that one stopped: the call the first
// made is in the data, so the same arrival asks for nothing again, and the next local step runs.
func TestRestoredMachineDoesNotRepeatCalls(t *testing.T) {
	alice := identity(t, "alice")
	script := `(seq (call %init_peer_id% ("op" "identity") ["hi"] r) (call %init_peer_id% ("op" "noop") [r]))`
	m := machine(t, script, alice, alice)
	m.Arrive(nil)
	e := m.Step()
	if len(e.Calls) != 1 {
		t.Fatalf("first run: %+v", e)
	}
	m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `"hi"`})
	if e = m.Step(); len(e.Calls) != 1 || e.Calls[0].Function != "noop" {
		t.Fatalf("second run: %+v", e)
	}
	m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `null`})
	m.Step()
	if !m.Idle() {
		t.Fatal("not idle after every call was answered")
	}

	again := machine(t, script, alice, alice)
	again.Restore(m.Data())
	again.Arrive(nil)
	if e := again.Step(); e.RetCode != 0 || len(e.Calls) != 0 || !again.Idle() {
		t.Fatalf("the restored machine asked for %d calls (ret %d %s)", len(e.Calls), e.RetCode, e.Error)
	}
	if string(again.Data()) != string(m.Data()) {
		t.Error("the restored machine's data changed with nothing new")
	}
}

// TestMachinesShareTheNodesParseCache: the machines of one node parse a script once between
// them when their params carry the node's cache; another node's cache sees none of it. The
// second run of each particle goes on from the first, paused at its call (ResumeDecoded), and
// parses nothing.
func TestMachinesShareTheNodesParseCache(t *testing.T) {
	alice := identity(t, "alice")
	script := `(call %init_peer_id% ("op" "identity") ["hi"] r)`
	node, other := interpreter.NewParseCache(0), interpreter.NewParseCache(0)
	for i := range 3 {
		m := New(script, interpreter.Params{InitPeerID: alice.PeerID, CurrentPeerID: alice.PeerID, Timestamp: 1_700_000_000_000,
			TTL: 60_000, ParticleID: fmt.Sprintf("p-%d", i), Key: alice.Key, ParseCache: node})
		m.Arrive(nil)
		e := m.Step()
		m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `"hi"`})
		if e = m.Step(); e.RetCode != 0 || !e.Complete {
			t.Fatalf("particle %d: %+v", i, e)
		}
	}
	if got := node.Stats(); got != (interpreter.ParseCacheStats{Hits: 2, Misses: 1, Len: 1}) {
		t.Errorf("node cache after 3 particles of one script: %+v, want 2 hits and 1 miss", got)
	}
	if got := other.Stats(); got != (interpreter.ParseCacheStats{}) {
		t.Errorf("another node's cache: %+v", got)
	}
}

// Data that fails its checks, arriving while answers wait for a run, does not take the answers
// down with it (FuzzMachine found them lost): they run on their own, and the refused data is
// reported in Effects.Dropped.
func TestRefusedDataKeepsTheAnswers(t *testing.T) {
	alice, bob := identity(t, "alice"), identity(t, "bob")
	script := fmt.Sprintf(`(seq (call %%init_peer_id%% ("op" "identity") ["hi"] r) (call "%s" ("s" "f") [r]))`, bob.PeerID)
	for name, tc := range map[string]struct {
		data []byte
		code int64
	}{
		"garbage":  {[]byte("\x01not data at all"), interpreter.CodeDataDecode},
		"tampered": {tamperedData(t, script, alice, bob), interpreter.CodeSignatureVerification},
	} {
		t.Run(name, func(t *testing.T) {
			m := machine(t, script, alice, alice)
			m.Arrive(nil)
			first := m.Step()
			if len(first.Calls) != 1 {
				t.Fatalf("first run: %+v", first)
			}
			m.Result(first.Calls[0].ID, interpreter.CallResult{Result: `"hi"`})
			m.ArriveFrom(bob.PeerID, tc.data)
			e := m.Step()
			if e.Dropped.Code != tc.code || e.Dropped.Error == "" {
				t.Fatalf("the refused data is not reported: %+v", e)
			}
			if e.RetCode != 0 || !reflect.DeepEqual(e.Forward, []string{bob.PeerID}) || len(m.Pending()) != 0 || !m.Idle() {
				t.Fatalf("the answer did not run: ret %d %q, forward %v, pending %v", e.RetCode, e.Error, e.Forward, m.Pending())
			}
			if e.Pass != nil {
				t.Fatalf("refused data passed on: %v", e.Pass)
			}
		})
	}
}

// tamperedData returns data alice sends to bob for the particle, with the last byte (in its
// signature) changed.
func tamperedData(t *testing.T, script string, alice, bob scenario.Identity) []byte {
	t.Helper()
	m := machine(t, script, alice, alice)
	m.Arrive(nil)
	e := m.Step()
	m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `"hi"`})
	e = m.Step()
	if len(e.Data) == 0 {
		t.Fatalf("no data to tamper with: %+v", e)
	}
	d := bytes.Clone(e.Data)
	d[len(d)-1] ^= 1
	return d
}

// The runs that send nothing leave the data decoded only: Data encodes it when asked, and it is
// byte for byte what runs that encode every time (interpreter.Run on the bytes) give, whether
// asked for after every run, after some, or only once the particle sends it on.
func TestDataEncodedWhenAskedIsEveryRunsData(t *testing.T) {
	alice, bob := identity(t, "alice"), identity(t, "bob")
	script := fmt.Sprintf(`(seq (seq (call %%init_peer_id%% ("s" "xs") [] xs) (fold xs x (seq (call %%init_peer_id%% ("op" "identity") [x] r) (next x)))) (call "%s" ("s" "f") []))`, bob.PeerID)
	for _, askEvery := range []int{1, 2, 3, 100} {
		m := machine(t, script, alice, alice)
		p := m.params
		p.EncodeOnlyToSend = false
		m.Arrive(nil)
		var want []byte // the data of eager runs, step for step
		wantOut := interpreter.Run(script, nil, nil, nil, p)
		for run := 1; ; run++ {
			e := m.Step()
			want = wantOut.Data
			if e.RetCode != 0 {
				t.Fatalf("run %d: %s", run, e.Error)
			}
			if len(e.Forward) > 0 {
				if !bytes.Equal(e.Data, want) || !bytes.Equal(m.Data(), want) {
					t.Fatalf("ask every %d: the data sent on differs from the eager runs'", askEvery)
				}
				break
			}
			if len(e.Calls) != 1 {
				t.Fatalf("run %d: %d calls", run, len(e.Calls))
			}
			if m.prev != nil && bytes.Equal(m.prev, want) {
				t.Fatalf("run %d sent nothing but encoded its data", run)
			}
			if run%askEvery == 0 && !bytes.Equal(m.Data(), want) {
				t.Fatalf("ask every %d: the data after run %d differs from the eager runs'", askEvery, run)
			}
			c := e.Calls[0]
			res := interpreter.CallResult{Result: `["a","b","c","d","e","f"]`}
			if c.Function == "identity" {
				res.Result = c.Args[0].String()
			}
			m.Result(c.ID, res)
			wantOut = interpreter.Run(script, want, nil, map[uint32]interpreter.CallResult{c.ID: res}, p)
		}
	}
}

// An idle machine keeps its data decoded, and what arrives next merges into it as it does into
// the same data restored from its bytes (a new actor's machine): the same effects, the same
// data after, whether the answers come back one by one or the machine is restored each time.
func TestIdleMachineMergesAsARestoredOne(t *testing.T) {
	alice, bob, carol := identity(t, "alice"), identity(t, "bob"), identity(t, "carol")
	script := fmt.Sprintf(`(seq (seq (par (call "%s" ("op" "identity") ["b"] $r) (call "%s" ("op" "identity") ["c"] $r)) (canon %%init_peer_id%% $r #r)) (call %%init_peer_id%% ("s" "done") [#r]))`,
		bob.PeerID, carol.PeerID)
	kept := machine(t, script, alice, alice)
	kept.Arrive(nil)
	e := kept.Step()
	if len(e.Forward) != 2 || !kept.Idle() {
		t.Fatalf("alice's first run: %+v", e)
	}
	// Bob and carol each answer their call and send the particle back.
	var answers [][]byte
	for _, who := range []scenario.Identity{bob, carol} {
		m := machine(t, script, alice, who)
		m.Arrive(e.Data)
		c := m.Step()
		if len(c.Calls) != 1 {
			t.Fatalf("%s's run: %+v", who.Name, c)
		}
		m.Result(c.Calls[0].ID, interpreter.CallResult{Result: c.Calls[0].Args[0].String()})
		back := m.Step()
		if !reflect.DeepEqual(back.Forward, []string{alice.PeerID}) {
			t.Fatalf("%s sends to %v", who.Name, back.Forward)
		}
		answers = append(answers, back.Data)
	}
	for i, a := range answers {
		restored := machine(t, script, alice, alice)
		restored.Restore(bytes.Clone(kept.Data()))
		if kept.decoded == nil {
			t.Fatalf("answer %d: the idle machine did not keep its data decoded", i)
		}
		kept.Arrive(a)
		restored.Arrive(a)
		ke, re := kept.Step(), restored.Step()
		if ke.RetCode != 0 || !reflect.DeepEqual(ke.Calls, re.Calls) || ke.RetCode != re.RetCode {
			t.Fatalf("answer %d: the kept machine's run %+v, a restored one's %+v", i, ke, re)
		}
		if !bytes.Equal(kept.Data(), restored.Data()) {
			t.Fatalf("answer %d: the kept machine's data differs from a restored one's", i)
		}
		if i == 0 && (len(ke.Calls) != 1 || ke.Calls[0].Function != "done") {
			t.Fatalf("bob's answer in (the par goes on with one branch done): %+v", ke)
		}
		for _, c := range ke.Calls { // answered, so that the machine is idle again
			kept.Result(c.ID, interpreter.CallResult{Result: `"ok"`})
		}
		if kept.Ready() {
			kept.Step()
		}
		if !kept.Idle() {
			t.Fatalf("answer %d: the machine is not idle after its calls were answered", i)
		}
	}
}
