package interpreter

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/data"
)

// The benchmarks pair with ../shared/oracle/bench.mjs, which times the reference on the same
// work (see the closing notes for the table).

// benchParams are a test peer's params with a parse cache of its own, as a node runs scripts.
func benchParams(peer string) Params {
	p := params(peer)
	p.ParseCache = NewParseCache(0)
	return p
}

// BenchmarkLocalCall: the run that emits a local call request, and the run that consumes its
// result.
func BenchmarkLocalCall(b *testing.B) {
	p := benchParams("alice")
	script := `(call %init_peer_id% ("op" "identity") ["hi"] r)`
	first := Run(script, nil, nil, nil, p)
	results := map[uint32]CallResult{1: {0, `"hi"`}}
	b.Run("request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if o := Run(script, nil, nil, nil, p); o.RetCode != 0 {
				b.Fatal(o.ErrorMessage)
			}
		}
	})
	// As a node runs it (Params.SignOnlyToSend, EncodeOnlyToSend): the run sends nowhere, so
	// it neither signs nor encodes the data (the node encodes it if it saves it: not for a call
	// to a pure service such as op).
	node := p
	node.SignOnlyToSend, node.EncodeOnlyToSend = true, true
	b.Run("request-as-node", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if o := Run(script, nil, nil, nil, node); o.RetCode != 0 {
				b.Fatal(o.ErrorMessage)
			}
		}
	})
	b.Run("result", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if o := Run(script, first.Data, nil, results, p); o.RetCode != 0 {
				b.Fatal(o.ErrorMessage)
			}
		}
	})
}

// BenchmarkFold1000: a fold over 1000 elements with par emits 1000 call requests, then one run
// consumes all 1000 results.
func BenchmarkFold1000(b *testing.B) { benchFoldPar(b, 1000) }

// BenchmarkFoldPar: the same as BenchmarkFold1000 for n elements, to see the cost per element
// as n grows (n = 10,000 needs streams above the reference's bound: Limits.MaxStreamSize).
func BenchmarkFoldPar(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { benchFoldPar(b, n) })
	}
}

