package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// WasmService is a Wasm service a simulator installs on peers before the scenario's particle
// starts (the `wasm:` block): each peer it names deploys the modules as its operator would,
// with dist.add_module, dist.add_blueprint and srv.create, and gives the new service the alias
// Service, which the script calls. Package internal/scenario's own host (aquanet air run) runs
// no Wasm and refuses a scenario that declares any; "aquanet sim" installs them.
type WasmService struct {
	Peer    string // a peer name or "*"
	Service string // the alias the script calls the service by
	// Modules in link order, the facade last: each may import from those before it by name.
	Modules []WasmModule
}

// WasmModule is one module of a WasmService.
type WasmModule struct {
	// File is the module's file. ParseFile joins a relative path to the scenario file's
	// directory; Parse leaves it as written.
	File string `json:"file"`
	// Name is the name other modules import it by: by default File's base name without its
	// .wasm extension.
	Name string `json:"name"`
	// Wasm, if set, is the module's bytes, and File only names it in errors; otherwise a
	// simulator reads File.
	Wasm []byte `json:"-"`
}

// rawWasm is one entry of the wasm block: modules are file names, or {file, name} mappings.
type rawWasm struct {
	Peer    *string           `json:"peer"`
	Service *string           `json:"service"`
	Modules []json.RawMessage `json:"modules"`
}

// hostServices are the services the scenario's host answers on the init peer, which a Wasm
// service cannot take.
var hostServices = []string{"getDataSrv", "callbackSrv", "return", "errorHandlingSrv"}

// validateWasm checks the wasm block and that no service rule answers a service it declares
// (rules and Wasm services would both claim the name).
func validateWasm(raws []rawWasm, s *Scenario) *Error {
	for i, r := range raws {
		field := fmt.Sprintf("wasm[%d]", i)
		switch {
		case r.Peer == nil:
			return &Error{Field: field + ".peer", Msg: `missing: a peer name or "*"`}
		case r.Service == nil || *r.Service == "":
			return &Error{Field: field + ".service", Msg: "missing: the service id (alias) the script calls"}
		case len(r.Modules) == 0:
			return &Error{Field: field + ".modules", Msg: "missing: the module files in link order, the facade last"}
		}
		if _, ok := s.ids[*r.Peer]; !ok && *r.Peer != "*" {
			return &Error{Field: field + ".peer", Msg: fmt.Sprintf(`%q is neither one of peers nor "*"`, clip(*r.Peer))}
		}
		w := WasmService{Peer: *r.Peer, Service: *r.Service}
		if slices.Contains(hostServices, w.Service) {
			return &Error{Field: field + ".service", Msg: fmt.Sprintf("%q is the scenario host's own service on the init peer", w.Service)}
		}
		for _, prev := range s.Wasm {
			if prev.Service == w.Service && (prev.Peer == w.Peer || prev.Peer == "*" || w.Peer == "*") {
				return &Error{Field: field + ".service", Msg: fmt.Sprintf("%q is declared twice for peer %s", w.Service, w.Peer)}
			}
		}
		for j, rs := range s.Services {
			if rs.Service == w.Service {
				return &Error{Field: field + ".service", Msg: fmt.Sprintf("%q is also answered by services[%d]: a service is a rule's or a Wasm service, not both", w.Service, j)}
			}
		}
		for j, rm := range r.Modules {
			mf := fmt.Sprintf("%s.modules[%d]", field, j)
			m, err := wasmModule(rm)
			if err != nil {
				return &Error{Field: mf, Msg: err.Error()}
			}
			if slices.ContainsFunc(w.Modules, func(o WasmModule) bool { return o.Name == m.Name }) {
				return &Error{Field: mf, Msg: fmt.Sprintf("two modules named %q: give one another name ({file: F, name: N})", m.Name)}
			}
			w.Modules = append(w.Modules, m)
		}
		s.Wasm = append(s.Wasm, w)
	}
	return nil
}

// wasmModule reads a module entry: "FILE" or {file: FILE, name: NAME}.
func wasmModule(raw json.RawMessage) (WasmModule, error) {
	var m WasmModule
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '"' {
		if err := json.Unmarshal(raw, &m.File); err != nil {
			return m, err
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return m, fmt.Errorf(`want a file name or {file: FILE, name: NAME}: %v`, strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if m.File == "" {
		return m, fmt.Errorf("missing: the module's file")
	}
	if m.Name == "" {
		m.Name = strings.TrimSuffix(filepath.Base(m.File), ".wasm")
	}
	if len(m.Name) > 128 || strings.ContainsAny(m.Name, "/\\\x00") || m.Name == "." || m.Name == ".." {
		return m, fmt.Errorf("module name %q: want 1 to 128 characters, no slashes", clip(m.Name))
	}
	return m, nil
}
