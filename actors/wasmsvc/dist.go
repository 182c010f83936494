package wasmsvc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost"
	"github.com/aquanet/aquanet/wasmhost/api"
)

// DistConfig is who may deploy on a node.
type DistConfig struct {
	Host, Management string
	// OpenDeploy lets any peer add modules and blueprints (and create services); by default
	// only the host and its management peer may, as on nox since 2024.
	OpenDeploy bool
	// Bounds on what other peers may make the node keep when deploying is open (0 takes the
	// Default… value; the host and its management peer are not bounded): the bytes of all
	// modules stored, the number of blueprints, the services one peer owns.
	MaxStoredModuleBytes int64
	MaxBlueprints        int
	MaxServicesPerPeer   int
}

// Defaults of DistConfig's bounds.
const (
	DefaultMaxStoredModuleBytes = 1 << 30
	DefaultMaxBlueprints        = 10_000
	DefaultMaxServicesPerPeer   = 16
)

func orDefault[T int | int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Dist is the dist service: modules and blueprints, with nox's function names and argument
// shapes (aqua-lib's builtin.aqua, service Dist), over a Catalog. Adding a module compiles it,
// which takes a second or more for a large one: the dist service's actor is busy meanwhile,
// no other.
//
// Beyond nox: a module larger than a particle can carry (a Go guest is a few MB; a particle
// 4 MiB by default, base64 a third more) is uploaded in chunks, add_module_chunk(upload_id,
// index, chunk_base64) in order, then add_module_upload(upload_id, config) adds it. An upload
// belongs to its uploader, holds at most the host's module size limit, and one uploader has one
// upload at a time: a new upload id drops the unfinished one.
type Dist struct {
	cfg     DistConfig
	catalog *Catalog
	uploads map[string]*upload // by uploader
}

type upload struct {
	id    string
	bytes []byte
	n     int // chunks taken
}

// NewDist returns the dist service over catalog.
func NewDist(cfg DistConfig, catalog *Catalog) *Dist {
	return &Dist{cfg: cfg, catalog: catalog, uploads: map[string]*upload{}}
}

// Guard refuses caller unless it may deploy.
func (d *Dist) Guard(caller string) error {
	if d.cfg.OpenDeploy || d.Privileged(caller) {
		return nil
	}
	return errors.New("This function is only available to the host or worker spells")
}

// Privileged says whether peer is the host or its management peer, whom no bound of open
// deployment limits.
func (d *Dist) Privileged(peer string) bool {
	return peer == d.cfg.Host || (d.cfg.Management != "" && peer == d.cfg.Management)
}

// CheckServiceBound refuses a new service of caller when caller already owns as many as a peer
// may (owned counts them).
func (d *Dist) CheckServiceBound(caller string, owned int) error {
	if max := orDefault(d.cfg.MaxServicesPerPeer, DefaultMaxServicesPerPeer); !d.Privileged(caller) && owned >= max {
		return fmt.Errorf("you own %d Wasm services on this node, the most a peer other than its host and management peer may; remove one first", owned)
	}
	return nil
}

// addModule adds a module for caller, within the bound on stored bytes if caller is bounded.
func (d *Dist) addModule(caller string, wasm []byte, name string, config json.RawMessage) (value.Value, error) {
	if !d.Privileged(caller) {
		if _, _, err := d.catalog.Module(wasmhost.IDOf(wasm)); err != nil { // a module stored already adds nothing
			stored, err := d.catalog.StoredModuleBytes()
			if err != nil {
				return value.Value{}, err
			}
			if max := orDefault(d.cfg.MaxStoredModuleBytes, DefaultMaxStoredModuleBytes); stored+int64(len(wasm)) > max {
				return value.Value{}, fmt.Errorf("module refused: this node keeps %d bytes of modules, and %d more would pass the %d it keeps for peers other than its host and management peer", stored, len(wasm), max)
			}
		}
	}
	rec, err := d.catalog.AddModule(context.Background(), wasm, name, config)
	if err != nil {
		return value.Value{}, err
	}
	return value.String(string(rec.ID)), nil
}

// Call serves a dist function.
func (d *Dist) Call(cc service.CallContext, function string, args []value.Value) (value.Value, error) {
	switch function {
	case "add_module":
		if err := d.Guard(cc.InitPeerID); err != nil {
			return value.Value{}, err
		}
		b64, err := builtin.StringArg(args, 0, "module_bytes")
		if err != nil {
			return value.Value{}, err
		}
		name, config, err := moduleConfigArg(args, 1)
		if err != nil {
			return value.Value{}, err
		}
		if base64.StdEncoding.DecodedLen(len(b64)) > d.catalog.host.MaxModuleSize() {
			return value.Value{}, fmt.Errorf("module refused: more than the limit of %d bytes", d.catalog.host.MaxModuleSize())
		}
		wasm, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return value.Value{}, fmt.Errorf("module_bytes is not base64: %v", err)
		}
		return d.addModule(cc.InitPeerID, wasm, name, config)
	case "add_module_chunk":
		if err := d.Guard(cc.InitPeerID); err != nil {
			return value.Value{}, err
		}
		return d.addChunk(cc.InitPeerID, args)
	case "add_module_upload":
		if err := d.Guard(cc.InitPeerID); err != nil {
			return value.Value{}, err
		}
		id, err := builtin.StringArg(args, 0, "upload_id")
		if err != nil {
			return value.Value{}, err
		}
		name, config, err := moduleConfigArg(args, 1)
		if err != nil {
			return value.Value{}, err
		}
		up := d.uploads[cc.InitPeerID]
		if up == nil || up.id != id {
			return value.Value{}, fmt.Errorf("no upload %q of yours in progress", id)
		}
		delete(d.uploads, cc.InitPeerID)
		return d.addModule(cc.InitPeerID, up.bytes, name, config)
	case "default_module_config":
		name, err := builtin.StringArg(args, 0, "module_name")
		if err != nil {
			return value.Value{}, err
		}
		return value.Object([]string{"name"}, []value.Value{value.String(name)}), nil
	case "make_module_config":
		return makeModuleConfig(args)
	case "list_modules":
		mods, err := d.catalog.Modules()
		if err != nil {
			return value.Value{}, err
		}
		out := make([]value.Value, len(mods))
		for i, m := range mods {
			cfg := value.Object([]string{"name"}, []value.Value{value.String(m.Name)})
			if len(m.Config) > 0 {
				if v, err := value.Parse(m.Config, value.Limits{}); err == nil {
					cfg = v
				}
			}
			out[i] = value.Object([]string{"config", "hash", "name"}, []value.Value{cfg, value.String(string(m.ID)), value.String(m.Name)})
		}
		return value.Array(out...), nil
	case "get_module_interface":
		id, err := builtin.StringArg(args, 0, "module_hash")
		if err != nil {
			return value.Value{}, err
		}
		rec, _, err := d.catalog.Module(wasmhost.ModuleID(id))
		if err != nil {
			return value.Value{}, err
		}
		return InterfaceValue(rec.Interface), nil
	case "make_blueprint":
		name, err := builtin.StringArg(args, 0, "name")
		if err != nil {
			return value.Value{}, err
		}
		deps, err := builtin.StringsArg(args, 1, "dependencies")
		if err != nil {
			return value.Value{}, err
		}
		s, err := MakeBlueprint(name, deps)
		if err != nil {
			return value.Value{}, err
		}
		return value.String(s), nil
	case "add_blueprint":
		if err := d.Guard(cc.InitPeerID); err != nil {
			return value.Value{}, err
		}
		s, err := builtin.StringArg(args, 0, "blueprint")
		if err != nil {
			return value.Value{}, err
		}
		if !d.Privileged(cc.InitPeerID) {
			bps, err := d.catalog.Blueprints()
			if err != nil {
				return value.Value{}, err
			}
			if max := orDefault(d.cfg.MaxBlueprints, DefaultMaxBlueprints); len(bps) >= max {
				return value.Value{}, fmt.Errorf("this node keeps %d blueprints, the most it keeps for peers other than its host and management peer", len(bps))
			}
		}
		bp, err := d.catalog.AddBlueprint(s)
		if err != nil {
			return value.Value{}, err
		}
		return value.String(bp.ID), nil
	case "list_blueprints":
		bps, err := d.catalog.Blueprints()
		if err != nil {
			return value.Value{}, err
		}
		out := make([]value.Value, len(bps))
		for i := range bps {
			out[i] = blueprintValue(&bps[i])
		}
		return value.Array(out...), nil
	case "get_blueprint":
		id, err := builtin.StringArg(args, 0, "blueprint_id")
		if err != nil {
			return value.Value{}, err
		}
		bp, err := d.catalog.Blueprint(id)
		if err != nil {
			return value.Value{}, err
		}
		return blueprintValue(bp), nil
	}
	return value.Value{}, service.NotFound(cc.Service, function)
}

