package interpreter

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/data"
)

// testPeer returns the peer id and key of a named test peer (seed = sha256(name), the oracle's
// rule, so the ids match the reference's runs).
func testPeer(name string) (string, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(name))
	k := ed25519.NewKeyFromSeed(seed[:])
	return data.PeerIDOf(k.Public().(ed25519.PublicKey)), k
}

func params(peer string) Params {
	init, _ := testPeer("alice")
	id, key := testPeer(peer)
	return Params{InitPeerID: init, CurrentPeerID: id, Timestamp: 1700000000000, TTL: 600000, ParticleID: "particle-1", Key: key}
}

// The expected CIDs and signature below are the reference interpreter's for the same run.
func TestRunMatchesReferenceOnALocalCall(t *testing.T) {
	p := params("alice")
	script := `(seq (call %init_peer_id% ("op" "identity") ["hi" 1] r) (call "bob" ("s" "f") [r]))`
	o1 := Run(script, nil, nil, nil, p)
	if o1.RetCode != 0 || len(o1.CallRequests) != 1 || o1.CallRequests[0].Service != "op" || len(o1.NextPeers) != 0 {
		t.Fatalf("first run: %+v", o1)
	}
	o2 := Run(script, o1.Data, nil, map[uint32]CallResult{1: {0, `{"b":null,"a":[1,2.5,"x"]}`}}, p)
	if o2.RetCode != 0 || len(o2.CallRequests) != 0 || len(o2.NextPeers) != 1 || o2.NextPeers[0] != "bob" {
		t.Fatalf("second run: %+v", o2)
	}
	d, err := data.Decode(o2.Data)
	if err != nil {
		t.Fatal(err)
	}
	view, _ := d.View()
	for _, want := range []string{
		`"bagaaihrahayufhhfqbovxxb2yzntnpi4at7vd565o3ggue5s4ntnbajnbccq"`, // the service result
		`"bagaaihra6glbkddklpqp2ny6qduruo3mkmgsmgsejdynm6qhkdlmqyocjq5q":"{\"a\":[1,2.5,\"x\"],\"b\":null}"`,
		`"1FPP21sbqhr2LPjSnJkw5NBetPubeFG4PsQFBxHj8noTq":"15XPPE5SyudnJiRepi6VPzX9SRVdrWqh2ow9kRFbP4TBaLM7jbhbFF9B7U4G1zPE8J4U74RrUgwLXf1vvMyohffRF"`,
	} {
		if !strings.Contains(string(view), want) {
			t.Errorf("data view lacks %s:\n%s", want, view)
		}
	}
}

func TestRunErrorsKeepPreviousData(t *testing.T) {
	p := params("alice")
	prev := Run(`(call %init_peer_id% ("s" "f") [] x)`, nil, nil, nil, p).Data
	cases := []struct {
		name     string
		script   string
		cur      []byte
		code     int64
		keepPrev bool
	}{
		{"parse error", `(seq (null)`, nil, CodeAIRParse, true},
		{"garbage data", `(null)`, []byte{1, 0xff, 0xff}, CodeDataDecode, true},
		{"wrong version", `(null)`, []byte{7}, CodeUnsupportedVersion, true},
		{"shadowing", `(seq (ap 1 y) (ap 2 y))`, nil, CodeShadowingNotAllowed, true},
		{"uncaught fail", `(fail 42 "boom")`, nil, CodeUserError, false},
		{"match fails", `(match 1 2 (null))`, nil, CodeMatchValuesNotEqual, false},
		{"fold over non-array", `(seq (ap 5 y) (fold y i (null)))`, nil, CodeFoldIteratesOverNonArray, false},
		{"trace mismatch", `(par (null) (null))`, nil, CodeTraceError, true},
		{"script over limit", "(null)" + strings.Repeat(" ", DefaultMaxScript), nil, CodeSizeLimits, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := Run(tc.script, prev, tc.cur, nil, p)
			if o.RetCode != tc.code || o.ErrorMessage == "" {
				t.Fatalf("RetCode %d (%s), want %d", o.RetCode, o.ErrorMessage, tc.code)
			}
			if tc.keepPrev && string(o.Data) != string(prev) {
				t.Fatal("an uncatchable error changed the data")
			}
		})
	}
}

