package difffuzz

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// asReference turns aquanet's outcomes into what the reference would report if it agreed.
func asReference(t *testing.T, ours []interpreter.Outcome) []oracle.StepOutcome {
	t.Helper()
	refs := make([]oracle.StepOutcome, len(ours))
	for i, o := range ours {
		ids := []uint32{}
		for _, r := range o.CallRequests {
			ids = append(ids, r.ID)
		}
		view := json.RawMessage("null")
		if len(o.Data) > 0 {
			d, err := data.Decode(o.Data)
			if err != nil {
				t.Fatal(err)
			}
			if view, err = d.View(); err != nil {
				t.Fatal(err)
			}
		}
		refs[i] = oracle.StepOutcome{RetCode: o.RetCode, ErrorMessage: o.ErrorMessage, NextPeers: append([]string{}, o.NextPeers...), CallRequests: ids, Data: view}
	}
	return refs
}

// A case whose runs go over several peers, with call results.
func busyCase(t *testing.T) (*Case, *run) {
	t.Helper()
	for seed := uint64(1); seed < 500; seed++ {
		c := Generate(seed)
		r := c.play()
		if len(r.steps) >= 6 && r.ours[len(r.steps)-1].RetCode == 0 {
			return c, r
		}
	}
	t.Fatal("no case of 6 steps in 500 seeds")
	return nil, nil
}

// compare finds nothing in agreeing outcomes, and the first of several differences, each kind
// named for what differs.
func TestCompareFindsTheFirstDifference(t *testing.T) {
	_, r := busyCase(t)
	if d, err := compare(r.ours, asReference(t, r.ours)); err != nil || d != nil {
		t.Fatalf("agreeing outcomes: %v, %v", d, err)
	}
	last := len(r.ours) - 1
	for _, tc := range []struct {
		what  string
		spoil func(*oracle.StepOutcome)
	}{
		{"ret_code", func(o *oracle.StepOutcome) { o.RetCode = 10000 }},
		{"message", func(o *oracle.StepOutcome) { o.ErrorMessage = "other" }},
		{"next_peers", func(o *oracle.StepOutcome) { o.NextPeers = append(o.NextPeers, "12D3KooWother") }},
		{"call_requests", func(o *oracle.StepOutcome) { o.CallRequests = append(o.CallRequests, 99) }},
		{"data", func(o *oracle.StepOutcome) {
			o.Data = json.RawMessage(strings.Replace(string(o.Data), `"lcid":`, `"lcid":1`, 1))
		}},
	} {
		refs := asReference(t, r.ours)
		tc.spoil(&refs[last])
		tc.spoil(&refs[1])
		d, err := compare(r.ours, refs)
		if err != nil {
			t.Fatal(err)
		}
		if d == nil || d.Step != 1 || d.What != tc.what {
			t.Errorf("%s spoilt at steps 1 and %d: got %v", tc.what, last, d)
		}
	}
}

