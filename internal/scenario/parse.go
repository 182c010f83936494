package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/internal/scenario/yamljson"
)

// Error is a problem with a scenario file: the file (empty when parsing bytes), the field
// ("services[1].result"; empty for the document as a whole) and what is wrong.
type Error struct {
	File  string
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("scenario")
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// ParseFile reads and validates the scenario file at path. A scenario without a name is named
// after the file (its base name without extension). Errors are [*Error]s naming the file.
func ParseFile(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readLimited(f, MaxSize)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	s, err := Parse(data)
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			se.File = path
		}
		return nil, err
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if s.Aqua != nil && !filepath.IsAbs(s.Aqua.File) {
		s.Aqua.File = filepath.Join(filepath.Dir(path), s.Aqua.File)
	}
	for i := range s.Wasm {
		for j, m := range s.Wasm[i].Modules {
			if !filepath.IsAbs(m.File) {
				s.Wasm[i].Modules[j].File = filepath.Join(filepath.Dir(path), m.File)
			}
		}
	}
	return s, nil
}

func readLimited(f *os.File, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// rawScenario is the file's shape, before validation.
type rawScenario struct {
	Name     *string                    `json:"name"`
	Peers    []string                   `json:"peers"`
	Init     *string                    `json:"init"`
	Particle *rawParticle               `json:"particle"`
	Script   *string                    `json:"script"`
	Aqua     *rawAqua                   `json:"aqua"`
	Args     map[string]json.RawMessage `json:"args"`
	Services []rawService               `json:"services"`
	MaxSteps *json.Number               `json:"max_steps"`
	Racy     bool                       `json:"racy"`
	Wasm     []rawWasm                  `json:"wasm"`
	Expect   *rawExpect                 `json:"expect"`
}

type rawAqua struct {
	File *string `json:"file"`
	Func *string `json:"func"`
}

type rawParticle struct {
	ID        *string      `json:"id"`
	Timestamp *json.Number `json:"timestamp"`
	TTL       *json.Number `json:"ttl"`
}

type rawService struct {
	Peer     *string         `json:"peer"`
	Service  *string         `json:"service"`
	Function *string         `json:"function"`
	Result   json.RawMessage `json:"result"`
	Error    json.RawMessage `json:"error"`
	Results  json.RawMessage `json:"results"`
	RetCode  *json.Number    `json:"ret_code"`
}

type rawExpect struct {
	Callbacks         *[]rawCall   `json:"callbacks"`
	Errors            *[]rawCall   `json:"errors"`
	InterpreterErrors *[]rawIError `json:"interpreter_errors"`
	Undelivered       *[]rawUndel  `json:"undelivered"`
	Steps             *json.Number `json:"steps"`
	Completed         *bool        `json:"completed"`
}

type rawCall struct {
	Service  *string           `json:"service"`
	Function *string           `json:"function"`
	Args     []json.RawMessage `json:"args"`
}

type rawIError struct {
	Peer    *string      `json:"peer"`
	RetCode *json.Number `json:"ret_code"`
	Message *string      `json:"message"`
}

type rawUndel struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

// peerName is what a peer name may be.
var peerName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Parse reads and validates a scenario: YAML, or JSON (which is YAML). It never panics; errors
// are [*Error]s naming the field at fault.
func Parse(data []byte) (*Scenario, error) {
	if len(data) > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("larger than %d bytes", MaxSize)}
	}
	text, err := yamljson.Convert(data)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if t := bytes.TrimSpace(text); len(t) == 0 || t[0] != '{' {
		return nil, &Error{Msg: "a scenario must be a mapping (name: ..., peers: ..., ...)"}
	}
	var raw rawScenario
	if err := decodeStrict(text, &raw); err != nil {
		return nil, err
	}
	return validate(&raw)
}

// decodeStrict decodes JSON text into v, rejecting unknown fields, with errors naming the field.
func decodeStrict(text []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &Error{Field: te.Field, Msg: fmt.Sprintf("want %s, got %s", goTypeName(te.Type.String()), jsonTypeName(te.Value))}
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &Error{Msg: "unknown field " + rest}
	}
	return &Error{Msg: strings.TrimPrefix(msg, "json: ")}
}

