package jsonabi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/wasmhost/api"
)

// The JSON shapes of aquanet_interface's description.
type (
	ifaceJSON struct {
		Functions []funcJSON   `json:"functions"`
		Records   []recordJSON `json:"records"`
		Stateless bool         `json:"stateless"`
	}
	funcJSON struct {
		Name    string    `json:"name"`
		Args    []argJSON `json:"args"`
		Outputs []string  `json:"outputs"`
	}
	recordJSON struct {
		Name   string    `json:"name"`
		Fields []argJSON `json:"fields"`
	}
	argJSON struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
)

// maxNameBytes bounds the name of a function, record, argument or field.
const maxNameBytes = 256

// parseInterface reads and validates a module's interface description: at most
// MaxInterfaceBytes, known fields only, names non-empty and unique where they must be, every
// type known (records may refer to each other in any order), at most one output. Functions
// and records come back sorted by name.
func parseInterface(data []byte) (api.Interface, error) {
	if len(data) > MaxInterfaceBytes {
		return api.Interface{}, fmt.Errorf("the interface is %d bytes, more than the limit of %d", len(data), MaxInterfaceBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var desc ifaceJSON
	if err := dec.Decode(&desc); err != nil {
		return api.Interface{}, fmt.Errorf("the interface is not a valid description: %w", err)
	}
	if dec.More() {
		return api.Interface{}, fmt.Errorf("the interface has data after its description")
	}
	records := make(map[string]bool, len(desc.Records))
	for _, r := range desc.Records {
		if err := checkName("record", r.Name); err != nil {
			return api.Interface{}, err
		}
		if _, builtin := scalarKinds[r.Name]; builtin || strings.HasPrefix(r.Name, "[]") {
			return api.Interface{}, fmt.Errorf("record %q has the name of a built-in type", r.Name)
		}
		if records[r.Name] {
			return api.Interface{}, fmt.Errorf("record %q is declared twice", r.Name)
		}
		records[r.Name] = true
	}
	iface := api.Interface{Stateless: desc.Stateless}
	for _, r := range desc.Records {
		fields, err := parseArgs("record "+r.Name, "field", r.Fields, records)
		if err != nil {
			return api.Interface{}, err
		}
		iface.Records = append(iface.Records, api.RecordType{Name: r.Name, Fields: fields})
	}
	seen := make(map[string]bool, len(desc.Functions))
	for _, f := range desc.Functions {
		if err := checkName("function", f.Name); err != nil {
			return api.Interface{}, err
		}
		if seen[f.Name] {
			return api.Interface{}, fmt.Errorf("function %q is declared twice", f.Name)
		}
		seen[f.Name] = true
		args, err := parseArgs("function "+f.Name, "argument", f.Args, records)
		if err != nil {
			return api.Interface{}, err
		}
		if len(f.Outputs) > 1 {
			return api.Interface{}, fmt.Errorf("function %s has %d outputs, at most 1 is allowed", f.Name, len(f.Outputs))
		}
		fn := api.Function{Name: f.Name, Args: args}
		for _, o := range f.Outputs {
			t, err := parseType(o, records)
			if err != nil {
				return api.Interface{}, fmt.Errorf("function %s: output: %w", f.Name, err)
			}
			fn.Outputs = append(fn.Outputs, t)
		}
		iface.Functions = append(iface.Functions, fn)
	}
	slices.SortFunc(iface.Functions, func(a, b api.Function) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(iface.Records, func(a, b api.RecordType) int { return cmp.Compare(a.Name, b.Name) })
	return iface, nil
}

// parseArgs reads the arguments of a function or the fields of a record (what names them).
func parseArgs(owner, what string, args []argJSON, records map[string]bool) ([]api.Arg, error) {
	out := make([]api.Arg, 0, len(args))
	seen := make(map[string]bool, len(args))
	for i, a := range args {
		if err := checkName(what, a.Name); err != nil {
			return nil, fmt.Errorf("%s: %s %d: %w", owner, what, i, err)
		}
		if seen[a.Name] {
			return nil, fmt.Errorf("%s: %s %q is declared twice", owner, what, a.Name)
		}
		seen[a.Name] = true
		t, err := parseType(a.Type, records)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", owner, what, a.Name, err)
		}
		out = append(out, api.Arg{Name: a.Name, Type: t})
	}
	return out, nil
}

// checkName checks the name of a function, record, argument or field: non-empty, at most
// maxNameBytes. (encoding/json has made it valid UTF-8.)
func checkName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a %s has an empty name", what)
	case len(name) > maxNameBytes:
		return fmt.Errorf("a %s name is %d bytes, more than %d", what, len(name), maxNameBytes)
	}
	return nil
}
