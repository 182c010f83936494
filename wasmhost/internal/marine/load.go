package marine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero"
	wapi "github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/aquanet/aquanet/wasmhost/internal/engine"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

var _ engine.Loader = Load

// Load links the modules of one Marine service into r and returns it (an engine.Loader).
//
// r must have been made with wazero.NewRuntimeConfig().WithCustomSections(true) (or the
// interpreter/compiler variants): without it CompiledModule.CustomSections() is empty and no
// module has its interface-types section, which Load reports.
//
// Every module gets its own instances of what it imports, found through wazero's import
// resolver (experimental.WithImportResolver) so that nothing else in r is shadowed or needed:
// WASI (wasi_snapshot_preview1, which works on the calling module's own configuration), the
// host API in the namespaces host and __marine_host_api_v1..v3, and the functions it imports
// from the modules before it, which run its import adapters. The modules are named after
// Module.Name in r. Each is instantiated without start functions; then _initialize and _start
// run if exported, in that order, once its imports are wired (marine.md §0 (a)).
func Load(ctx context.Context, r wazero.Runtime, modules []engine.Module, host engine.Host) (engine.Service, error) {
	if len(modules) == 0 {
		return nil, errors.New("marine: a service needs at least one module")
	}
	s := &service{host: host, byName: map[string]*instance{}}
	if err := s.load(ctx, r, modules); err != nil {
		_ = s.Close(ctx)
		return nil, err
	}
	return s, nil
}

func (s *service) load(ctx context.Context, r wazero.Runtime, modules []engine.Module) error {
	wasiCompiled, err := wasi_snapshot_preview1.NewBuilder(r).Compile(ctx)
	if err != nil {
		return fmt.Errorf("marine: compiling WASI: %w", err)
	}
	s.closers = append(s.closers, wasiCompiled)
	wasi, err := r.InstantiateModule(ctx, wasiCompiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return fmt.Errorf("marine: instantiating WASI: %w", err)
	}
	s.closers = append(s.closers, wasi)

	for _, m := range modules {
		if m.Name == "" {
			return errors.New("marine: a module has no name")
		}
		if _, dup := s.byName[m.Name]; dup {
			return fmt.Errorf("marine: two modules are named %q", m.Name)
		}
		in, err := s.loadModule(ctx, r, m, wasi)
		if err != nil {
			return fmt.Errorf("marine: module %s: %w", m.Name, err)
		}
		s.byName[m.Name] = in
		s.order = append(s.order, in)
	}
	s.facade = s.order[len(s.order)-1]
	s.iface, err = s.facade.sec.Interface()
	if err != nil {
		return fmt.Errorf("marine: facade module %s: %w", s.facade.name, err)
	}
	return nil
}

// section reads and decodes the module's interface-types section.
func section(cm wazero.CompiledModule) (*it.Section, error) {
	customs := cm.CustomSections()
	for _, c := range customs {
		if c.Name() == it.SectionName {
			return it.Decode(c.Data())
		}
	}
	if len(customs) == 0 {
		return nil, fmt.Errorf("no %s section (no custom sections at all: was the runtime made with "+
			"wazero.NewRuntimeConfig().WithCustomSections(true)?)", it.SectionName)
	}
	return nil, fmt.Errorf("no %s section: not a module built by marine", it.SectionName)
}

func (s *service) loadModule(ctx context.Context, r wazero.Runtime, m engine.Module, wasi wapi.Module) (*instance, error) {
	sec, err := section(m.Compiled)
	if err != nil {
		return nil, err
	}
	fns, err := sec.Functions()
	if err != nil {
		return nil, err
	}
	in := &instance{name: m.Name, sec: sec, fns: map[string]it.Function{}}
	for _, f := range fns {
		in.fns[f.Name] = f
	}
	if len(m.Compiled.ImportedMemories()) > 0 {
		return nil, errors.New("imports a memory: Marine modules have their own")
	}

	// Group the imported functions by namespace, and build a module for each namespace.
	type imp struct {
		name            string
		params, results []wapi.ValueType
	}
	byNS := map[string][]imp{}
	var namespaces []string
	for _, f := range m.Compiled.ImportedFunctions() {
		ns, name, _ := f.Import()
		if _, ok := byNS[ns]; !ok {
			namespaces = append(namespaces, ns)
		}
		byNS[ns] = append(byNS[ns], imp{name, f.ParamTypes(), f.ResultTypes()})
	}
	slices.Sort(namespaces)
	resolved := map[string]wapi.Module{}
	for _, ns := range namespaces {
		if ns == wasiNamespace {
			resolved[ns] = wasi
			continue
		}
		funcs := map[string]hostFunc{}
		v, isHost := hostNamespaces[ns]
		callee, isModule := s.byName[ns]
		for _, f := range byNS[ns] {
			var hf hostFunc
			switch {
			case isHost:
				hf, err = s.hostAPIFunc(in, v, ns, f.name, f.params, f.results)
			case isModule:
				hf, err = s.importFunc(in, callee, ns, f.name, f.params, f.results)
			default:
				err = fmt.Errorf("imports %s.%s, but %q is neither WASI, the host API nor a module loaded before it", ns, f.name, ns)
			}
			if err != nil {
				return nil, err
			}
			funcs[f.name] = hf
		}
		mod, err := s.hostModule(ctx, r, ns, funcs)
		if err != nil {
			return nil, err
		}
		resolved[ns] = mod
	}

	cfg := m.Config
	if cfg == nil {
		cfg = wazero.NewModuleConfig()
	}
	rctx := experimental.WithImportResolver(ctx, func(name string) wapi.Module { return resolved[name] })
	mod, err := r.InstantiateModule(rctx, m.Compiled, cfg.WithName(m.Name).WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("instantiating: %w", err)
	}
	in.mod = mod
	s.closers = append(s.closers, mod)

	for i, e := range sec.Exports {
		f := mod.ExportedFunction(e.Name)
		if f == nil {
			return nil, fmt.Errorf("its interface-types section exports %q, which the module does not", e.Name)
		}
		in.core = append(in.core, f)
		_ = i
	}
	if err := in.linkImports(s); err != nil {
		return nil, err
	}
	for _, start := range []string{"_initialize", "_start"} {
		f := mod.ExportedFunction(start)
		if f == nil {
			continue
		}
		if _, err := f.Call(ctx); err != nil {
			var exit *sys.ExitError
			if errors.As(err, &exit) && exit.ExitCode() == 0 {
				continue
			}
			return nil, fmt.Errorf("%s: %w", start, trapOf(start, &guestError{module: m.Name, fn: start, err: hostCause(err)}))
		}
	}
	return in, nil
}

