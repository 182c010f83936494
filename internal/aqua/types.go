package aqua

import "strings"

// Type is an Aqua type as the compiler describes a function's signature (aqua-api's type
// definitions, with fields as ordered lists). Tag says which kind it is:
//
//	scalar            Name: string, bool, u8 … u64, i8 … i64, f32, f64
//	array, option     Type: the element ([]T, ?T; a stream *T is an array here)
//	struct            Name and Fields
//	labeledProduct    Fields: an arrow's named arguments
//	unlabeledProduct  Items: an arrow's results, or a callback's arguments
//	arrow             Domain, Codomain: a callback
//	nil, topType, bottomType
type Type struct {
	Tag      string  `json:"tag"`
	Name     string  `json:"name,omitempty"`
	Type     *Type   `json:"type,omitempty"`
	Fields   []Field `json:"fields,omitempty"`
	Items    []Type  `json:"items,omitempty"`
	Domain   *Type   `json:"domain,omitempty"`
	Codomain *Type   `json:"codomain,omitempty"`
}

// Field is a named member of a struct or a named argument.
type Field struct {
	Name string `json:"name"`
	Type Type   `json:"type"`
}

// IsArrow reports whether t is a callback: an argument of this type is not data from
// getDataSrv but calls to callbackSrv.NAME that the caller answers.
func (t Type) IsArrow() bool { return t.Tag == "arrow" }

// String returns t in Aqua's syntax: string, []u32, ?In, string, u32 -> bool.
func (t Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t Type) write(b *strings.Builder) {
	switch t.Tag {
	case "scalar", "struct":
		b.WriteString(t.Name)
	case "array", "option":
		if t.Tag == "array" {
			b.WriteString("[]")
		} else {
			b.WriteString("?")
		}
		if t.Type != nil {
			t.Type.write(b)
		}
	case "topType":
		b.WriteString("⊤")
	case "bottomType":
		b.WriteString("⊥")
	case "nil":
		b.WriteString("()")
	case "labeledProduct":
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Name + ": ")
			f.Type.write(b)
		}
	case "unlabeledProduct":
		writeList(b, t.Items)
	case "arrow":
		if t.Domain != nil {
			t.Domain.write(b)
		}
		b.WriteString(" -> ")
		if t.Codomain == nil || len(t.Codomain.Items) == 0 {
			b.WriteString("()")
		} else {
			t.Codomain.write(b)
		}
	default:
		b.WriteString(t.Tag)
	}
}

func writeList(b *strings.Builder, ts []Type) {
	for i, it := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		it.write(b)
	}
}

// Names are the services and functions a compiled function's AIR calls on its caller
// (%init_peer_id%), as aqua-api names them. With the compiler's defaults they are:
//
//	getDataSrv.-relay-        the relay's peer id
//	getDataSrv.ARG            each data argument, by its name
//	callbackSrv.ARG           each callback argument's calls
//	callbackSrv.response      the function's results, once, as its arguments
//	errorHandlingSrv.error    an error nothing in the function caught: [error object, 0]
type Names struct {
	Relay            string `json:"relay"`
	GetDataSrv       string `json:"getDataSrv"`
	CallbackSrv      string `json:"callbackSrv"`
	ResponseSrv      string `json:"responseSrv"`
	ResponseFn       string `json:"responseFnName"`
	ErrorHandlingSrv string `json:"errorHandlingSrv"`
	ErrorFn          string `json:"errorFnName"`
}
