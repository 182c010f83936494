package difffuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// Diff is the first difference between aquanet's outcome of a step and the reference's. Every
// step's inputs come from earlier outcomes, so only the first difference says anything.
type Diff struct {
	Step int `json:"step"`
	// What differs: "ret_code", "message" (same code, other text), "next_peers",
	// "call_requests" or "data" (the human-readable view), in that order of precedence; or
	// "reference" when the reference crashed (a wasm trap) on the case, "timeout" when it took
	// far too long over it.
	What string `json:"what"`
	Ours string `json:"ours"`
	Ref  string `json:"ref"`
	// OurCode and RefCode are the two sides' ret codes at the step.
	OurCode int64 `json:"our_code"`
	RefCode int64 `json:"ref_code"`
}

// Signature is what makes two differences the same, for the minimizer and for counting: what
// differs, the two ret codes, and where the texts part, with what varies from case to case
// (quoted instructions and values, numbers, ids and CIDs) left out.
func (d *Diff) Signature() string {
	sig := fmt.Sprintf("%s %d/%d", d.What, d.OurCode, d.RefCode)
	switch d.What {
	case "message":
		ours, ref := normalize(d.Ours), normalize(d.Ref)
		i := 0
		for i < len(ours) && i < len(ref) && ours[i] == ref[i] {
			i++
		}
		sig += ": " + ref[i:min(len(ref), i+30)]
	case "data":
		path, _, _ := strings.Cut(d.Ref, " = ")
		sig += ": " + normalize(path)
	}
	return sig
}

var (
	quoted  = regexp.MustCompile("'[^']*'|`[^`]*`|\"[^\"]*\"")
	longIDs = regexp.MustCompile(`[A-Za-z0-9]{20,}`)
	numbers = regexp.MustCompile(`[0-9]+`)
)

func normalize(s string) string {
	s = quoted.ReplaceAllString(s, "''")
	s = longIDs.ReplaceAllString(s, "*")
	return numbers.ReplaceAllString(s, "N")
}

func (d *Diff) String() string {
	return fmt.Sprintf("step %d: %s differs\n ours: %s\n  ref: %s", d.Step, d.What, d.Ours, d.Ref)
}

// compare returns the first difference between the two sides' outcomes of a run, or nil.
func compare(ours []interpreter.Outcome, refs []oracle.StepOutcome) (*Diff, error) {
	for i, o := range ours {
		ref := refs[i]
		d := &Diff{Step: i, OurCode: o.RetCode, RefCode: ref.RetCode}
		switch {
		case o.RetCode != ref.RetCode:
			d.What, d.Ours, d.Ref = "ret_code", fmt.Sprintf("%d %s", o.RetCode, o.ErrorMessage), fmt.Sprintf("%d %s", ref.RetCode, ref.ErrorMessage)
			return d, nil
		case o.ErrorMessage != ref.ErrorMessage && o.RetCode != interpreter.CodeAIRParse &&
			!(o.RetCode == interpreter.CodeUnprocessedCallResult && sortedCallResults(o.ErrorMessage) == sortedCallResults(ref.ErrorMessage)):
			// The reference lists unprocessed call results in the order of a Rust HashMap,
			// which changes from process to process (its hasher is seeded at random): only
			// the set is compared. aquanet lists them by id.
			// A parse error's text is aquanet's own (its parser's diagnostics are not the
			// reference's rendered ones, by design): only the verdict is compared, as in
			// interpreter/air's differential tests.
			d.What, d.Ours, d.Ref = "message", o.ErrorMessage, ref.ErrorMessage
			return d, nil
		}
		if a, b := jsonText(o.NextPeers), jsonText(ref.NextPeers); a != b {
			d.What, d.Ours, d.Ref = "next_peers", a, b
			return d, nil
		}
		ids := make([]uint32, len(o.CallRequests))
		for k, r := range o.CallRequests {
			ids[k] = r.ID
		}
		if a, b := jsonText(ids), jsonText(ref.CallRequests); a != b {
			d.What, d.Ours, d.Ref = "call_requests", a, b
			return d, nil
		}
		view := []byte("null")
		if len(o.Data) > 0 {
			dec, err := data.Decode(o.Data)
			if err != nil {
				return nil, fmt.Errorf("step %d: our data does not decode: %w", i, err)
			}
			if view, err = dec.View(); err != nil {
				return nil, fmt.Errorf("step %d: our data has no view: %w", i, err)
			}
		}
		a, err := decodeJSON(view)
		if err != nil {
			return nil, fmt.Errorf("step %d: our data view: %w", i, err)
		}
		b, err := decodeJSON(ref.Data)
		if err != nil {
			return nil, fmt.Errorf("step %d: the reference's data view: %w", i, err)
		}
		if path, x, y, differ := firstDifference(a, b, "$"); differ {
			d.What, d.Ours, d.Ref = "data", path+" = "+x, path+" = "+y
			return d, nil
		}
	}
	return nil, nil
}

// jsonText prints a list, empty or nil alike as [].
func jsonText[T any](xs []T) string {
	if len(xs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(slices.Clone(xs))
	return string(b)
}

// decodeJSON decodes JSON keeping numbers as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// firstDifference finds where two decoded JSON values first differ (keys in sorted order) and
// returns that path and the two values there, printed with sorted keys.
func firstDifference(a, b any, path string) (at, x, y string, differ bool) {
	switch a := a.(type) {
	case map[string]any:
		if b, ok := b.(map[string]any); ok {
			keys := slices.Sorted(maps.Keys(a))
			for k := range b {
				if _, ok := a[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				va, inA := a[k]
				vb, inB := b[k]
				if !inA || !inB {
					return path + "." + k, printJSON(va, inA), printJSON(vb, inB), true
				}
				if at, x, y, differ := firstDifference(va, vb, path+"."+k); differ {
					return at, x, y, true
				}
			}
			return "", "", "", false
		}
	case []any:
		if b, ok := b.([]any); ok && len(a) == len(b) {
			for i := range a {
				if at, x, y, differ := firstDifference(a[i], b[i], fmt.Sprintf("%s[%d]", path, i)); differ {
					return at, x, y, true
				}
			}
			return "", "", "", false
		}
	}
	x, y = printJSON(a, true), printJSON(b, true)
	return path, x, y, x != y
}

func printJSON(v any, present bool) string {
	if !present {
		return "(absent)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// callResultEntry is one call result in the reference's Debug of a map of them.
var callResultEntry = regexp.MustCompile(`"\d+": CallServiceResult \{ ret_code: -?\d+, result: "(?:[^"\\]|\\.)*" \}`)

// sortedCallResults is an UnprocessedCallResult message with its call results sorted.
func sortedCallResults(msg string) string {
	entries := callResultEntry.FindAllString(msg, -1)
	if len(entries) == 0 {
		return msg
	}
	first := strings.Index(msg, entries[0])
	last := strings.LastIndex(msg, entries[len(entries)-1]) + len(entries[len(entries)-1])
	slices.Sort(entries)
	return msg[:first] + strings.Join(entries, ", ") + msg[last:]
}
