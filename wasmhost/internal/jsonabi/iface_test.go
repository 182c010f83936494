package jsonabi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/wasmhost/api"
)

func TestParseType(t *testing.T) {
	records := map[string]bool{"Pair": true}
	u8 := api.Type{Kind: api.U8}
	bytes := api.Type{Kind: api.ByteArray}
	arr := func(e api.Type) api.Type { return api.Type{Kind: api.Array, Elem: &e} }
	for _, tc := range []struct {
		name string
		want api.Type
	}{
		{"u8", u8},
		{"[]u8", bytes},
		{"[][]u8", arr(bytes)},
		{"[]string", arr(api.Type{Kind: api.String})},
		{"[][]Pair", arr(arr(api.Type{Kind: api.Record, Record: "Pair"}))},
		{"json", api.Type{Kind: api.JSON}},
		{"i64", api.Type{Kind: api.I64}},
	} {
		got, err := parseType(tc.name, records)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseType(%q) = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
		if got.String() != tc.name {
			t.Errorf("parseType(%q).String() = %q", tc.name, got.String())
		}
	}
	for _, bad := range []string{"", "[]", "int", "Pair2", "[]pair", "u8[]", " string", strings.Repeat("[]", maxArrayNesting+1) + "u8"} {
		if got, err := parseType(bad, records); err == nil {
			t.Errorf("parseType(%q) = %+v, want an error", bad, got)
		}
	}
}

func TestParseInterfaceRejects(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`{"functions":[{"name":"f","args":[{"name":"a","type":"int"}],"outputs":[]}]}`, `function f: argument a: unknown type "int"`},
		{`{"functions":[{"name":"f","args":[],"outputs":["string","string"]}]}`, "function f has 2 outputs"},
		{`{"functions":[{"name":"f"},{"name":"f"}]}`, `function "f" is declared twice`},
		{`{"functions":[{"name":"f","args":[{"name":"a","type":"u8"},{"name":"a","type":"u8"}]}]}`, `argument "a" is declared twice`},
		{`{"functions":[{"name":""}]}`, "a function has an empty name"},
		{`{"records":[{"name":"R"},{"name":"R"}]}`, `record "R" is declared twice`},
		{`{"records":[{"name":"string"}]}`, `record "string" has the name of a built-in type`},
		{`{"records":[{"name":"R","fields":[{"name":"x","type":"S"}]}]}`, `record R: field x: unknown type "S"`},
		{`{"functions":[],"extra":1}`, `unknown field "extra"`},
		{`{"functions":[]} {}`, "data after its description"},
		{`[]`, "not a valid description"},
		{`{"functions":[{"name":"` + strings.Repeat("x", MaxInterfaceBytes) + `"}]}`, "more than the limit"},
	} {
		if _, err := parseInterface([]byte(tc.text)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseInterface(%.60s) = %v, want an error with %q", tc.text, err, tc.want)
		}
	}
}

func TestParseInterfaceRecordsInAnyOrder(t *testing.T) {
	iface, err := parseInterface([]byte(`{"functions":[{"name":"z","args":[],"outputs":["B"]},{"name":"a","args":[{"name":"x","type":"[]A"}],"outputs":[]}],
		"records":[{"name":"B","fields":[{"name":"a","type":"A"},{"name":"self","type":"[]B"}]},{"name":"A","fields":[]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range iface.Functions {
		names = append(names, f.Signature())
	}
	if want := []string{"a(x: []A)", "z() -> B"}; !slices.Equal(names, want) {
		t.Errorf("functions %q, want %q (sorted)", names, want)
	}
	if iface.Records[0].Name != "A" || iface.Records[1].Fields[1].Type.String() != "[]B" {
		t.Errorf("records %+v, want A then B with a field []B", iface.Records)
	}
}

// encodeInterface writes iface as a guest describes it.
func encodeInterface(iface api.Interface) []byte {
	desc := ifaceJSON{Functions: []funcJSON{}, Records: []recordJSON{}}
	args := func(as []api.Arg) []argJSON {
		out := []argJSON{}
		for _, a := range as {
			out = append(out, argJSON{Name: a.Name, Type: a.Type.String()})
		}
		return out
	}
	for _, f := range iface.Functions {
		outs := []string{}
		for _, o := range f.Outputs {
			outs = append(outs, o.String())
		}
		desc.Functions = append(desc.Functions, funcJSON{Name: f.Name, Args: args(f.Args), Outputs: outs})
	}
	for _, r := range iface.Records {
		desc.Records = append(desc.Records, recordJSON{Name: r.Name, Fields: args(r.Fields)})
	}
	b, err := json.Marshal(desc)
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzInterface feeds the host's reader of interface descriptions arbitrary guest output. It
// must not panic; what it accepts must be well formed (sorted, unique, at most one output,
// only known types) and read back the same after writing it out again.
func FuzzInterface(f *testing.F) {
	for _, seed := range []string{
		`{"functions":[{"name":"greet","args":[{"name":"name","type":"string"}],"outputs":["string"]}],"records":[]}`,
		`{"functions":[{"name":"f","args":[{"name":"p","type":"[][]P"},{"name":"b","type":"[]u8"}],"outputs":["json"]}],
		  "records":[{"name":"P","fields":[{"name":"l","type":"s32"},{"name":"next","type":"[]P"}]}]}`,
		`{"functions":[{"name":"b","args":[],"outputs":[]},{"name":"a"}]}`,
		`{"functions":[{"name":"f","outputs":["u8","u8"]}]}`,
		`{"records":[{"name":"[]x"}]}`,
		`{"functions":null,"records":null}`,
		`{}`, `[]`, `null`, `{"functions":[{"name":"\u00e9\ud800"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		iface, err := parseInterface(data)
		if err != nil {
			return
		}
		checkWellFormed(t, iface)
		again, err := parseInterface(encodeInterface(iface))
		if err != nil {
			t.Fatalf("an accepted interface, written out, is refused: %v", err)
		}
		if !reflect.DeepEqual(again, iface) {
			t.Fatalf("an accepted interface reads back differently:\n%+v\n%+v", iface, again)
		}
	})
}

func checkWellFormed(t *testing.T, iface api.Interface) {
	t.Helper()
	records := map[string]bool{}
	for i, r := range iface.Records {
		if i > 0 && iface.Records[i-1].Name >= r.Name {
			t.Fatalf("records not sorted and unique: %q then %q", iface.Records[i-1].Name, r.Name)
		}
		records[r.Name] = true
	}
	types := func(ts ...api.Type) {
		for _, ty := range ts {
			for ty.Kind == api.Array {
				if ty.Elem == nil {
					t.Fatalf("an array type without element type")
				}
				ty = *ty.Elem
			}
			if ty.Kind == api.Record && !records[ty.Record] || ty.Kind == 0 {
				t.Fatalf("an accepted type %q is unknown", ty.String())
			}
		}
	}
	for i, fn := range iface.Functions {
		if i > 0 && iface.Functions[i-1].Name >= fn.Name {
			t.Fatalf("functions not sorted and unique: %q then %q", iface.Functions[i-1].Name, fn.Name)
		}
		if fn.Name == "" || len(fn.Outputs) > 1 {
			t.Fatalf("function %+v accepted", fn)
		}
		for _, a := range fn.Args {
			types(a.Type)
		}
		types(fn.Outputs...)
	}
	for _, r := range iface.Records {
		for _, fl := range r.Fields {
			types(fl.Type)
		}
	}
}
