package particles

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
)

// fuzzScript makes the initiator ask for an array, the other peer make one call per item (all
// pending at once), then gather them and hand them back to the initiator.
const fuzzScript = `(seq (call %%init_peer_id%% ("op" "array") [1 2 3] items)
  (seq (fold items i (par (call "%[1]s" ("s" "f") [i] $r) (next i)))
       (seq (canon "%[1]s" $r #r)
            (xor (call %%init_peer_id%% ("s" "done") [#r] d)
                 (call %%init_peer_id%% ("s" "caught") [%%last_error%%])))))`

// machineFuzz is what FuzzMachine's runs share: two identities, the script, and data that
// real runs of it produced, with garbage and tampered copies.
type machineFuzz struct {
	alice, bob scenario.Identity
	script     string
	blobs      [][]byte
}

func newMachineFuzz(f *testing.F) *machineFuzz {
	mf := &machineFuzz{}
	var err error
	if mf.alice, err = scenario.NewIdentity("alice"); err != nil {
		f.Fatal(err)
	}
	if mf.bob, err = scenario.NewIdentity("bob"); err != nil {
		f.Fatal(err)
	}
	mf.script = fmt.Sprintf(fuzzScript, mf.bob.PeerID)
	// answer steps m, answering every call with answer, until it is not ready; it returns the
	// data it forwarded last.
	answer := func(m *Machine, answer func(interpreter.CallRequest) interpreter.CallResult) []byte {
		var sent []byte
		for m.Ready() {
			e := m.Step()
			if e.Forward != nil {
				sent = e.Data
			}
			for _, c := range e.Calls {
				m.Result(c.ID, answer(c))
			}
		}
		return sent
	}
	echo := func(c interpreter.CallRequest) interpreter.CallResult {
		if c.Function == "array" {
			return interpreter.CallResult{Result: "[1,2,3]"}
		}
		return interpreter.CallResult{Result: c.Args[0].String()}
	}
	short := func(c interpreter.CallRequest) interpreter.CallResult {
		if c.Function == "array" {
			return interpreter.CallResult{Result: "[7]"}
		}
		return interpreter.CallResult{Result: `"other"`}
	}
	a := mf.machine(mf.alice, "p-1")
	a.Arrive(nil)
	fromAlice := answer(a, echo)
	a2 := mf.machine(mf.alice, "p-1")
	a2.Arrive(nil)
	fromAlice2 := answer(a2, short) // the same particle, disagreeing with fromAlice
	b := mf.machine(mf.bob, "p-1")
	b.Arrive(fromAlice)
	fromBob := answer(b, echo)
	b2 := mf.machine(mf.bob, "p-1")
	b2.Arrive(fromAlice2)
	fromBob2 := answer(b2, short)
	other := mf.machine(mf.alice, "p-2")
	other.Arrive(nil)
	otherParticle := answer(other, echo) // signed for another particle id
	if fromAlice == nil || fromAlice2 == nil || fromBob == nil || fromBob2 == nil || otherParticle == nil {
		f.Fatalf("the script's runs forwarded nothing: %d %d %d %d %d", len(fromAlice), len(fromAlice2), len(fromBob), len(fromBob2), len(otherParticle))
	}
	flipped := bytes.Clone(fromBob)
	flipped[len(flipped)/2] ^= 0x20
	mf.blobs = [][]byte{nil, fromAlice, fromAlice2, fromBob, fromBob2, otherParticle, flipped,
		fromAlice[:len(fromAlice)/2], []byte("not data"), {0xff, 0x00}}
	return mf
}

func (mf *machineFuzz) machine(self scenario.Identity, id string) *Machine {
	return New(mf.script, interpreter.Params{InitPeerID: mf.alice.PeerID, CurrentPeerID: self.PeerID,
		Timestamp: 1_700_000_000_000, TTL: 60_000, ParticleID: id, Key: self.Key})
}

// keptData reports whether a run that ended with code leaves the previous data unchanged: the
// preparation errors (data, signatures, sizes, the script) and the uncatchable ones (trace).
func keptData(code int64) bool {
	return code > 0 && code < interpreter.CodeLocalServiceError ||
		code >= interpreter.CodeTraceError && code < interpreter.CodeUnprocessedCallResult
}