// The minimizer keeps shrinking while the difference stays, down to the instruction that
// makes it; a difference of another kind does not count.
func TestMinimizeShrinksToTheCause(t *testing.T) {
	var c *Case
	for seed := uint64(1); c == nil; seed++ {
		g := Generate(seed)
		if g.Script.size() > 15 && strings.Contains(g.Script.String(), "(mismatch ") {
			c = g
		}
	}
	// The difference: a mismatch anywhere; a case with a match instead differs otherwise.
	check := func(_ context.Context, cases []*Case) ([]*Diff, error) {
		diffs := make([]*Diff, len(cases))
		for i, k := range cases {
			s := k.Script.String()
			switch {
			case strings.Contains(s, "(mismatch "):
				diffs[i] = &Diff{What: "data", Ref: "$.data.trace = 1"}
			case strings.Contains(s, "(match "):
				diffs[i] = &Diff{What: "ret_code"}
			}
		}
		return diffs, nil
	}
	d0, _ := check(context.Background(), []*Case{c})
	m, d, err := minimize(context.Background(), check, c, d0[0], time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if d.Signature() != d0[0].Signature() {
		t.Errorf("the minimized case differs otherwise: %s", d.Signature())
	}
	if got := m.Script.String(); !strings.HasPrefix(got, "(mismatch ") || m.Script.size() != 2 || len(m.Peers) != 1 {
		t.Errorf("minimized %s on %v to %s on %v; want a mismatch over (null) on one peer", c.Script, c.Peers, got, m.Peers)
	}
	for _, ch := range m.Choices {
		if ch != 0 {
			t.Errorf("choices %v left: they make no difference", m.Choices)
			break
		}
	}
}

// A regression file replays exactly the runs of the case it was made from.
func TestRegressionReplaysTheCase(t *testing.T) {
	c, r := busyCase(t)
	dir := t.TempDir()
	path, err := writeRegression(dir, "case", regressionOf(c, &Diff{What: "data"}, "test"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "case.json" {
		t.Errorf("written to %s", path)
	}
	names, regs, err := readRegressions(dir)
	if err != nil || len(regs) != 1 || names[0] != "case" {
		t.Fatalf("read back %v %v", names, err)
	}
	replay, err := regs[0].run()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(replay.steps, r.steps) {
		t.Error("the replay's steps are not the case's")
	}
	for i := range r.ours {
		if string(replay.ours[i].Data) != string(r.ours[i].Data) || replay.ours[i].RetCode != r.ours[i].RetCode {
			t.Errorf("step %d: the replay's outcome is not the case's", i)
		}
	}
	// A file with a field of another format is an error, not silently ignored.
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"peers":["alice"],"scirpt":"(null)"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readRegressions(dir); err == nil || !strings.Contains(err.Error(), "scirpt") {
		t.Errorf("a misspelt field: %v", err)
	}
}

// The reference's list of unprocessed call results comes in hash-map order: the same results
// in another order are no difference, other results are.
func TestSortedCallResults(t *testing.T) {
	const pre = "after finishing execution of supplied AIR, there are some unprocessed call results: `{"
	const post = "}`, probably a wrong call_id used"
	a := pre + `"2": CallServiceResult { ret_code: 0, result: "\"}, \\\"x\"" }, "10": CallServiceResult { ret_code: 1, result: "false" }` + post
	b := pre + `"10": CallServiceResult { ret_code: 1, result: "false" }, "2": CallServiceResult { ret_code: 0, result: "\"}, \\\"x\"" }` + post
	c := pre + `"10": CallServiceResult { ret_code: 1, result: "true" }, "2": CallServiceResult { ret_code: 0, result: "\"}, \\\"x\"" }` + post
	if sortedCallResults(a) != sortedCallResults(b) {
		t.Errorf("the same results in two orders differ:\n%s\n%s", sortedCallResults(a), sortedCallResults(b))
	}
	if sortedCallResults(a) == sortedCallResults(c) {
		t.Error("other results are the same")
	}
	if !strings.HasPrefix(sortedCallResults(a), pre) || !strings.HasSuffix(sortedCallResults(a), post) {
		t.Errorf("the text around the results changed: %s", sortedCallResults(a))
	}
}

// A batch the reference does not get through in time is split until each slow case is alone,
// and that case's difference says so; here every case is too slow.
func TestReferenceTimeoutIsolatesCases(t *testing.T) {
	dir := oracle.Require(t)
	defer func(s, p time.Duration) { startTime, stepTime = s, p }(startTime, stepTime)
	startTime, stepTime = time.Millisecond, 0
	runs := []*run{Generate(1).play(), Generate(2).play(), Generate(3).play()}
	diffs, err := checkRuns(context.Background(), dir, runs)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range diffs {
		if d == nil || d.What != "timeout" || d.Step != len(runs[i].steps)-1 {
			t.Errorf("case %d: %v, want a timeout at its last step", i, d)
		}
	}
}

// Out of time, the minimizer keeps what it has and reports no error.
func TestMinimizeStopsAtItsDeadline(t *testing.T) {
	c := Generate(7)
	check := func(ctx context.Context, cases []*Case) ([]*Diff, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	d := &Diff{Step: 0, What: "data"}
	m, md, err := minimize(context.Background(), check, c, d, time.Now().Add(50*time.Millisecond))
	if err != nil || md != d || m.Script.String() != c.Script.String() || m.MaxSteps != 1 {
		t.Errorf("got %s (max steps %d), %v, %v; want the case itself cut after its first step", m.Script, m.MaxSteps, md, err)
	}
}

func TestOnlyOurBudgetsAreSetAside(t *testing.T) {
	for _, tc := range []struct {
		d    Diff
		want bool
	}{
		{Diff{What: "ret_code", OurCode: interpreter.CodeStepBudgetExceeded, RefCode: 0}, true},
		{Diff{What: "ret_code", OurCode: interpreter.CodeMemoryBudgetExceeded, RefCode: 20013}, true},
		{Diff{What: "ret_code", OurCode: 0, RefCode: interpreter.CodeStepBudgetExceeded}, false},
		{Diff{What: "ret_code", OurCode: 10008, RefCode: 0}, false},
		{Diff{What: "timeout", OurCode: interpreter.CodeStepBudgetExceeded}, true},
		{Diff{What: "timeout", OurCode: 0}, false},
		{Diff{What: "message", OurCode: interpreter.CodeStepBudgetExceeded, RefCode: interpreter.CodeStepBudgetExceeded}, false},
	} {
		if got := overBudget(&tc.d); got != tc.want {
			t.Errorf("overBudget(%+v) = %v, want %v", tc.d, got, tc.want)
		}
	}
}
