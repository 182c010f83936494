package it_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
	"github.com/aquanet/aquanet/wasmhost/internal/it/ittest"
)

func TestInterface(t *testing.T) {
	s, err := it.Decode(sampleBuilder().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Interface()
	if err != nil {
		t.Fatal(err)
	}
	str := api.Type{Kind: api.String}
	inner := api.Type{Kind: api.Record, Record: "Inner"}
	want := api.Interface{
		Functions: []api.Function{
			{Name: "alpha", Args: []api.Arg{}},
			{Name: "mid", Args: []api.Arg{{Name: "s", Type: str}, {Name: "n", Type: api.Type{Kind: api.U32}}},
				Outputs: []api.Type{{Kind: api.Array, Elem: &str}}},
			{Name: "zeta", Args: []api.Arg{{Name: "o", Type: api.Type{Kind: api.Record, Record: "Outer"}}},
				Outputs: []api.Type{{Kind: api.S64}}},
		},
		// Inner is reached only through Outer's field; Unused is not reached at all.
		Records: []api.RecordType{
			{Name: "Inner", Fields: []api.Arg{{Name: "flag", Type: api.Type{Kind: api.Bool}}}},
			{Name: "Outer", Fields: []api.Arg{{Name: "name", Type: str}, {Name: "inner", Type: api.Type{Kind: api.Array, Elem: &inner}}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("interface\n%+v\nwant\n%+v", got, want)
	}
	if sig := got.Functions[1].Signature(); sig != "mid(s: string, n: u32) -> []string" {
		t.Errorf("signature %q", sig)
	}
	// The imported function, the fixed API and the import adapters are not exported functions.
	fns, _ := s.Functions()
	for _, f := range fns {
		if f.Name == "get" || f.Name == "allocate" {
			t.Errorf("%q listed as a function", f.Name)
		}
	}
}

func TestInterfaceErrors(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *it.Section)
		want   string
	}{
		{"adapter type out of range", func(s *it.Section) { s.Implementations[0].AdapterType = 999 }, "type index 999 is out of range"},
		{"adapter type is a record", func(s *it.Section) { s.Implementations[0].AdapterType = 6 }, "type 6 is a record"},
		{"no adapter", func(s *it.Section) { s.Adapters = s.Adapters[1:] }, "no adapter of type"},
		{"record index is a function", func(s *it.Section) { s.Types[7].Args[1].Type.Elem.Record = 0 }, "type 0 is a function type, not a record"},
		{"two outputs", func(s *it.Section) {
			s.Types[9].Outputs = append(s.Types[9].Outputs, it.IType{Kind: api.U8})
		}, "2 outputs"},
		{"duplicate names", func(s *it.Section) { s.Exports[7].Name = "zeta" }, `two exported functions are named "zeta"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sampleBuilder().Section()
			c.mutate(s)
			_, err := s.Interface()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// A record may contain itself through an array (a tree): checking and deriving terminate.
func TestInterfaceRecursiveRecord(t *testing.T) {
	b := ittest.NewBuilder("0.27.0")
	b.Record("Tree", ittest.F("kids", ittest.ArrayOf(it.IType{Kind: api.Record, Record: 6})))
	b.Export("walk", []it.Field{ittest.F("t", it.IType{Kind: api.Record, Record: 6})})
	in, err := b.Section().Interface()
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Records) != 1 || in.Records[0].Fields[0].Type.String() != "[]Tree" {
		t.Errorf("records %+v", in.Records)
	}
}
