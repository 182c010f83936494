package it

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/aquanet/aquanet/wasmhost/api"
)

// Function is a function the module exports through an adapter: an export whose type is the
// core type of an implementation (marine.md §2.2). The fixed Marine API (allocate,
// release_objects, get/set_result_*) has no implementation and so is not one.
type Function struct {
	Name    string
	Export  int    // index in Section.Exports
	Type    uint64 // the adapter's type, which is the function's signature
	Adapter int    // index in Section.Adapters
}

// Signature returns the function type at index t, checked.
func (s *Section) Signature(t uint64) (*Type, error) {
	if t >= uint64(len(s.Types)) {
		return nil, fmt.Errorf("type index %d is out of range (%d types)", t, len(s.Types))
	}
	if s.Types[t].Kind != FunctionType {
		return nil, fmt.Errorf("type %d is a record, not a function type", t)
	}
	return &s.Types[t], nil
}

// RecordAt returns the record type at index t, checked.
func (s *Section) RecordAt(t uint64) (*Type, error) {
	if t >= uint64(len(s.Types)) {
		return nil, fmt.Errorf("record type index %d is out of range (%d types)", t, len(s.Types))
	}
	if s.Types[t].Kind != RecordType {
		return nil, fmt.Errorf("type %d is a function type, not a record", t)
	}
	return &s.Types[t], nil
}

// AdapterFor returns the index of the adapter of type t.
func (s *Section) AdapterFor(t uint64) (int, bool) {
	for i, a := range s.Adapters {
		if a.Type == t {
			return i, true
		}
	}
	return 0, false
}

// implementationOf returns the adapter type implementing core type t.
func (s *Section) implementationOf(t uint64) (uint64, bool) {
	for _, im := range s.Implementations {
		if im.CoreType == t {
			return im.AdapterType, true
		}
	}
	return 0, false
}

// Functions returns the exported functions, sorted by name, each with a checked signature
// (types in range, records that are records, at most one output) and an adapter.
func (s *Section) Functions() ([]Function, error) {
	var fns []Function
	seen := map[string]bool{}
	for i, e := range s.Exports {
		at, ok := s.implementationOf(e.Type)
		if !ok {
			continue
		}
		sig, err := s.Signature(at)
		if err != nil {
			return nil, fmt.Errorf("export %q: %w", e.Name, err)
		}
		if err := s.checkSignature(sig); err != nil {
			return nil, fmt.Errorf("export %q: %w", e.Name, err)
		}
		ad, ok := s.AdapterFor(at)
		if !ok {
			return nil, fmt.Errorf("export %q: no adapter of type %d", e.Name, at)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("two exported functions are named %q", e.Name)
		}
		seen[e.Name] = true
		fns = append(fns, Function{Name: e.Name, Export: i, Type: at, Adapter: ad})
	}
	slices.SortFunc(fns, func(a, b Function) int { return cmp.Compare(a.Name, b.Name) })
	return fns, nil
}

func (s *Section) checkSignature(sig *Type) error {
	if len(sig.Outputs) > 1 {
		return fmt.Errorf("%d outputs: Marine functions have at most one", len(sig.Outputs))
	}
	for _, a := range sig.Args {
		if err := s.CheckType(a.Type); err != nil {
			return fmt.Errorf("argument %q: %w", a.Name, err)
		}
	}
	for _, o := range sig.Outputs {
		if err := s.CheckType(o); err != nil {
			return fmt.Errorf("output: %w", err)
		}
	}
	return nil
}

// CheckType checks that t and every type it reaches (array elements, record fields) refer to
// records that exist. Records may refer to each other in cycles (only through arrays can a
// value of one be finite, but the section may say so).
func (s *Section) CheckType(t IType) error {
	return s.checkType(t, map[uint64]bool{})
}

func (s *Section) checkType(t IType, seen map[uint64]bool) error {
	switch t.Kind {
	case api.Array:
		if t.Elem == nil {
			return fmt.Errorf("array without element type")
		}
		return s.checkType(*t.Elem, seen)
	case api.Record:
		if seen[t.Record] {
			return nil
		}
		seen[t.Record] = true
		r, err := s.RecordAt(t.Record)
		if err != nil {
			return err
		}
		for _, f := range r.Args {
			if err := s.checkType(f.Type, seen); err != nil {
				return fmt.Errorf("record %s, field %q: %w", r.Name, f.Name, err)
			}
		}
	}
	return nil
}

// APIType is t as the public api describes it: records by name. t must have passed CheckType.
func (s *Section) APIType(t IType) api.Type {
	switch t.Kind {
	case api.Array:
		elem := s.APIType(*t.Elem)
		return api.Type{Kind: api.Array, Elem: &elem}
	case api.Record:
		return api.Type{Kind: api.Record, Record: s.Types[t.Record].Name}
	}
	return api.Type{Kind: t.Kind}
}

// Interface derives the module's public interface: its functions and the records they use
// (directly or through other records), both sorted by name.
func (s *Section) Interface() (api.Interface, error) {
	fns, err := s.Functions()
	if err != nil {
		return api.Interface{}, err
	}
	var out api.Interface
	records := map[uint64]bool{}
	var visit func(t IType)
	visit = func(t IType) {
		switch t.Kind {
		case api.Array:
			visit(*t.Elem)
		case api.Record:
			if records[t.Record] {
				return
			}
			records[t.Record] = true
			for _, f := range s.Types[t.Record].Args {
				visit(f.Type)
			}
		}
	}
	for _, f := range fns {
		sig := &s.Types[f.Type]
		af := api.Function{Name: f.Name, Args: make([]api.Arg, 0, len(sig.Args))}
		for _, a := range sig.Args {
			af.Args = append(af.Args, api.Arg{Name: a.Name, Type: s.APIType(a.Type)})
			visit(a.Type)
		}
		for _, o := range sig.Outputs {
			af.Outputs = append(af.Outputs, s.APIType(o))
			visit(o)
		}
		out.Functions = append(out.Functions, af)
	}
	for idx := range records {
		r := s.Types[idx]
		rt := api.RecordType{Name: r.Name, Fields: make([]api.Arg, 0, len(r.Args))}
		for _, f := range r.Args {
			rt.Fields = append(rt.Fields, api.Arg{Name: f.Name, Type: s.APIType(f.Type)})
		}
		out.Records = append(out.Records, rt)
	}
	// Two records of one name (possible across modules' copies) are ordered by their fields'
	// text, so that the order does not depend on map iteration.
	slices.SortFunc(out.Records, func(a, b api.RecordType) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(fmt.Sprint(a.Fields), fmt.Sprint(b.Fields))
	})
	return out, nil
}

// AdapterType returns the adapter type implementing core type t, if one does.
func (s *Section) AdapterType(t uint64) (uint64, bool) { return s.implementationOf(t) }
