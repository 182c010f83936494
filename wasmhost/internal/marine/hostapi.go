package marine

import (
	"context"
	"errors"
	"fmt"

	wapi "github.com/tetratelabs/wazero/api"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

// The host API namespaces (marine.md §2.5), by version: V0 is `host`.
var hostNamespaces = map[string]int{
	"host":                 0,
	"__marine_host_api_v1": 1,
	"__marine_host_api_v2": 2,
	"__marine_host_api_v3": 3,
}

const wasiNamespace = "wasi_snapshot_preview1"

// callKey carries the parameters of the running call in the context.Context of the call, where
// get_call_parameters finds them (the host function runs inside the guest's call).
type callKey struct{}

func withCallParams(ctx context.Context, p *api.CallParams) context.Context {
	return context.WithValue(ctx, callKey{}, p)
}

// callParams returns the running call's parameters; outside a call (in _start) they are empty,
// as Marine's are.
func callParams(ctx context.Context) *api.CallParams {
	if p, ok := ctx.Value(callKey{}).(*api.CallParams); ok {
		return p
	}
	return &api.CallParams{}
}

// hostFunc is the Go side of one imported host function.
type hostFunc struct {
	params, results []wapi.ValueType
	fn              wapi.GoModuleFunc
}

var (
	sigLog       = []wapi.ValueType{wapi.ValueTypeI32, wapi.ValueTypeI32, wapi.ValueTypeI32, wapi.ValueTypeI32}
	errSignature = errors.New("signature")
)

func sameTypes(a, b []wapi.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hostAPIFunc returns the host function for an import of the host namespace ns (version v).
// Marine's host API has log_utf8_string and get_call_parameters; any other name is a mounted
// binary: the program the node grants the module under that name (engine.Host's
// MountedBinaries), or, when none is granted, a function that fails the call, naming it.
func (s *service) hostAPIFunc(in *instance, v int, ns, name string, params, results []wapi.ValueType) (hostFunc, error) {
	switch name {
	case "log_utf8_string":
		if !sameTypes(params, sigLog) || len(results) != 0 {
			return hostFunc{}, fmt.Errorf("%s.%s has signature %v -> %v, want (i32, i32, i32, i32)", ns, name, params, results)
		}
		return hostFunc{params, results, func(ctx context.Context, m wapi.Module, st []uint64) {
			level, target := int32(st[0]), int32(st[1])
			msg, ok := m.Memory().Read(uint32(st[2]), uint32(st[3]))
			if !ok {
				panic(&hostError{name, fmt.Errorf("the message at %d (%d bytes) is out of memory", uint32(st[2]), uint32(st[3]))})
			}
			if s.host.Log != nil {
				s.host.Log(in.name, level, target, string(msg))
			}
		}}, nil
	case "get_call_parameters":
		if len(params) != 0 || len(results) != 0 {
			return hostFunc{}, fmt.Errorf("%s.%s has signature %v -> %v, want () -> ()", ns, name, params, results)
		}
		return hostFunc{params, results, func(ctx context.Context, m wapi.Module, _ []uint64) {
			if err := lowerCallParams(ctx, in, v, callParams(ctx)); err != nil {
				if f, ok := failure(err); ok {
					panic(f)
				}
				panic(&hostError{name, err})
			}
		}}, nil
	}
	if path, ok := s.host.MountedBinaries[in.name][name]; ok {
		return mountedFunc(in, ns, name, path, params, results)
	}
	binary := name
	return hostFunc{params, results, func(ctx context.Context, m wapi.Module, _ []uint64) {
		panic(&hostError{name, fmt.Errorf("mounted binary %q (imported from %s) is not granted to module %s", binary, ns, in.name)})
	}}, nil
}

// The CallParameters records of the four host API versions, as types of a section of their
// own, so that the generic lowerer writes them.
const (
	cpTetraplet = iota
	cpParticle
	cpV0
	cpV1
	cpV2 // and V3: only names differ
)

var callParamTypes = func() []it.Type {
	str := it.IType{Kind: api.String}
	tetraplets := it.IType{Kind: api.Array, Elem: &it.IType{Kind: api.Array, Elem: &it.IType{Kind: api.Record, Record: cpTetraplet}}}
	f := func(name string, t it.IType) it.Field { return it.Field{Name: name, Type: t} }
	return []it.Type{
		cpTetraplet: {Kind: it.RecordType, Name: "SecurityTetraplet", Args: []it.Field{
			f("peer_pk", str), f("service_id", str), f("function_name", str), f("lens", str)}},
		cpParticle: {Kind: it.RecordType, Name: "ParticleParameters", Args: []it.Field{
			f("id", str), f("init_peer_id", str), f("timestamp", it.IType{Kind: api.U64}), f("ttl", it.IType{Kind: api.U32}),
			f("script", str), f("signature", it.IType{Kind: api.ByteArray}), f("token", str)}},
		cpV0: {Kind: it.RecordType, Name: "CallParameters", Args: []it.Field{
			f("init_peer_id", str), f("service_id", str), f("service_creator_peer_id", str), f("host_id", str),
			f("particle_id", str), f("tetraplets", tetraplets)}},
		cpV1: {Kind: it.RecordType, Name: "CallParameters", Args: []it.Field{
			f("init_peer_id", str), f("service_id", str), f("service_creator_peer_id", str), f("host_id", str),
			f("worker_id", str), f("particle_id", str), f("tetraplets", tetraplets)}},
		cpV2: {Kind: it.RecordType, Name: "CallParameters", Args: []it.Field{
			f("particle", it.IType{Kind: api.Record, Record: cpParticle}), f("service_id", str),
			f("service_creator_peer_id", str), f("host_id", str), f("worker_id", str), f("tetraplets", tetraplets)}},
	}
}()

// callParamsValue is p as the record of host API version v.
func callParamsValue(v int, p *api.CallParams) (uint64, ival) {
	s := func(x string) ival { return ival{kind: api.String, s: x} }
	tps := make([]ival, len(p.Tetraplets))
	for i, arg := range p.Tetraplets {
		one := make([]ival, len(arg))
		for j, t := range arg {
			one[j] = ival{kind: api.Record, elems: []ival{s(t.PeerPK), s(t.ServiceID), s(t.FunctionName), s(t.Lens)}}
		}
		tps[i] = ival{kind: api.Array, elems: one}
	}
	tetraplets := ival{kind: api.Array, elems: tps}
	switch v {
	case 0:
		return cpV0, ival{kind: api.Record, elems: []ival{s(p.InitPeerID), s(p.ServiceID), s(p.ServiceCreatorPeerID),
			s(p.HostID), s(p.ParticleID), tetraplets}}
	case 1:
		return cpV1, ival{kind: api.Record, elems: []ival{s(p.InitPeerID), s(p.ServiceID), s(p.ServiceCreatorPeerID),
			s(p.HostID), s(p.WorkerID), s(p.ParticleID), tetraplets}}
	}
	particle := ival{kind: api.Record, elems: []ival{s(p.ParticleID), s(p.InitPeerID), {kind: api.U64, n: p.Timestamp},
		{kind: api.U32, n: uint64(p.TTL)}, s(p.Script), {kind: api.ByteArray, b: p.Signature}, s(p.Token)}}
	return cpV2, ival{kind: api.Record, elems: []ival{particle, s(p.ServiceID), s(p.ServiceCreatorPeerID), s(p.HostID),
		s(p.WorkerID), tetraplets}}
}

// lowerCallParams writes the call parameters record into the module's memory with its
// allocate and hands the pointer to its set_result_ptr, where the SDK reads it.
func lowerCallParams(ctx context.Context, in *instance, v int, p *api.CallParams) error {
	rec, val := callParamsValue(v, p)
	return lowerRecordResult(ctx, in, callParamTypes, rec, val)
}

// lowerRecordResult is how a host function returns a record (Marine's lower_outputs): it
// writes val, the record types[rec], into the module's memory with its allocate and hands the
// pointer to its set_result_ptr, where the SDK reads it after the import returns.
func lowerRecordResult(ctx context.Context, in *instance, types []it.Type, rec uint64, val ival) error {
	set := in.mod.ExportedFunction("set_result_ptr")
	alloc := in.mod.ExportedFunction("allocate")
	if set == nil || alloc == nil {
		return fmt.Errorf("module %s lacks allocate or set_result_ptr", in.name)
	}
	w := &lowerer{ctx: ctx, mod: in.mod, alloc: alloc, types: types}
	ptr, err := w.lowerRecord(rec, val)
	if err != nil {
		return err
	}
	if _, err := set.Call(ctx, uint64(ptr)); err != nil {
		return &guestError{module: in.name, fn: "set_result_ptr", err: err}
	}
	return nil
}

// trapOf turns a failure of the guest or of an adapter into the engine's Trap.
func trapOf(fn string, err error) *engine.Trap {
	var ge *guestError
	var ae *adapterError
	switch {
	case errors.As(err, &ge):
		return &engine.Trap{Module: ge.module, Function: ge.fn, Err: ge.err}
	case errors.As(err, &ae):
		return &engine.Trap{Module: ae.module, Function: ae.fn,
			Err: fmt.Errorf("adapter instruction %d (%s): %w", ae.at, ae.instr, ae.err)}
	}
	return &engine.Trap{Function: fn, Err: err}
}
