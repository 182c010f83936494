// Package api holds the types a caller of wasmhost sees: a service's interface (its functions,
// their argument and output types, its records) and the parameters a call carries. It imports
// nothing of wazero, so that the node's builtins can describe a service without depending on
// the runtime.
package api

import "strings"

// Kind is the kind of an interface type. The kinds are Marine's interface types (IT), so
// that a module built for Fluence's Marine is described as Marine describes it.
type Kind uint8

const (
	Bool Kind = iota + 1
	S8
	S16
	S32
	S64
	U8
	U16
	U32
	U64
	F32
	F64
	String
	ByteArray // Marine's byte_array, []u8 in text: a JSON array of numbers 0–255
	Array     // of Elem
	Record    // named by Record
	I32
	I64
	JSON // any JSON value: arguments and results of modules of aquanet's own SDK
)

var kindNames = [...]string{
	Bool: "bool", S8: "s8", S16: "s16", S32: "s32", S64: "s64", U8: "u8", U16: "u16", U32: "u32",
	U64: "u64", F32: "f32", F64: "f64", String: "string", ByteArray: "[]u8", I32: "i32", I64: "i64",
	JSON: "json",
}

// Type is an interface type: a kind, with the element type of an array and the name of a record.
type Type struct {
	Kind   Kind
	Elem   *Type  // for Array
	Record string // for Record: the record's name in Interface.Records
}

// String is the type as Marine prints it (module-interface's itype_to_text): "string",
// "[]u8", "[]string", a record by its name.
func (t Type) String() string {
	switch t.Kind {
	case Array:
		if t.Elem == nil {
			return "[]?"
		}
		return "[]" + t.Elem.String()
	case Record:
		return t.Record
	}
	if int(t.Kind) < len(kindNames) && kindNames[t.Kind] != "" {
		return kindNames[t.Kind]
	}
	return "?"
}

// Arg is a named, typed argument of a function or field of a record.
type Arg struct {
	Name string
	Type Type
}

// Function is a function a service exports.
type Function struct {
	Name    string
	Args    []Arg
	Outputs []Type // none or one
}

// RecordType is a record type a service's functions use.
type RecordType struct {
	Name   string
	Fields []Arg
}

// Interface is what a service (its facade module) exports, functions and records sorted by
// name.
type Interface struct {
	Functions []Function
	Records   []RecordType
	// Stateless says the service keeps nothing from one call to the next that a later call
	// needs (no state in memory; what it keeps in /storage it may find written by another
	// instance): a node may then run its calls on several instances at once. A module of
	// aquanet's SDK declares it with sdk.Stateless; Marine modules have no way to, so they are
	// never stateless.
	Stateless bool
}

// Function returns the function named name.
func (i Interface) Function(name string) (Function, bool) {
	for _, f := range i.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Record returns the record type named name.
func (i Interface) Record(name string) (RecordType, bool) {
	for _, r := range i.Records {
		if r.Name == name {
			return r, true
		}
	}
	return RecordType{}, false
}

// Tetraplet says where an argument came from, as Marine's SecurityTetraplet.
type Tetraplet struct {
	PeerPK       string
	ServiceID    string
	FunctionName string
	Lens         string // Marine's json_path (SDK ≤ 0.12), lambda (0.13), lens (0.14)
}

// CallParams are the parameters of one call, as a module reads them with Marine's
// get_call_parameters (every host-API version's record is made from them) or from aquanet's
// SDK.
type CallParams struct {
	ParticleID           string
	InitPeerID           string
	Timestamp            uint64 // the particle's, ms since the Unix epoch
	TTL                  uint32 // ms
	Script               string
	Signature            []byte
	Token                string
	ServiceID            string
	ServiceCreatorPeerID string
	HostID               string
	WorkerID             string
	Tetraplets           [][]Tetraplet // one list per argument
}

// Signature is a function's signature as text, for error messages: "greeting(name: string) -> string".
func (f Function) Signature() string {
	var b strings.Builder
	b.WriteString(f.Name)
	b.WriteByte('(')
	for i, a := range f.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Name + ": " + a.Type.String())
	}
	b.WriteByte(')')
	if len(f.Outputs) > 0 {
		b.WriteString(" -> " + f.Outputs[0].String())
	}
	return b.String()
}
