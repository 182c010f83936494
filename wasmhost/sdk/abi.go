//go:build wasip1

package sdk

import (
	"encoding/json"
	"fmt"
	"sort"
	"unsafe"
)

// live holds every buffer handed out since the last aquanet_release, so that the collector
// keeps it (and its address) until the host is done with it.
var live [][]byte

// hold keeps b alive until the next release and returns its packed pointer, ptr<<32 | len.
func hold(b []byte) uint64 {
	if len(b) == 0 {
		b = make([]byte, 0, 1) // a zero-length slice may share an address with others
	}
	live = append(live, b)
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
}

// held returns the buffer a packed pointer from the host names: one handed out by
// aquanet_alloc and not yet released (the host allocates before it answers, so it is among
// the last). It panics on any other pointer, which only a broken host gives.
func held(packed uint64) []byte {
	ptr, n := uintptr(packed>>32), int(uint32(packed))
	for i := len(live) - 1; i >= 0; i-- {
		b := live[i]
		if uintptr(unsafe.Pointer(unsafe.SliceData(b))) == ptr && n <= cap(b) {
			return b[:n:n]
		}
	}
	panic(fmt.Sprintf("sdk: the host returned memory it was not given (%#x, %d bytes)", ptr, n))
}

//go:wasmexport aquanet_sdk_v1
func abiMarker() {}

//go:wasmexport aquanet_alloc
func abiAlloc(size int32) *byte {
	b := make([]byte, max(size, 1))
	live = append(live, b)
	return &b[0]
}

//go:wasmexport aquanet_release
func abiRelease() {
	clear(live) // drop the references, not only the length, so the buffers can be collected
	live = live[:0]
}

// The JSON shapes of the module's interface description.
type (
	ifaceJSON struct {
		Functions []funcJSON   `json:"functions"`
		Records   []recordJSON `json:"records"`
		Stateless bool         `json:"stateless,omitempty"`
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

func argsJSON(args []Arg) []argJSON {
	out := make([]argJSON, len(args))
	for i, a := range args {
		out[i] = argJSON{Name: a.Name, Type: a.Type}
	}
	return out
}

//go:wasmexport aquanet_interface
func abiInterface() uint64 {
	desc := ifaceJSON{Functions: []funcJSON{}, Records: []recordJSON{}, Stateless: stateless}
	names := append([]string(nil), funcOrder...)
	sort.Strings(names)
	for _, name := range names {
		f := functions[name]
		outputs := []string{}
		if f.output != "" {
			outputs = append(outputs, f.output)
		}
		desc.Functions = append(desc.Functions, funcJSON{Name: f.name, Args: argsJSON(f.args), Outputs: outputs})
	}
	for _, r := range records {
		desc.Records = append(desc.Records, recordJSON{Name: r.name, Fields: argsJSON(r.fields)})
	}
	b, err := json.Marshal(desc)
	if err != nil {
		panic(fmt.Sprintf("sdk: marshalling the interface: %v", err)) // only strings in it: cannot happen
	}
	return hold(b)
}

// The strings are the host's buffers from aquanet_alloc; a string keeps its buffer alive on
// its own, so a handler may keep what it decodes from them.
//
//go:wasmexport aquanet_call
func abiCall(fn, args, params string) uint64 {
	result, err := dispatch(fn, []byte(args), []byte(params))
	if err != nil {
		return hold(errorEnvelope(err.Error()))
	}
	out, err := json.Marshal(result)
	if err != nil {
		return hold(errorEnvelope(fmt.Sprintf("function %s: its result cannot be marshalled: %v", fn, err)))
	}
	env := make([]byte, 0, len(out)+7)
	env = append(env, `{"ok":`...)
	env = append(env, out...)
	return hold(append(env, '}'))
}

// dispatch decodes a call and runs its handler.
func dispatch(name string, argsText, paramsText []byte) (any, error) {
	f, ok := functions[name]
	if !ok {
		return nil, fmt.Errorf("the module has no function %q", name)
	}
	var args []json.RawMessage
	if err := json.Unmarshal(argsText, &args); err != nil {
		return nil, fmt.Errorf("function %s: the arguments are not a JSON array: %w", name, err)
	}
	if len(args) != len(f.args) {
		return nil, fmt.Errorf("function %s takes %d arguments, got %d", name, len(f.args), len(args))
	}
	c := &Call{function: name}
	if len(paramsText) > 0 {
		if err := json.Unmarshal(paramsText, &c.params); err != nil {
			return nil, fmt.Errorf("function %s: the call parameters cannot be read: %w", name, err)
		}
	}
	return f.handler(c, args)
}

func errorEnvelope(msg string) []byte {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg}) // a string always marshals
	return b
}