// addChunk serves add_module_chunk(upload_id, index, chunk_base64): chunks come in order from
// 0; index 0 starts the upload (dropping any other of the uploader's).
func (d *Dist) addChunk(uploader string, args []value.Value) (value.Value, error) {
	id, err := builtin.StringArg(args, 0, "upload_id")
	if err != nil {
		return value.Value{}, err
	}
	if len(args) < 2 {
		return value.Value{}, builtin.MissingField("index")
	}
	index, ok := args[1].Uint64()
	if !ok || !args[1].IsInteger() {
		return value.Value{}, builtin.WrongType("index", "u32", args[1])
	}
	b64, err := builtin.StringArg(args, 2, "chunk_base64")
	if err != nil {
		return value.Value{}, err
	}
	chunk, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return value.Value{}, fmt.Errorf("chunk_base64 is not base64: %v", err)
	}
	up := d.uploads[uploader]
	switch {
	case index == 0:
		up = &upload{id: id}
		d.uploads[uploader] = up
	case up == nil || up.id != id:
		return value.Value{}, fmt.Errorf("no upload %q of yours in progress: start it with chunk 0", id)
	}
	if index != uint64(up.n) {
		return value.Value{}, fmt.Errorf("upload %q: chunk %d came, chunk %d was expected", id, index, up.n)
	}
	if len(up.bytes)+len(chunk) > d.catalog.host.MaxModuleSize() {
		delete(d.uploads, uploader)
		return value.Value{}, fmt.Errorf("upload %q dropped: more than the module size limit of %d bytes", id, d.catalog.host.MaxModuleSize())
	}
	up.bytes = append(up.bytes, chunk...)
	up.n++
	return value.Int(int64(len(up.bytes))), nil
}

