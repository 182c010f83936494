// Package jsonabi is wasmhost's back end for services written with aquanet's own SDK
// (wasmhost/sdk): Go guests built for wasip1 as reactors, which describe themselves and
// take and return JSON through the ABI the SDK's package documentation specifies. Load links
// a service's modules into a runtime and returns an engine.Service.
//
// The host reads only what it must from a guest, always bounded: an interface description of
// at most MaxInterfaceBytes, validated before use; envelopes of at most MaxEnvelopeBytes, any
// malformation of which (or a pointer outside memory) is a trap; log lines cut at
// MaxLogBytes; nested calls between modules at most MaxCallDepth deep.
//
// Arguments are checked against the declared types before a guest runs (the top-level call's
// and every nested call's); results are not checked against the declared output, which is the
// guest's to keep (a Marine module's result is not checked either, beyond its decoding).
package jsonabi

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	wapi "github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// Limits on what the host reads from guests.
const (
	// MaxInterfaceBytes bounds a module's interface description.
	MaxInterfaceBytes = 1 << 20
	// MaxEnvelopeBytes bounds a call's result envelope, and the arguments of a nested call.
	MaxEnvelopeBytes = 16 << 20
	// MaxLogBytes is where a log line is cut.
	MaxLogBytes = 16 << 10
	// MaxCallDepth bounds nested calls between modules (a call from the facade is depth 1),
	// so that a guest calling itself cannot recurse without end.
	MaxCallDepth = 16
)

// The ABI's names.
const (
	// HostModule is the module of the host functions the guests import.
	HostModule = "aquanet_host"
	// MarkerExport is the export by which a module of the SDK, ABI version 1, is known.
	MarkerExport = "aquanet_sdk_v1"

	exportAlloc     = "aquanet_alloc"
	exportRelease   = "aquanet_release"
	exportInterface = "aquanet_interface"
	exportCall      = "aquanet_call"
)

// IsSDKModule reports whether a compiled module was built with aquanet's SDK (ABI version 1),
// and so is loaded by this back end.
func IsSDKModule(m wazero.CompiledModule) bool {
	_, ok := m.ExportedFunctions()[MarkerExport]
	return ok
}

var _ engine.Loader = Load

// Load links modules, in order, into r and returns the service; the last module is the
// facade and must be an SDK module. It instantiates wasi_snapshot_preview1 and the host
// module in r unless they are there already, then each module under its name, without start
// functions, running its _initialize (a Go reactor's runtime and init functions) after
// linking. Modules that are not SDK modules may be linked for others to import from, but
// cannot be called.
func Load(ctx context.Context, r wazero.Runtime, modules []engine.Module, host engine.Host) (engine.Service, error) {
	if len(modules) == 0 {
		return nil, errors.New("jsonabi: a service needs at least one module")
	}
	if facade := modules[len(modules)-1]; facade.Compiled == nil || !IsSDKModule(facade.Compiled) {
		return nil, fmt.Errorf("jsonabi: the facade module %s does not export %s: it was not built with aquanet's SDK", facade.Name, MarkerExport)
	}
	if r.Module(wasi_snapshot_preview1.ModuleName) == nil {
		if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
			return nil, fmt.Errorf("jsonabi: instantiating WASI: %w", err)
		}
	}
	if r.Module(HostModule) == nil {
		if err := instantiateHost(ctx, r); err != nil {
			return nil, fmt.Errorf("jsonabi: instantiating %s: %w", HostModule, err)
		}
	}
	s := &service{host: host, byName: make(map[string]*instance, len(modules))}
	// A guest's init functions may log, and call modules linked before it.
	lctx := withState(ctx, &callState{svc: s, params: []byte("{}")})
	for _, m := range modules {
		if err := s.link(lctx, r, m); err != nil {
			_ = s.Close(ctx)
			return nil, fmt.Errorf("jsonabi: module %s: %w", m.Name, err)
		}
	}
	s.facade = s.modules[len(s.modules)-1]
	return s, nil
}

// link instantiates one module and, for an SDK module, reads its interface.
func (s *service) link(ctx context.Context, r wazero.Runtime, m engine.Module) error {
	if m.Compiled == nil {
		return errors.New("not compiled")
	}
	if _, dup := s.byName[m.Name]; dup || m.Name == HostModule || m.Name == wasi_snapshot_preview1.ModuleName {
		return errors.New("the name is taken by another module")
	}
	exports := m.Compiled.ExportedFunctions()
	_, initialize := exports["_initialize"]
	if _, start := exports["_start"]; start && !initialize {
		return errors.New("it is a command (exports _start), not a reactor: build it with -buildmode=c-shared")
	}
	cfg := m.Config
	if cfg == nil {
		cfg = wazero.NewModuleConfig()
	}
	mod, err := r.InstantiateModule(ctx, m.Compiled, cfg.WithName(m.Name).WithStartFunctions())
	if err != nil {
		return err
	}
	inst := &instance{name: m.Name, mod: mod}
	s.modules = append(s.modules, inst)
	s.byName[m.Name] = inst
	_, isSDK := exports[MarkerExport]
	if isSDK {
		for _, name := range []string{exportAlloc, exportRelease, exportInterface, exportCall} {
			if _, ok := exports[name]; !ok {
				return fmt.Errorf("it exports %s but not %s", MarkerExport, name)
			}
		}
		if mod.Memory() == nil {
			return fmt.Errorf("it exports %s but no memory", MarkerExport)
		}
		// Set before _initialize, so that init functions may call other modules (the
		// answer comes back through alloc); the interface is complete only after them.
		inst.sdk = true
		inst.alloc = mod.ExportedFunction(exportAlloc)
		inst.release = mod.ExportedFunction(exportRelease)
	}
	if initialize {
		if _, err := mod.ExportedFunction("_initialize").Call(ctx); err != nil {
			return fmt.Errorf("_initialize: %w", err)
		}
	}
	if !isSDK {
		return nil
	}
	res, err := mod.ExportedFunction(exportInterface).Call(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", exportInterface, err)
	}
	text, err := readPacked(mod, res[0], MaxInterfaceBytes)
	if err != nil {
		return fmt.Errorf("%s: %w", exportInterface, err)
	}
	if _, err := inst.release.Call(ctx); err != nil {
		return fmt.Errorf("%s: %w", exportRelease, err)
	}
	if inst.iface, err = parseInterface(text); err != nil {
		return err
	}
	return nil
}

// readPacked copies out the guest memory a packed pointer (ptr<<32 | len) names, at most
// limit bytes.
func readPacked(mod wapi.Module, packed uint64, limit int) ([]byte, error) {
	ptr, n := uint32(packed>>32), uint32(packed)
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("the guest's answer is %d bytes, more than the limit of %d", n, limit)
	}
	b, ok := mod.Memory().Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("the guest's answer (%d bytes at %#x) lies outside its memory", n, ptr)
	}
	return bytes.Clone(b), nil
}