// goTypeName renders a Go type of the raw structs as the scenario format's word for it.
func goTypeName(t string) string {
	t = strings.TrimLeft(t, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "scenario.raw"):
		return "a mapping"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case t == "json.Number":
		return "a number"
	}
	return t
}

// jsonTypeName renders the JSON type names of encoding/json's errors in the scenario format's
// words.
func jsonTypeName(v string) string {
	switch v {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string", "number":
		return "a " + v
	case "bool":
		return "true or false"
	}
	return v
}

func validate(raw *rawScenario) (*Scenario, error) {
	s := &Scenario{Args: map[string]json.RawMessage{}, MaxSteps: DefaultMaxSteps, ids: map[string]Identity{}}
	if raw.Name != nil {
		s.Name = *raw.Name
	}

	// peers, init
	if len(raw.Peers) == 0 {
		return nil, &Error{Field: "peers", Msg: "missing: list at least one peer name"}
	}
	if len(raw.Peers) > MaxPeers {
		return nil, &Error{Field: "peers", Msg: fmt.Sprintf("more than %d peers", MaxPeers)}
	}
	for i, name := range raw.Peers {
		field := fmt.Sprintf("peers[%d]", i)
		if !peerName.MatchString(name) {
			return nil, &Error{Field: field, Msg: fmt.Sprintf("%q is not a peer name (1 to 64 of A-Z a-z 0-9 _ . -)", clip(name))}
		}
		if _, dup := s.ids[name]; dup {
			return nil, &Error{Field: field, Msg: fmt.Sprintf("duplicate peer %q", name)}
		}
		id, err := NewIdentity(name)
		if err != nil {
			return nil, &Error{Field: field, Msg: err.Error()}
		}
		s.ids[name] = id
		s.Peers = append(s.Peers, name)
	}
	if raw.Init == nil {
		return nil, &Error{Field: "init", Msg: "missing: name the initiator, one of peers"}
	}
	if _, ok := s.ids[*raw.Init]; !ok {
		return nil, &Error{Field: "init", Msg: fmt.Sprintf("%q is not one of peers", clip(*raw.Init))}
	}
	s.Init = *raw.Init

	// particle
	s.Particle = Particle{ID: DefaultParticleID, Timestamp: DefaultTimestamp, TTL: DefaultTTL}
	if p := raw.Particle; p != nil {
		if p.ID != nil {
			if *p.ID == "" {
				return nil, &Error{Field: "particle.id", Msg: "empty"}
			}
			s.Particle.ID = *p.ID
		}
		if p.Timestamp != nil {
			ts, err := uintField(*p.Timestamp, MaxTimestamp)
			if err != nil {
				return nil, &Error{Field: "particle.timestamp", Msg: err.Error()}
			}
			s.Particle.Timestamp = ts
		}
		if p.TTL != nil {
			ttl, err := uintField(*p.TTL, math.MaxUint32)
			if err != nil {
				return nil, &Error{Field: "particle.ttl", Msg: err.Error()}
			}
			s.Particle.TTL = uint32(ttl)
		}
	}

	// script, or aqua
	switch {
	case raw.Script != nil && raw.Aqua != nil:
		return nil, &Error{Msg: "has script and aqua: give only one, the AIR script or the Aqua function"}
	case raw.Aqua != nil:
		a := raw.Aqua
		if a.File == nil || *a.File == "" {
			return nil, &Error{Field: "aqua.file", Msg: "missing: the Aqua file the function is in"}
		}
		if a.Func == nil || *a.Func == "" {
			return nil, &Error{Field: "aqua.func", Msg: "missing: the name of the exported function to run"}
		}
		s.Aqua = &AquaFunc{File: *a.File, Func: *a.Func}
	case raw.Script == nil:
		return nil, &Error{Field: "script", Msg: "missing: the AIR script to run (or aqua: {file: FILE, func: NAME}, an Aqua function)"}
	default:
		script, err := expand(*raw.Script, s.ids, selfForbidden, "")
		if err != nil {
			return nil, &Error{Field: "script", Msg: err.Error()}
		}
		s.Script = script
	}

	// args
	for name, v := range raw.Args {
		ev, err := expandJSON(v, s.ids, selfForbidden, "")
		if err != nil {
			return nil, &Error{Field: "args." + name, Msg: err.Error()}
		}
		s.Args[name] = ev
	}

	// services
	for i, r := range raw.Services {
		svc, err := validateService(r, s.ids)
		if err != nil {
			err.Field = fmt.Sprintf("services[%d]%s", i, err.Field)
			return nil, err
		}
		s.Services = append(s.Services, svc)
	}

	// max_steps
	if raw.MaxSteps != nil {
		n, err := uintField(*raw.MaxSteps, MaxStepsLimit)
		if err != nil || n == 0 {
			return nil, &Error{Field: "max_steps", Msg: fmt.Sprintf("want an integer from 1 to %d, got %s", MaxStepsLimit, raw.MaxSteps.String())}
		}
		s.MaxSteps = int(n)
	}
	s.Racy = raw.Racy

	// wasm
	if err := validateWasm(raw.Wasm, s); err != nil {
		return nil, err
	}

	// expect
	if raw.Expect != nil {
		e, err := validateExpect(raw.Expect, s.ids)
		if err != nil {
			err.Field = "expect." + err.Field
			return nil, err
		}
		s.Expect = e
	}
	return s, nil
}

