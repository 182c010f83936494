// Package yamljson turns a YAML document into compact JSON text, keeping what matters when the
// JSON is later fed to an AIR interpreter: numbers keep their written text when it is valid JSON
// (1.0 stays a float, 18446744073709551615 keeps every digit), and mapping keys keep their
// document order.
//
// Only the JSON-compatible part of YAML is accepted: one document of mappings with scalar keys,
// sequences and scalars (strings, integers, floats, booleans, null). Anchors and aliases, merge
// keys, duplicate keys, binary and custom tags, NaN and infinities are errors, as is nesting
// deeper than [MaxDepth]. JSON is valid YAML, so a JSON document converts to its compact form.
//
// It is a package of its own so that callers that must not depend on the interpreter (the
// oracle's tests) can read scenario files.
package yamljson

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// MaxDepth is the deepest nesting of sequences and mappings accepted.
const MaxDepth = 100

// Convert returns the compact JSON text of the YAML document in data. Errors name the line.
func Convert(data []byte) (out []byte, err error) {
	defer func() {
		// The YAML library is not trusted never to panic on hostile input.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty document")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("line %d: more than one YAML document", extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("empty document")
	}
	return appendNode(nil, doc.Content[0], 0)
}

func appendNode(dst []byte, n *yaml.Node, depth int) ([]byte, error) {
	if n.Anchor != "" {
		return nil, fmt.Errorf("line %d: anchors (&%s) are not supported", n.Line, n.Anchor)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: aliases (*%s) are not supported", n.Line, n.Value)
	case yaml.SequenceNode:
		if depth >= MaxDepth {
			return nil, fmt.Errorf("line %d: nested more than %d deep", n.Line, MaxDepth)
		}
		if t := n.ShortTag(); t != "!!seq" {
			return nil, fmt.Errorf("line %d: tag %s is not supported", n.Line, t)
		}
		dst = append(dst, '[')
		for i, c := range n.Content {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendNode(dst, c, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case yaml.MappingNode:
		if depth >= MaxDepth {
			return nil, fmt.Errorf("line %d: nested more than %d deep", n.Line, MaxDepth)
		}
		if t := n.ShortTag(); t != "!!map" {
			return nil, fmt.Errorf("line %d: tag %s is not supported", n.Line, t)
		}
		seen := make(map[string]bool, len(n.Content)/2)
		dst = append(dst, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
			}
			if k.Anchor != "" {
				return nil, fmt.Errorf("line %d: anchors (&%s) are not supported", k.Line, k.Anchor)
			}
			if k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
			}
			if seen[k.Value] {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			seen[k.Value] = true
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k.Value)
			dst = append(dst, ':')
			var err error
			if dst, err = appendNode(dst, v, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case yaml.ScalarNode:
		return appendScalar(dst, n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

var (
	jsonInt    = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
)

func appendScalar(dst []byte, n *yaml.Node) ([]byte, error) {
	switch t := n.ShortTag(); t {
	case "!!str", "!!timestamp":
		return AppendString(dst, n.Value), nil
	case "!!null":
		return append(dst, "null"...), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %q is not a boolean", n.Line, n.Value)
		}
		return strconv.AppendBool(dst, b), nil
	case "!!int":
		if jsonInt.MatchString(n.Value) {
			return append(dst, n.Value...), nil
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return strconv.AppendInt(dst, i, 10), nil
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return strconv.AppendUint(dst, u, 10), nil
		}
		return nil, fmt.Errorf("line %d: integer %s is out of range", n.Line, n.Value)
	case "!!float":
		if jsonNumber.MatchString(n.Value) {
			return append(dst, n.Value...), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %q is not a number", n.Line, n.Value)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("line %d: %s has no JSON form", n.Line, n.Value)
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !bytes.ContainsAny([]byte(s), ".eE") {
			s += ".0" // stay a float
		}
		return append(dst, s...), nil
	default:
		return nil, fmt.Errorf("line %d: tag %s is not supported", n.Line, t)
	}
}

// AppendString appends s as a JSON string, escaped as JavaScript's JSON.stringify escapes it
// (and serde_json too): \" \\ \b \f \n \r \t, other control characters as \u00xx, everything else
// as is. Invalid UTF-8 is copied as is.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			dst = append(dst, '\\', '"')
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