// FuzzMachine drives a Machine with a sequence of operations decoded from the input: data
// arriving (real data of its particle, of another, disagreeing, tampered or garbage), answers
// to pending calls (results or failures), answers to calls that are not pending, and steps
// while ready. It checks the machine's contract after each.
func FuzzMachine(f *testing.F) {
	mf := newMachineFuzz(f)
	f.Add([]byte{0, 0x01, 3, 3})                         // alice starts it and steps
	f.Add([]byte{0, 0x01, 3, 1, 0, 3, 3})                // alice answers op.array
	f.Add([]byte{1, 0x11, 3, 1, 0, 1, 1, 1, 2, 3, 3})    // bob gets alice's data, answers all
	f.Add([]byte{1, 0x11, 3, 0x81, 0, 0x31, 3, 1, 2, 3}) // a failed answer, then bob's data
	f.Add([]byte{1, 0x11, 0x21, 3, 3, 1, 0, 2, 9, 3})    // disagreeing data
	f.Add([]byte{1, 0x61, 0x91, 0x51, 3, 0x11, 3, 2, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 || len(ops) > 256 {
			return
		}
		self := mf.alice
		if ops[0]&1 == 1 {
			self = mf.bob
		}
		m := mf.machine(self, "p-1")
		asked := map[uint32]bool{}
		from := []string{"", mf.alice.PeerID, mf.bob.PeerID}
		for i := 1; i+1 < len(ops); i += 2 {
			op, arg := ops[i], ops[i+1]
			switch op & 3 {
			case 0: // data arrives
				m.ArriveFrom(from[int(arg)%len(from)], mf.blobs[int(op>>2)%len(mf.blobs)])
				if !m.Ready() {
					t.Fatal("not ready with data queued")
				}
			case 1: // the answer to a pending call
				pending := m.Pending()
				if len(pending) == 0 {
					continue
				}
				id := pending[int(arg)%len(pending)]
				r := interpreter.CallResult{Result: fmt.Sprint(arg % 4)}
				if op&0x80 != 0 {
					r = interpreter.CallResult{RetCode: 1, Result: `"failed"`}
				}
				if !m.Result(id, r) {
					t.Fatalf("the answer to pending call %d was refused", id)
				}
				if slices.Contains(m.Pending(), id) || !m.Ready() {
					t.Fatalf("after answering call %d: pending %v, ready %v", id, m.Pending(), m.Ready())
				}
			case 2: // an answer to a call that is not pending
				id := uint32(arg)
				if slices.Contains(m.Pending(), id) {
					continue
				}
				pending, ready, idle, data, runs := m.Pending(), m.Ready(), m.Idle(), m.Data(), m.Runs()
				if m.Result(id, interpreter.CallResult{Result: `"x"`}) {
					t.Fatalf("the answer to call %d, not pending, was accepted", id)
				}
				if !slices.Equal(m.Pending(), pending) || m.Ready() != ready || m.Idle() != idle ||
					!bytes.Equal(m.Data(), data) || m.Runs() != runs {
					t.Fatalf("refusing the answer to call %d changed the machine", id)
				}
			case 3: // steps while ready
				for m.Ready() {
					stepAndCheck(t, m, asked)
				}
			}
			checkMachine(t, m, asked)
		}
	})
}

// stepAndCheck steps m once and checks what the step did.
func stepAndCheck(t *testing.T, m *Machine, asked map[uint32]bool) {
	t.Helper()
	prev, runs, before, answers := m.Data(), m.Runs(), m.Pending(), len(m.results)
	e := m.Step()
	want := runs + 1
	if e.Dropped.Code != 0 {
		want++
		if answers == 0 || !keptData(e.Dropped.Code) {
			t.Fatalf("data dropped (%d %s) with %d answers in", e.Dropped.Code, e.Dropped.Error, answers)
		}
	}
	if m.Runs() != want {
		t.Fatalf("a step made %d runs, want %d", m.Runs()-runs, want-runs)
	}
	if keptData(e.RetCode) && answers > 0 {
		// The answers in the fuzz are valid; a run that changed nothing lost them.
		t.Fatalf("a run that failed (%d %s) lost %d answers", e.RetCode, e.Error, answers)
	}
	if keptData(e.RetCode) {
		if !bytes.Equal(m.Data(), prev) || e.Calls != nil || e.Forward != nil {
			t.Fatalf("a run that failed (%d %s) changed the data or asked for something: %+v", e.RetCode, e.Error, e)
		}
		if !slices.Equal(m.Pending(), before) {
			t.Fatalf("a run that failed changed the pending calls: %v, then %v", before, m.Pending())
		}
	}
	if e.RetCode == 0 && e.Error != "" || e.RetCode != 0 && e.Error == "" {
		t.Fatalf("ret code %d with error %q", e.RetCode, e.Error)
	}
	for _, c := range e.Calls {
		if asked[c.ID] {
			t.Fatalf("call %d was asked for twice", c.ID)
		}
		asked[c.ID] = true
	}
	if !slices.IsSorted(e.Forward) {
		t.Fatalf("forward to %v: not sorted", e.Forward)
	}
	if e.Forward != nil && !bytes.Equal(e.Data, m.Data()) {
		t.Fatal("the data forwarded is not the machine's data")
	}
	if len(e.Pass) > 0 && e.PassData == nil {
		t.Fatalf("passes %v with no data", e.Pass)
	}
}

// checkMachine checks what holds of a machine between operations.
func checkMachine(t *testing.T, m *Machine, asked map[uint32]bool) {
	t.Helper()
	pending := m.Pending()
	for i, id := range pending {
		if i > 0 && pending[i-1] >= id {
			t.Fatalf("pending %v: not sorted, or with a duplicate", pending)
		}
		if !asked[id] {
			t.Fatalf("pending %v holds %d, which no run asked for", pending, id)
		}
	}
	if m.Idle() != (!m.Ready() && len(pending) == 0) {
		t.Fatalf("idle %v, ready %v, pending %v", m.Idle(), m.Ready(), pending)
	}
}