// moduleConfigArg reads a ModuleConfig argument: an object with a name, which is all of it
// that counts.
func moduleConfigArg(args []value.Value, i int) (name string, config []byte, err error) {
	if i >= len(args) || args[i].Kind() != value.KindObject {
		return "", nil, builtin.MissingField("config")
	}
	v, ok := args[i].Get("name")
	name, isStr := v.Str()
	if !ok || !isStr {
		return "", nil, builtin.WrongType("config", "ModuleConfig with a name", args[i])
	}
	return name, args[i].AppendJSON(nil), nil
}

func blueprintValue(bp *Blueprint) value.Value {
	deps := make([]value.Value, len(bp.Dependencies))
	for i, d := range bp.Dependencies {
		deps[i] = value.String(string(d))
	}
	return value.Object([]string{"dependencies", "id", "name"}, []value.Value{value.Array(deps...), value.String(bp.ID), value.String(bp.Name)})
}

// makeModuleConfig builds aqua-lib's ModuleConfig from make_module_config's arguments: the
// name, then options (Aqua passes ?T as [] or [x]) in the order of builtin.aqua.
func makeModuleConfig(args []value.Value) (value.Value, error) {
	name, err := builtin.StringArg(args, 0, "module_name")
	if err != nil {
		return value.Value{}, err
	}
	keys := []string{"name"}
	vals := []value.Value{value.String(name)}
	opt := func(i int) (value.Value, bool) {
		if i >= len(args) {
			return value.Value{}, false
		}
		v := args[i]
		if v.Kind() == value.KindNull || (v.Kind() == value.KindArray && v.Len() == 0) {
			return value.Value{}, false
		}
		if v.Kind() == value.KindArray && v.Len() == 1 {
			return v.Index(0), true
		}
		return v, true
	}
	var wasiKeys []string
	var wasiVals []value.Value
	for i, field := range []string{"mem_pages_count", "max_heap_size", "logger_enabled", "preopened_files", "envs", "mapped_dirs", "mounted_binaries", "logging_mask"} {
		v, ok := opt(i + 1)
		if !ok {
			continue
		}
		switch field {
		case "envs", "mapped_dirs", "mounted_binaries", "preopened_files":
			wasiKeys, wasiVals = append(wasiKeys, field), append(wasiVals, v)
		default:
			keys, vals = append(keys, field), append(vals, v)
		}
	}
	if len(wasiKeys) > 0 {
		keys, vals = append(keys, "wasi"), append(vals, value.Object(wasiKeys, wasiVals))
	}
	return value.Object(keys, vals), nil
}

// InterfaceValue is an interface as nox's srv.get_interface and dist.get_module_interface
// return it (aqua-lib's Interface): function signatures with their arguments as [name, type]
// pairs and output types, record types with their fields and an id.
func InterfaceValue(iface api.Interface) value.Value {
	fns := make([]value.Value, len(iface.Functions))
	for i, f := range iface.Functions {
		args := make([]value.Value, len(f.Args))
		for j, a := range f.Args {
			args[j] = value.Array(value.String(a.Name), value.String(a.Type.String()))
		}
		outs := make([]value.Value, len(f.Outputs))
		for j, o := range f.Outputs {
			outs[j] = value.String(o.String())
		}
		fns[i] = value.Object([]string{"arguments", "name", "output_types"}, []value.Value{value.Array(args...), value.String(f.Name), value.Array(outs...)})
	}
	recs := make([]value.Value, len(iface.Records))
	for i, r := range iface.Records {
		fields := make([]value.Value, len(r.Fields))
		for j, fl := range r.Fields {
			fields[j] = value.Array(value.String(fl.Name), value.String(fl.Type.String()))
		}
		recs[i] = value.Object([]string{"fields", "id", "name"}, []value.Value{value.Array(fields...), value.Int(int64(i)), value.String(r.Name)})
	}
	return value.Object([]string{"function_signatures", "record_types"}, []value.Value{value.Array(fns...), value.Array(recs...)})
}