func TestRunRejectsForgedSignature(t *testing.T) {
	bob := params("bob")
	// bob runs a call on himself, producing a signed value.
	script := `(seq (call "` + bob.CurrentPeerID + `" ("s" "f") [] x) (call %init_peer_id% ("s" "g") [x]))`
	o := Run(script, nil, nil, nil, bob)
	o = Run(script, o.Data, nil, map[uint32]CallResult{1: {0, `"v"`}}, bob)
	d, _ := data.Decode(o.Data)
	for pk, sig := range d.Signatures {
		forged := append([]byte(nil), sig...)
		forged[0] ^= 1
		d.Signatures[pk] = forged
	}
	alice := params("alice")
	if got := Run(script, nil, d.Encode(), nil, alice); got.RetCode != CodeSignatureVerification {
		t.Fatalf("forged data: RetCode %d (%s), want %d", got.RetCode, got.ErrorMessage, CodeSignatureVerification)
	}
	if got := Run(script, nil, o.Data, nil, alice); got.RetCode != 0 {
		t.Fatalf("genuine data: RetCode %d (%s)", got.RetCode, got.ErrorMessage)
	}
}

// FuzzRun: arbitrary scripts, data and call results give an outcome, never a panic (Run turns
// an internal panic into an error outcome, so the fuzzer checks that no outcome reports one).
func FuzzRun(f *testing.F) {
	p := params("alice")
	script := `(seq (par (call %init_peer_id% ("s" "a") [] $st) (ap 5 $st)) (seq (canon %init_peer_id% $st #cc) (fold #cc i (seq (ap i $o) (seq (call %init_peer_id% ("s" "b") [i #cc]) (next i))))))`
	d1 := Run(script, nil, nil, nil, p).Data
	d2 := Run(script, d1, nil, map[uint32]CallResult{1: {0, `"x"`}}, p).Data
	f.Add(script, []byte{}, d1, uint32(1), int32(0), `"x"`)
	f.Add(script, d1, d2, uint32(2), int32(3), `{"a":1}`)
	f.Add(`(fold $s i (seq (next i) (null)))`, d2, d1, uint32(9), int32(0), `[`)
	f.Fuzz(func(t *testing.T, script string, prev, cur []byte, id uint32, code int32, result string) {
		o := Run(script, prev, cur, map[uint32]CallResult{id: {code, result}}, p)
		if strings.Contains(o.ErrorMessage, "internal interpreter error") {
			t.Fatalf("internal error: %s", o.ErrorMessage)
		}
		if o.RetCode == 0 || o.RetCode >= 10000 && o.RetCode < 20000 {
			if _, err := data.Decode(o.Data); err != nil {
				t.Fatalf("outcome data does not decode: %v", err)
			}
		}
	})
}