func benchFoldPar(b *testing.B, n int) {
	p := benchParams("alice")
	p.Limits.MaxStreamSize = n + 1
	elems := make([]string, n)
	for i := range elems {
		elems[i] = strconv.Itoa(i)
	}
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items i (par (call %init_peer_id% ("s" "f") [i] $r) (next i))))`
	first := Run(script, nil, nil, nil, p)
	second := Run(script, first.Data, nil, map[uint32]CallResult{1: {0, "[" + strings.Join(elems, ",") + "]"}}, p)
	if len(second.CallRequests) != n {
		b.Fatalf("%d call requests, want %d (%s)", len(second.CallRequests), n, second.ErrorMessage)
	}
	results := map[uint32]CallResult{}
	for _, r := range second.CallRequests {
		results[r.ID] = CallResult{0, fmt.Sprintf(`{"n":%d}`, r.ID)}
	}
	b.Run("emit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if o := Run(script, first.Data, nil, map[uint32]CallResult{1: {0, "[" + strings.Join(elems, ",") + "]"}}, p); len(o.CallRequests) != n {
				b.Fatal(o.ErrorMessage)
			}
		}
	})
	b.Run("consume", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if o := Run(script, second.Data, nil, results, p); o.RetCode != 0 {
				b.Fatal(o.ErrorMessage)
			}
		}
	})
}

// BenchmarkReceive1MB: a peer receives data of about 1 MB (one large value in the trace) and
// merges it with its own.
func BenchmarkReceive1MB(b *testing.B) {
	bob := benchParams("bob")
	alice := benchParams("alice")
	script := `(seq (call "` + bob.CurrentPeerID + `" ("s" "big") [] x) (call %init_peer_id% ("s" "got") [x.$.[0]]))`
	o := Run(script, nil, nil, nil, bob)
	big := `["` + strings.Repeat("a", 1<<20) + `"]`
	o = Run(script, o.Data, nil, map[uint32]CallResult{1: {0, big}}, bob)
	if o.RetCode != 0 {
		b.Fatal(o.ErrorMessage)
	}
	b.SetBytes(int64(len(o.Data)))
	b.ReportAllocs()
	for b.Loop() {
		r := Run(script, nil, o.Data, nil, alice)
		if r.RetCode != 0 || len(r.CallRequests) != 1 {
			b.Fatal(r.ErrorMessage)
		}
	}
}

// foldSeqScript folds over n elements with seq: one call per run, so a particle of n elements
// takes n+1 runs and its data grows by one call each.
func foldSeqScript() string {
	return `(seq (call %init_peer_id% ("test" "range") [] arr) (fold arr x (seq (call %init_peer_id% ("op" "identity") [x] r) (next x))))`
}

// foldSeqUpTo runs the fold-with-seq particle until `steps` calls are answered and returns its
// data then (encoded and decoded), with the request the next run answers.
func foldSeqUpTo(tb testing.TB, p Params, n, steps int) ([]byte, *data.Data, map[uint32]CallResult) {
	tb.Helper()
	elems := make([]string, n)
	for i := range elems {
		elems[i] = strconv.Itoa(i)
	}
	arr := "[" + strings.Join(elems, ",") + "]"
	script := foldSeqScript()
	o := RunDecoded(script, nil, nil, nil, p)
	results := map[uint32]CallResult{o.CallRequests[0].ID: {0, arr}}
	for range steps {
		o = ResumeDecoded(script, o.Decoded, o.Paused, nil, results, p)
		if o.RetCode != 0 || len(o.CallRequests) != 1 {
			tb.Fatalf("fold with seq stopped: %d %s", o.RetCode, o.ErrorMessage)
		}
		r := o.CallRequests[0]
		results = map[uint32]CallResult{r.ID: {0, r.Args[0].String()}}
	}
	if o.Data == nil { // Params.EncodeOnlyToSend
		o.Data = o.Decoded.Encode()
	}
	return o.Data, o.Decoded, results
}

// BenchmarkFoldSeqStep: the run of a fold with seq, one call per run, that answers a call as
// the trace holds `at` answered calls, as a node runs it: going on from where the run before
// paused (ResumeDecoded), encoding the data only to send it (Params.EncodeOnlyToSend). Its cost
// should follow the run's work (one call), not `at`. The timed runs answer calls at to
// at+resumeStretch, one after the other, from a pause rebuilt (untimed) every resumeStretch
// runs. "encode" is the encoding of the data at `at`, which a run pays on top when the data
// leaves the peer (sent on, or saved before an impure call); "replay" is the same run
// replaying the data kept decoded (RunDecoded), what a run that cannot pause costs; "bytes"
// replays it from the encoded data.
func BenchmarkFoldSeqStep(b *testing.B) {
	const resumeStretch = 50
	p := benchParams("alice")
	p.SignOnlyToSend, p.EncodeOnlyToSend = true, true
	script := foldSeqScript()
	for _, at := range []int{100, 1000, 3000} {
		n := 3001 + resumeStretch
		prev, decoded, results := foldSeqUpTo(b, p, n, at)
		b.Run(fmt.Sprintf("at=%d", at), func(b *testing.B) {
			b.ReportAllocs()
			var o Outcome
			var next map[uint32]CallResult
			for i := range b.N {
				if i%resumeStretch == 0 {
					b.StopTimer()
					kept, err := data.Decode(prev)
					if err != nil {
						b.Fatal(err)
					}
					o = RunDecoded(script, kept, nil, results, p)
					if o.Paused == nil {
						b.Fatal("the run did not pause")
					}
					next = map[uint32]CallResult{o.CallRequests[0].ID: {0, o.CallRequests[0].Args[0].String()}}
					b.StartTimer()
				}
				o = ResumeDecoded(script, o.Decoded, o.Paused, nil, next, p)
				if o.RetCode != 0 || len(o.CallRequests) != 1 {
					b.Fatal(o.ErrorMessage)
				}
				next = map[uint32]CallResult{o.CallRequests[0].ID: {0, o.CallRequests[0].Args[0].String()}}
			}
		})
		b.Run(fmt.Sprintf("at=%d/encode", at), func(b *testing.B) {
			b.SetBytes(int64(len(prev)))
			b.ReportAllocs()
			for b.Loop() {
				decoded.Encode()
			}
		})
		b.Run(fmt.Sprintf("at=%d/replay", at), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if o := RunDecoded(script, decoded, nil, results, p); o.RetCode != 0 {
					b.Fatal(o.ErrorMessage)
				}
			}
		})
		b.Run(fmt.Sprintf("at=%d/bytes", at), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if o := Run(script, prev, nil, results, p); o.RetCode != 0 {
					b.Fatal(o.ErrorMessage)
				}
			}
		})
	}
}

// BenchmarkStoreResult: the run that stores a call's result of 10 MB, and of 100 MB (a string),
// and encodes the data that carries it. B/op is the memory the run needs for it.
func BenchmarkStoreResult(b *testing.B) {
	p := benchParams("alice")
	p.Limits.MaxCallResult, p.Limits.MaxData = 128<<20, 256<<20 // above the 64 MiB defaults
	script := `(seq (call %init_peer_id% ("s" "big") [] x) (call "other" ("s" "got") [x]))`
	first := Run(script, nil, nil, nil, p)
	for _, mb := range []int{10, 100} {
		big := `"` + strings.Repeat("x", mb<<20) + `"`
		results := map[uint32]CallResult{first.CallRequests[0].ID: {0, big}}
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			b.SetBytes(int64(len(big)))
			b.ReportAllocs()
			for b.Loop() {
				if o := Run(script, first.Data, nil, results, p); o.RetCode != 0 || len(o.NextPeers) != 1 {
					b.Fatal(o.ErrorMessage)
				}
			}
		})
	}
}

// BenchmarkVerifyRemembered: the check of arriving data whose signatures this process checked
// before (every hop back and every merge brings them again; a node's own are remembered as it
// makes them): grouping the data's CIDs by peer, each peer's signing message, the signature
// cache's answer. The data holds the results of calls calls on each of peers peers.
func BenchmarkVerifyRemembered(b *testing.B) {
	for _, size := range []struct{ peers, calls int }{{3, 2}, {10, 10}} {
		b.Run(fmt.Sprintf("peers=%d/calls=%d", size.peers, size.calls), func(b *testing.B) {
			d := signedByPeers(b, size.peers, size.calls)
			if err := d.VerifySignatures("particle-1"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := d.VerifySignatures("particle-1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// signedByPeers returns the data of a script in which each of peers peers makes calls calls at
// once, one peer after the other, each signing its results.
func signedByPeers(b *testing.B, peers, calls int) *data.Data {
	b.Helper()
	var script strings.Builder
	for i := range peers {
		id, _ := testPeer(fmt.Sprint("peer", i))
		if i < peers-1 {
			script.WriteString("(seq ")
		}
		for j := range calls {
			if j < calls-1 {
				script.WriteString("(par ")
			}
			fmt.Fprintf(&script, `(call "%s" ("s" "f") [%d] $r%d) `, id, j, i)
		}
		script.WriteString(strings.Repeat(")", calls-1))
	}
	script.WriteString(strings.Repeat(")", peers-1))
	var carried []byte
	for i := range peers {
		p := benchParams(fmt.Sprint("peer", i))
		asked := Run(script.String(), nil, carried, nil, p)
		if len(asked.CallRequests) != calls {
			b.Fatalf("peer %d: %d calls, want %d (%s)", i, len(asked.CallRequests), calls, asked.ErrorMessage)
		}
		results := map[uint32]CallResult{}
		for _, r := range asked.CallRequests {
			results[r.ID] = CallResult{0, fmt.Sprintf(`{"peer":%d,"call":%d}`, i, r.ID)}
		}
		answered := Run(script.String(), asked.Data, nil, results, p)
		if answered.RetCode != 0 {
			b.Fatal(answered.ErrorMessage)
		}
		carried = answered.Data
	}
	d, err := data.Decode(carried)
	if err != nil {
		b.Fatal(err)
	}
	if len(d.Signatures) != peers {
		b.Fatalf("%d signatures, want %d", len(d.Signatures), peers)
	}
	return d
}

// BenchmarkReceiveBack: a peer whose data holds calls results of its own gets the data back
// from a peer that added one result (a chat's sender hearing from a member; a relay seeing a
// particle return). The run merges what came with what it had: its cost should follow what
// came, not the size of the peer's history.
func BenchmarkReceiveBack(b *testing.B) {
	for _, calls := range []int{10, 1000} {
		b.Run(fmt.Sprintf("calls=%d", calls), func(b *testing.B) {
			own, _ := testPeer("peer0")
			other, _ := testPeer("peer1")
			var script strings.Builder
			script.WriteString("(seq ")
			for j := range calls {
				if j < calls-1 {
					script.WriteString("(par ")
				}
				fmt.Fprintf(&script, `(call "%s" ("s" "f") [%d] $r) `, own, j)
			}
			script.WriteString(strings.Repeat(")", calls-1))
			fmt.Fprintf(&script, `(seq (call "%s" ("s" "g") [] x) (call "%s" ("s" "h") [x])))`, other, own)
			p0, p1 := benchParams("peer0"), benchParams("peer1")
			asked := Run(script.String(), nil, nil, nil, p0)
			results := map[uint32]CallResult{}
			for _, r := range asked.CallRequests {
				results[r.ID] = CallResult{0, fmt.Sprintf(`{"call":%d}`, r.ID)}
			}
			mine := Run(script.String(), asked.Data, nil, results, p0)
			if len(mine.NextPeers) != 1 {
				b.Fatalf("peer0 sends to %v (%s)", mine.NextPeers, mine.ErrorMessage)
			}
			asked1 := Run(script.String(), nil, mine.Data, nil, p1)
			back := Run(script.String(), asked1.Data, nil, map[uint32]CallResult{asked1.CallRequests[0].ID: {0, `"x"`}}, p1)
			if len(back.NextPeers) != 1 {
				b.Fatalf("peer1 sends to %v (%s)", back.NextPeers, back.ErrorMessage)
			}
			// As a node runs it: its own data decoded already (RunDecoded), which the run takes
			// over, so each run gets a copy decoded outside the timing.
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				prev, err := data.Decode(mine.Data)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if o := RunDecoded(script.String(), prev, back.Data, nil, p0); o.RetCode != 0 || len(o.CallRequests) != 1 {
					b.Fatalf("%d call requests (%s)", len(o.CallRequests), o.ErrorMessage)
				}
			}
		})
	}
}