// uintField reads a non-negative integer no larger than max.
func uintField(n json.Number, max uint64) (uint64, error) {
	u, err := strconv.ParseUint(n.String(), 10, 64)
	if err != nil || u > max {
		return 0, fmt.Errorf("want an integer from 0 to %d, got %s", max, n.String())
	}
	return u, nil
}

func validateService(r rawService, ids map[string]Identity) (Service, *Error) {
	var svc Service
	switch {
	case r.Peer == nil:
		return svc, &Error{Field: ".peer", Msg: `missing: a peer name or "*"`}
	case r.Service == nil || *r.Service == "":
		return svc, &Error{Field: ".service", Msg: "missing"}
	case r.Function == nil:
		return svc, &Error{Field: ".function", Msg: "missing"}
	}
	if _, ok := ids[*r.Peer]; !ok && *r.Peer != "*" {
		return svc, &Error{Field: ".peer", Msg: fmt.Sprintf(`%q is neither one of peers nor "*"`, clip(*r.Peer))}
	}
	svc.Peer, svc.Service, svc.Function = *r.Peer, *r.Service, *r.Function

	var kinds []string
	for _, k := range []struct {
		name string
		v    json.RawMessage
	}{{"result", r.Result}, {"error", r.Error}, {"results", r.Results}} {
		if k.v != nil {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) != 1 {
		msg := "needs one of result, error, results"
		if len(kinds) > 1 {
			msg = "has " + strings.Join(kinds, " and ") + ": give only one of result, error, results"
		}
		return svc, &Error{Msg: msg}
	}
	if r.RetCode != nil && kinds[0] != "error" {
		return svc, &Error{Field: ".ret_code", Msg: "only allowed with error"}
	}
	var err error
	switch kinds[0] {
	case "result":
		svc.Kind = RuleResult
		if svc.Value, err = expandJSON(r.Result, ids, selfKeep, ""); err != nil {
			return svc, &Error{Field: ".result", Msg: err.Error()}
		}
	case "error":
		svc.Kind, svc.RetCode = RuleError, 1
		if svc.Value, err = expandJSON(r.Error, ids, selfKeep, ""); err != nil {
			return svc, &Error{Field: ".error", Msg: err.Error()}
		}
		if r.RetCode != nil {
			c, err := strconv.ParseInt(r.RetCode.String(), 10, 32)
			if err != nil || c == 0 {
				return svc, &Error{Field: ".ret_code", Msg: fmt.Sprintf("want a non-zero 32-bit integer, got %s", r.RetCode.String())}
			}
			svc.RetCode = int32(c)
		}
	case "results":
		svc.Kind = RuleResults
		var list []json.RawMessage
		if err := json.Unmarshal(r.Results, &list); err != nil || list == nil {
			return svc, &Error{Field: ".results", Msg: "want a list of values"}
		}
		for j, v := range list {
			ev, err := expandJSON(compactJSON(v), ids, selfKeep, "")
			if err != nil {
				return svc, &Error{Field: fmt.Sprintf(".results[%d]", j), Msg: err.Error()}
			}
			svc.Results = append(svc.Results, ev)
		}
	}
	return svc, nil
}

// compactJSON returns v compacted (it already is when it comes from yamljson; json.Unmarshal
// into RawMessage keeps the bytes as they were, so this only guards hand-built input).
func compactJSON(v json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return v
	}
	return b.Bytes()
}

