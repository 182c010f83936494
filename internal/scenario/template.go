package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aquanet/aquanet/internal/scenario/yamljson"
)

// selfMode says what "{{self}}" means where a template is expanded.
type selfMode uint8

const (
	selfForbidden selfMode = iota // an error: outside service rules
	selfKeep                      // left as is: a service rule, checked at parse time
	selfReplace                   // replaced by the answering peer's name
)

// expand replaces the templates in s: "{{peer:NAME}}" by NAME's peer id, "{{self}}" according to
// mode. Any other "{{" is an error.
func expand(s string, ids map[string]Identity, mode selfMode, self string) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	var b strings.Builder
	for {
		open := strings.Index(s, "{{")
		if open < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		rest := s[open+2:]
		close := strings.Index(rest, "}}")
		if close < 0 {
			return "", fmt.Errorf("%q: \"{{\" without \"}}\"", clip(s[open:]))
		}
		inner := rest[:close]
		b.WriteString(s[:open])
		switch {
		case inner == "self" && mode == selfKeep:
			b.WriteString("{{self}}")
		case inner == "self" && mode == selfReplace:
			b.WriteString(self)
		case inner == "self":
			return "", errors.New("{{self}} is only allowed in the values of service rules")
		case strings.HasPrefix(inner, "peer:"):
			id, ok := ids[inner[len("peer:"):]]
			if !ok {
				return "", fmt.Errorf("{{%s}}: no peer named %q", inner, inner[len("peer:"):])
			}
			b.WriteString(id.PeerID)
		default:
			return "", fmt.Errorf("{{%s}}: unknown template (want {{peer:NAME}} or {{self}})", clip(inner))
		}
		s = rest[close+2:]
	}
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// expandJSON expands the templates in every string (not object keys) of the JSON text v and
// returns the compact text, numbers and key order kept.
func expandJSON(v json.RawMessage, ids map[string]Identity, mode selfMode, self string) (json.RawMessage, error) {
	if !bytes.Contains(v, []byte("{{")) {
		return v, nil
	}
	return rewriteJSON(v, func(s string) (string, error) { return expand(s, ids, mode, self) })
}

// rewriteJSON re-prints the JSON text v compactly, with every string value (not object keys)
// passed through f. Numbers keep their text, objects their key order, strings are escaped as
// [yamljson.AppendString] does.
func rewriteJSON(v []byte, f func(string) (string, error)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var out []byte
	// stack of containers: for objects, whether the next string is a key.
	type frame struct {
		object bool
		count  int
		key    bool
	}
	var stack []frame
	sep := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object && !top.key {
			out = append(out, ':')
			top.key = true
			return
		}
		if top.count > 0 {
			out = append(out, ',')
		}
		top.count++
		if top.object {
			top.key = false
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				sep()
				out = append(out, byte(t))
				stack = append(stack, frame{object: t == '{', key: true})
			default:
				out = append(out, byte(t))
				stack = stack[:len(stack)-1]
			}
		case string:
			isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].key
			sep()
			if !isKey {
				var err error
				if t, err = f(t); err != nil {
					return nil, err
				}
			}
			out = yamljson.AppendString(out, t)
		case json.Number:
			sep()
			out = append(out, t...)
		case bool:
			sep()
			if t {
				out = append(out, "true"...)
			} else {
				out = append(out, "false"...)
			}
		case nil:
			sep()
			out = append(out, "null"...)
		}
	}
	return out, nil
}