// linkImports resolves the IT imports the adapters can call: those with an implementation, in
// order, at call-core indices past the exports; each with the IT signature two types before
// its own (marine.md §2.3).
func (in *instance) linkImports(s *service) error {
	for _, im := range in.sec.Imports {
		if _, ok := in.sec.AdapterType(im.Type); !ok {
			continue
		}
		callee, ok := s.byName[im.Namespace]
		if !ok {
			return fmt.Errorf("imports %s.%s, but no module %q was loaded before it", im.Namespace, im.Name, im.Namespace)
		}
		if im.Type < 2 {
			return fmt.Errorf("import %s.%s: type %d has no signature two types before it", im.Namespace, im.Name, im.Type)
		}
		sig, err := in.sec.Signature(im.Type - 2)
		if err != nil {
			return fmt.Errorf("import %s.%s: %w", im.Namespace, im.Name, err)
		}
		if _, ok := callee.fns[im.Name]; !ok {
			return fmt.Errorf("imports %s.%s, which module %s does not export", im.Namespace, im.Name, im.Namespace)
		}
		in.imports = append(in.imports, linkedImport{callee: callee, name: im.Name, sig: sig})
	}
	return nil
}

// importFunc is the core function that serves the module's import ns.name: it runs the
// module's import adapter, which lifts the arguments from the module's memory, calls the
// callee's function and lowers the result back.
func (s *service) importFunc(in, callee *instance, ns, name string, params, results []wapi.ValueType) (hostFunc, error) {
	var core uint64
	found := false
	for _, im := range in.sec.Imports {
		if im.Namespace == ns && im.Name == name {
			if _, ok := in.sec.AdapterType(im.Type); ok {
				core, found = im.Type, true
				break
			}
		}
	}
	if !found {
		return hostFunc{}, fmt.Errorf("imports %s.%s, which its interface-types section does not describe", ns, name)
	}
	at, _ := in.sec.AdapterType(core)
	ai, ok := in.sec.AdapterFor(at)
	if !ok {
		return hostFunc{}, fmt.Errorf("import %s.%s: no adapter of type %d", ns, name, at)
	}
	sig, err := in.sec.Signature(at)
	if err != nil {
		return hostFunc{}, fmt.Errorf("import %s.%s: %w", ns, name, err)
	}
	if len(sig.Args) != len(params) || len(sig.Outputs) != len(results) {
		return hostFunc{}, fmt.Errorf("import %s.%s: the core import takes %d and returns %d values, its adapter %d and %d",
			ns, name, len(params), len(results), len(sig.Args), len(sig.Outputs))
	}
	for i, p := range params {
		if sig.Args[i].Type.Kind != coreKind(p) {
			return hostFunc{}, fmt.Errorf("import %s.%s: argument %d is %s in the core, %s in its adapter",
				ns, name, i, wapi.ValueTypeName(p), sig.Args[i].Type)
		}
	}
	ad := &in.sec.Adapters[ai]
	fn := ns + "." + name
	return hostFunc{params, results, func(ctx context.Context, m wapi.Module, st []uint64) {
		args := make([]ival, len(params))
		for i, p := range params {
			args[i] = fromCore(p, st[i])
		}
		out, err := in.run(ctx, fn, ad, args)
		if err == nil && len(out) != len(results) {
			err = &adapterError{module: in.name, fn: fn, at: len(ad.Instrs), err: fmt.Errorf("left %d values, the core import returns %d", len(out), len(results))}
		}
		for i := 0; err == nil && i < len(results); i++ {
			if st[i], err = toCore(results[i], out[i]); err != nil {
				err = &adapterError{module: in.name, fn: fn, at: len(ad.Instrs), err: fmt.Errorf("result %d: %w", i, err)}
			}
		}
		if err != nil {
			panic(err) // wazero stops the guest and returns err from the outermost call
		}
	}}, nil
}

// hostModule instantiates an anonymous host module exporting funcs, for one importer.
func (s *service) hostModule(ctx context.Context, r wazero.Runtime, ns string, funcs map[string]hostFunc) (wapi.Module, error) {
	b := r.NewHostModuleBuilder(ns)
	for name, f := range funcs {
		b = b.NewFunctionBuilder().WithGoModuleFunction(f.fn, f.params, f.results).Export(name)
	}
	cm, err := b.Compile(ctx)
	if err != nil {
		return nil, fmt.Errorf("host module %s: %w", ns, err)
	}
	s.closers = append(s.closers, cm)
	mod, err := r.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("host module %s: %w", ns, err)
	}
	s.closers = append(s.closers, mod)
	return mod, nil
}