func validateExpect(e *rawExpect, ids map[string]Identity) (*Expect, *Error) {
	out := &Expect{Completed: e.Completed}
	calls := func(field string, raw *[]rawCall) (*[]Call, *Error) {
		if raw == nil {
			return nil, nil
		}
		list := []Call{}
		for i, c := range *raw {
			f := fmt.Sprintf("%s[%d]", field, i)
			if c.Service == nil || c.Function == nil {
				return nil, &Error{Field: f, Msg: "needs service and function"}
			}
			call := Call{Service: *c.Service, Function: *c.Function, Args: []json.RawMessage{}}
			for j, a := range c.Args {
				ea, err := expandJSON(compactJSON(a), ids, selfForbidden, "")
				if err != nil {
					return nil, &Error{Field: fmt.Sprintf("%s.args[%d]", f, j), Msg: err.Error()}
				}
				call.Args = append(call.Args, ea)
			}
			list = append(list, call)
		}
		return &list, nil
	}
	var err *Error
	if out.Callbacks, err = calls("callbacks", e.Callbacks); err != nil {
		return nil, err
	}
	if out.Errors, err = calls("errors", e.Errors); err != nil {
		return nil, err
	}
	if e.InterpreterErrors != nil {
		list := []InterpreterError{}
		for i, ie := range *e.InterpreterErrors {
			f := fmt.Sprintf("interpreter_errors[%d]", i)
			if ie.Peer == nil || ie.RetCode == nil {
				return nil, &Error{Field: f, Msg: "needs peer and ret_code"}
			}
			if _, ok := ids[*ie.Peer]; !ok {
				return nil, &Error{Field: f + ".peer", Msg: fmt.Sprintf("%q is not one of peers", clip(*ie.Peer))}
			}
			code, perr := strconv.ParseInt(ie.RetCode.String(), 10, 64)
			if perr != nil {
				return nil, &Error{Field: f + ".ret_code", Msg: "want an integer, got " + ie.RetCode.String()}
			}
			x := InterpreterError{Peer: *ie.Peer, RetCode: code}
			if ie.Message != nil {
				m, err := expand(*ie.Message, ids, selfForbidden, "")
				if err != nil {
					return nil, &Error{Field: f + ".message", Msg: err.Error()}
				}
				x.Message = m
			}
			list = append(list, x)
		}
		out.InterpreterErrors = &list
	}
	if e.Undelivered != nil {
		list := []Undelivered{}
		for i, u := range *e.Undelivered {
			f := fmt.Sprintf("undelivered[%d]", i)
			if u.From == nil || u.To == nil {
				return nil, &Error{Field: f, Msg: "needs from and to"}
			}
			to, err := expand(*u.To, ids, selfForbidden, "")
			if err != nil {
				return nil, &Error{Field: f + ".to", Msg: err.Error()}
			}
			list = append(list, Undelivered{From: *u.From, To: to})
		}
		out.Undelivered = &list
	}
	if e.Steps != nil {
		n, err := uintField(*e.Steps, MaxStepsLimit)
		if err != nil {
			return nil, &Error{Field: "steps", Msg: err.Error()}
		}
		steps := int(n)
		out.Steps = &steps
	}
	return out, nil
}
