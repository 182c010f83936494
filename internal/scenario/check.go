package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/internal/scenario/yamljson"
)

// Check compares the result with what e expects and returns a readable, line-oriented diff
// ("-" expected, "+" got), or "" when everything e checks matches. Fields e leaves out are not
// checked; an interpreter error expected with an empty message matches any message. JSON values
// are compared as the interpreter compares them: object key order does not matter, and an
// integer never equals a float (1 is not 1.0), as in serde_json.
func (r *Result) Check(e *Expect) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	if e.Callbacks != nil {
		diffLines(&b, "callbacks", callLines(*e.Callbacks), callLines(r.Callbacks))
	}
	if e.Errors != nil {
		diffLines(&b, "errors", callLines(*e.Errors), callLines(r.Errors))
	}
	if e.InterpreterErrors != nil {
		want := *e.InterpreterErrors
		got := make([]InterpreterError, len(r.InterpreterErrors))
		copy(got, r.InterpreterErrors)
		// An expected empty message matches any: blank the message it is compared with.
		for i := range got {
			if i < len(want) && want[i].Message == "" && want[i].Peer == got[i].Peer && want[i].RetCode == got[i].RetCode {
				got[i].Message = ""
			}
		}
		diffLines(&b, "interpreter_errors", ierrLines(want), ierrLines(got))
	}
	if e.Undelivered != nil {
		diffLines(&b, "undelivered", undelLines(*e.Undelivered), undelLines(r.Undelivered))
	}
	if e.Steps != nil && *e.Steps != r.Steps {
		fmt.Fprintf(&b, "steps:\n- %d\n+ %d\n", *e.Steps, r.Steps)
	}
	if e.Completed != nil && *e.Completed != r.Completed {
		fmt.Fprintf(&b, "completed:\n- %v\n+ %v\n", *e.Completed, r.Completed)
	}
	return b.String()
}

func callLines(calls []Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		args := make([]string, len(c.Args))
		for j, a := range c.Args {
			args[j] = canonicalJSON(a)
		}
		out[i] = fmt.Sprintf("%s.%s [%s]", c.Service, c.Function, strings.Join(args, ", "))
	}
	return out
}

func ierrLines(errs []InterpreterError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fmt.Sprintf("%s %d %s", e.Peer, e.RetCode, yamljson.AppendString(nil, e.Message))
	}
	return out
}

func undelLines(us []Undelivered) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = fmt.Sprintf("%s -> %s", u.From, u.To)
	}
	return out
}

// diffLines writes a diff of want and got under the heading field, if they differ.
func diffLines(b *strings.Builder, field string, want, got []string) {
	if slices.Equal(want, got) {
		return
	}
	fmt.Fprintf(b, "%s:\n", field)
	// Longest common subsequence, then walk it.
	n, m := len(want), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			fmt.Fprintf(b, "  %s\n", want[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(b, "- %s\n", want[i])
			i++
		default:
			fmt.Fprintf(b, "+ %s\n", got[j])
			j++
		}
	}
}

// canonicalJSON renders a JSON text so that texts the interpreter considers equal render the
// same: object keys sorted (a duplicate key keeps its last value, as serde_json does), integers
// in decimal, floats by value ("1e2" and "100.0" alike; never like an integer). Invalid JSON is
// returned as is, marked.
func canonicalJSON(v json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return "<invalid JSON " + strconv.Quote(string(v)) + ">"
	}
	return string(appendCanonical(nil, x))
}

func appendCanonical(dst []byte, x any) []byte {
	switch t := x.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, t)
	case string:
		return yamljson.AppendString(dst, t)
	case json.Number:
		return append(dst, canonicalNumber(string(t))...)
	case []any:
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = yamljson.AppendString(dst, k)
			dst = append(dst, ':')
			dst = appendCanonical(dst, t[k])
		}
		return append(dst, '}')
	}
	return fmt.Appendf(dst, "<%T>", x)
}

func canonicalNumber(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		var n big.Int
		if _, ok := n.SetString(s, 10); ok {
			if n.Sign() == 0 && strings.HasPrefix(s, "-") {
				return "-0.0" // serde_json reads "-0" as the float -0.0
			}
			if n.IsInt64() || n.IsUint64() {
				return n.String()
			}
			// serde_json reads an integer beyond 64 bits as a float.
			f, _ := new(big.Float).SetInt(&n).Float64()
			return floatText(f)
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return floatText(f)
}

func floatText(f float64) string {
	t := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(t, ".eEIN") {
		t += ".0"
	}
	return t
}
