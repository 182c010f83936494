package interpreter

import (
	"strings"
	"testing"
)

// TestRunSizeLimitsAsReference: the size limits fail a run with the reference's texts (AquaVM
// 0.62 with hard limits on: its sizes_limits_check.rs and preparation.rs) at the same points:
// the script and current data before anything else, the call results once the data is read
// and the script parsed.
func TestRunSizeLimitsAsReference(t *testing.T) {
	p := params("alice")
	p.Limits = Limits{MaxScript: 10, MaxData: 2, MaxCallResult: 5}
	big := map[uint32]CallResult{1: {0, `"1234"`}} // 6 bytes of JSON
	cases := []struct {
		name, script string
		cur          []byte
		results      map[uint32]CallResult
		code         int64
		msg          string
	}{
		{"script", "(null)     ", nil, nil, CodeSizeLimits, "air size: 11 bytes is bigger than the limit allowed: 10 bytes"},
		{"data", "(null)", []byte{1, 2, 3}, nil, CodeSizeLimits, "Current_data particle size: 3 bytes is bigger than the limit allowed: 2 bytes"},
		{"call result", "(null)", nil, big, CodeSizeLimits, "Call result size is bigger than the limit allowed: 5 bytes"},
		{"call result at the limit", "(null)", nil, map[uint32]CallResult{1: {0, `"123"`}}, CodeUnprocessedCallResult, ""},
		{"call result and a bad script", "(seq", nil, big, CodeAIRParse, ""},
		{"call result and bad data", "(null)", []byte{1, 2}, big, CodeDataDecode, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := Run(tc.script, nil, tc.cur, tc.results, p)
			if o.RetCode != tc.code || tc.msg != "" && o.ErrorMessage != tc.msg {
				t.Fatalf("RetCode %d %q, want %d %q", o.RetCode, o.ErrorMessage, tc.code, tc.msg)
			}
		})
	}
}

// TestRunCallResultLimitIsDeterministic: with many call results over the limit, the message
// is the same on every run, whatever order the results' map is walked in.
func TestRunCallResultLimitIsDeterministic(t *testing.T) {
	p := params("alice")
	p.Limits.MaxCallResult = 5
	results := map[uint32]CallResult{}
	for id := range uint32(16) {
		results[id+1] = CallResult{0, `"` + strings.Repeat("x", int(id)+4) + `"`}
	}
	first := Run("(null)", nil, nil, results, p).ErrorMessage
	for i := range 50 {
		if got := Run("(null)", nil, nil, results, p).ErrorMessage; got != first {
			t.Fatalf("run %d: %q, the first run said %q", i+2, got, first)
		}
	}
	if want := "Call result size is bigger than the limit allowed: 5 bytes"; first != want {
		t.Fatalf("message %q, want %q", first, want)
	}
}