// With SignOnlyToSend, runs that send nowhere do not sign, and the data of the run that sends
// is byte for byte what signing on every run gives (the reference's).
func TestSignOnlyToSendSendsTheSameData(t *testing.T) {
	script := `(seq (seq (call %init_peer_id% ("a" "f") [] x) (call %init_peer_id% ("b" "g") [x] y)) (call "bob" ("s" "f") [y]))`
	results := []map[uint32]CallResult{nil, {1: {0, `"x"`}}, {2: {0, `[1,2]`}}}
	runAll := func(p Params) (kept [][]byte, sent []byte) {
		var prev []byte
		for _, r := range results {
			o := Run(script, prev, nil, r, p)
			if o.RetCode != 0 {
				t.Fatalf("run: %d %s", o.RetCode, o.ErrorMessage)
			}
			if len(o.NextPeers) > 0 {
				sent = o.Data
			} else {
				kept = append(kept, o.Data)
			}
			prev = o.Data
		}
		return kept, sent
	}
	every := params("alice")
	lazy := every
	lazy.SignOnlyToSend = true
	keptEvery, sentEvery := runAll(every)
	keptLazy, sentLazy := runAll(lazy)
	if sentEvery == nil || string(sentLazy) != string(sentEvery) {
		t.Fatal("the data sent differs when only sending runs sign")
	}
	for i := range keptLazy {
		d, err := data.Decode(keptLazy[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Signatures) != 0 {
			t.Errorf("run %d sent nothing but signed", i+1)
		}
		if e, _ := data.Decode(keptEvery[i]); len(e.Signatures) != 1 {
			t.Errorf("run %d: signing on every run left %d signatures", i+1, len(e.Signatures))
		}
	}
}

// Complete says the script ran to its end here: not while a call is out or the particle must
// go elsewhere first; a par is complete with one of its branches (AquaVM's rule).
func TestOutcomeComplete(t *testing.T) {
	p := params("alice")
	for _, tc := range []struct {
		script  string
		results map[uint32]CallResult
		want    bool
	}{
		{`(null)`, nil, true},
		{`(call %init_peer_id% ("s" "f") [])`, nil, false},
		{`(call %init_peer_id% ("s" "f") [])`, map[uint32]CallResult{1: {0, `1`}}, true},
		{`(call "bob" ("s" "f") [])`, nil, false},
		{`(par (call "bob" ("s" "f") []) (null))`, nil, true},
		{`(seq (call "bob" ("s" "f") []) (null))`, nil, false},
		{`(fail 1 "no")`, nil, false},
		{`(xor (fail 1 "no") (null))`, nil, true},
	} {
		var prev []byte
		if tc.results != nil {
			prev = Run(tc.script, nil, nil, nil, p).Data
		}
		if o := Run(tc.script, prev, nil, tc.results, p); o.Complete != tc.want {
			t.Errorf("%s with %v: Complete = %v, want %v (ret %d %s)", tc.script, tc.results, o.Complete, tc.want, o.RetCode, o.ErrorMessage)
		}
	}
}

// A run from decoded data that fails after it stored results takes them out again: the data it
// took over is as it was, and the next run makes what a run from the encoded data makes.
func TestRunDecodedUndoesAFailedRun(t *testing.T) {
	p := params("alice")
	p.Limits.MaxStreamSize = 3
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items i (par (call %init_peer_id% ("s" "f") [i] $r) (next i))))`
	first := RunDecoded(script, nil, nil, nil, p)
	second := RunDecoded(script, first.Decoded, nil, map[uint32]CallResult{1: {0, `[1,2,3,4]`}}, p)
	if len(second.CallRequests) != 4 {
		t.Fatalf("%d call requests, want 4 (%s)", len(second.CallRequests), second.ErrorMessage)
	}
	before := second.Decoded.Encode()
	all := map[uint32]CallResult{}
	for _, r := range second.CallRequests {
		all[r.ID] = CallResult{0, `{"big":"` + strings.Repeat("x", int(r.ID)) + `"}`}
	}
	// The third value goes over the stream's bound: an uncatchable error, once two are stored.
	failed := RunDecoded(script, second.Decoded, nil, all, p)
	if failed.RetCode != CodeStreamSizeLimitExceeded || failed.Decoded != nil || failed.Data != nil {
		t.Fatalf("ret code %d (%s), decoded %v: want the stream's bound exceeded and the data left as it was", failed.RetCode, failed.ErrorMessage, failed.Decoded != nil)
	}
	if after := second.Decoded.Encode(); string(after) != string(before) {
		t.Fatalf("the data a failed run took over changed: %d bytes, was %d", len(after), len(before))
	}
	two := map[uint32]CallResult{2: all[2], 3: all[3]}
	fromDecoded := RunDecoded(script, second.Decoded, nil, two, p)
	fromBytes := Run(script, before, nil, two, p)
	if fromDecoded.RetCode != 0 || string(fromDecoded.Data) != string(fromBytes.Data) {
		t.Fatalf("after the failed run: %d (%s), %d bytes from decoded data, %d from encoded", fromDecoded.RetCode, fromDecoded.ErrorMessage, len(fromDecoded.Data), len(fromBytes.Data))
	}
}

// A stream holds at most Limits.MaxStreamSize values, by default the reference's 1,024: a fold
// of 2,000 results into one stops there, and runs with the bound raised.
func TestMaxStreamSize(t *testing.T) {
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items i (seq (ap i $r) (next i))))`
	items := "[" + strings.TrimSuffix(strings.Repeat("1,", 2000), ",") + "]"
	for _, tc := range []struct {
		bound int
		want  int64
	}{{0, CodeStreamSizeLimitExceeded}, {1024, CodeStreamSizeLimitExceeded}, {2000, CodeStreamSizeLimitExceeded}, {2001, 0}} {
		p := params("alice")
		p.Limits.MaxStreamSize = tc.bound
		first := Run(script, nil, nil, nil, p)
		o := Run(script, first.Data, nil, map[uint32]CallResult{1: {0, items}}, p)
		if o.RetCode != tc.want {
			t.Errorf("bound %d: ret code %d (%s), want %d", tc.bound, o.RetCode, o.ErrorMessage, tc.want)
		}
	}
}
