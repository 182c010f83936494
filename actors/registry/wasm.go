package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/actors/supervise"
	"github.com/aquanet/aquanet/actors/wasmsvc"
	"github.com/aquanet/aquanet/internal/rng"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Wasm is what the registry needs to make services of blueprints (srv.create) and bring them
// back after a restart.
type Wasm struct {
	Catalog *wasmsvc.Catalog
	// Dist guards who may create services (its policy is the dist service's).
	Dist *wasmsvc.Dist
	// Dir, if set, holds a directory per service: <Dir>/<id>/storage, which the service's
	// modules see as /storage and which outlives restarts, and <Dir>/<id>/tmp, their /tmp,
	// emptied at every start. Without it, services have neither.
	Dir string
	// Seed makes the service ids (UUID v4 in form, as nox's) reproducible in a simulation.
	Seed uint64
	// ActorOptions apply to the Wasm service actors after the registry's own (a dispatcher
	// that suits deep stacks).
	ActorOptions []actor.PropsOption
	// StopAtDeadline stops a call when its particle expires on the registry's clock, besides
	// the host's call time limit. Only for a node on real time: in a simulation the virtual
	// time left is no measure of the real time a call may take, and stopping a call by it
	// would make a run depend on the machine's speed.
	StopAtDeadline bool
	// PoolSize is how many instances a stateless service may run at once (see
	// service.PoolProps); 0 or 1 serves every service one call at a time.
	PoolSize int
}

// wasmState is the registry's part of the Wasm services: which blueprint each runs, and the
// source of new ids.
type wasmState struct {
	blueprints map[string]string // service id -> blueprint id
	ids        interface{ Uint64() uint64 }
}

// restoreWasm brings back the Wasm services the catalog keeps, each with its aliases; each
// starts its instance on its first call, so a node with many services starts at once.
func (r *registryActor) restoreWasm(ctx actor.Context) {
	w := r.cfg.Wasm
	r.wasm = wasmState{blueprints: map[string]string{}, ids: rng.New(rng.Derive(w.Seed, "service-ids/"+r.cfg.Host))}
	recs, err := w.Catalog.Services()
	if err != nil {
		panic(fmt.Sprintf("registry: reading the Wasm services: %v", err)) // the node cannot start half-restored
	}
	for _, rec := range recs {
		if err := r.startWasm(ctx, rec); err != nil {
			// A service whose modules are gone, or that no longer links (a mounted binary the
			// node's config no longer grants), stays listed under its id and aliases, and every
			// call to it fails saying why, until srv.remove forgets it.
			if r.startBroken(ctx, rec, err) != nil {
				continue
			}
		}
		for _, a := range rec.Aliases {
			r.services.AddAlias(r.cfg.Host, a, rec.ID)
		}
	}
}

// startWasm registers and spawns the service rec describes.
func (r *registryActor) startWasm(ctx actor.Context, rec wasmsvc.ServiceRecord) error {
	storage, tmp, err := r.serviceDirs(rec.ID)
	if err != nil {
		return err
	}
	spec, err := r.cfg.Wasm.Catalog.Spec(rec.BlueprintID, rec.ID, storage, tmp)
	if err != nil {
		return err
	}
	iface, err := r.cfg.Wasm.Catalog.Interface(rec.BlueprintID)
	if err != nil {
		return err
	}
	if err := r.services.Add(rec.ID, rec.Owner, nil); err != nil {
		return err
	}
	svc := wasmsvc.NewService(r.cfg.Wasm.Catalog.Host(), spec, r.cfg.Host, rec.Owner)
	if r.cfg.Wasm.StopAtDeadline {
		svc.Clock = r.cfg.Clock
	}
	env := service.Env{Clock: r.cfg.Clock, Faults: r.cfg.Faults}
	opts := append(slices.Clip(r.opts), r.cfg.Wasm.ActorOptions...)
	props := service.Props(env, svc.NewHandler, opts...)
	if iface.Stateless && r.cfg.Wasm.PoolSize > 1 {
		props = service.PoolProps(env, r.cfg.Wasm.PoolSize, svc.NewHandler, append(opts, actor.WithSupervisor(&supervise.Strategy{Clock: r.cfg.Clock}))...)
	}
	s, _ := r.services.Resolve(rec.ID)
	s.App = rec.App
	s.Handle = ctx.Spawn(props)
	r.wasm.blueprints[rec.ID] = rec.BlueprintID
	return nil
}

// startBroken registers a service that cannot run: each call fails with why.
func (r *registryActor) startBroken(ctx actor.Context, rec wasmsvc.ServiceRecord, why error) error {
	if _, ok := r.services.Resolve(rec.ID); !ok {
		if err := r.services.Add(rec.ID, rec.Owner, nil); err != nil {
			return err
		}
	}
	msg := fmt.Sprintf("service %s could not be brought back when the node started: %v", rec.ID, why)
	s, _ := r.services.Resolve(rec.ID)
	s.Handle = ctx.Spawn(service.Props(service.Env{Clock: r.cfg.Clock, Faults: r.cfg.Faults}, func() service.Handler {
		return service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
			return value.Value{}, errors.New(msg)
		})
	}, r.opts...))
	r.wasm.blueprints[rec.ID] = rec.BlueprintID
	return nil
}

// serviceDirs makes a service's storage dir and an empty tmp dir, if the node has a dir for
// them.
func (r *registryActor) serviceDirs(id string) (storage, tmp string, err error) {
	if r.cfg.Wasm.Dir == "" {
		return "", "", nil
	}
	base := filepath.Join(r.cfg.Wasm.Dir, id)
	storage, tmp = filepath.Join(base, "storage"), filepath.Join(base, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return "", "", err
	}
	for _, d := range []string{storage, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", "", err
		}
	}
	return storage, tmp, nil
}

// create serves srv.create: a new service of a blueprint, owned by the caller, under the
// perimeter of application app if app is set.
func (r *registryActor) create(ctx actor.Context, caller, blueprintID, app string) (value.Value, error) {
	if r.cfg.Wasm == nil {
		return value.Value{}, fmt.Errorf("this node runs no Wasm services")
	}
	if err := r.cfg.Wasm.Dist.Guard(caller); err != nil {
		return value.Value{}, err
	}
	if err := r.cfg.Wasm.Dist.CheckServiceBound(caller, r.ownedWasm(caller)); err != nil {
		return value.Value{}, err
	}
	if _, err := r.cfg.Wasm.Catalog.Blueprint(blueprintID); err != nil {
		return value.Value{}, err
	}
	id := r.newServiceID()
	rec := wasmsvc.ServiceRecord{ID: id, BlueprintID: blueprintID, Owner: caller, App: app}
	if err := r.startWasm(ctx, rec); err != nil {
		return value.Value{}, err
	}
	if err := r.cfg.Wasm.Catalog.SaveService(rec); err != nil {
		r.removeWasm(ctx, id)
		return value.Value{}, err
	}
	return value.String(id), nil
}

// ownedWasm counts the Wasm services owner owns.
func (r *registryActor) ownedWasm(owner string) int {
	n := 0
	for id := range r.wasm.blueprints {
		if s, ok := r.services.Resolve(id); ok && s.Owner == owner {
			n++
		}
	}
	return n
}

// newServiceID is a new id in UUID v4 form, from the registry's seeded source.
func (r *registryActor) newServiceID() string {
	for {
		var b [16]byte
		for i := 0; i < 16; i += 8 {
			v := r.wasm.ids.Uint64()
			for j := range 8 {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
		if _, taken := r.services.Resolve(id); !taken {
			return id
		}
	}
}

// removeWasm forgets a Wasm service's record and dirs (the registry has unregistered it).
func (r *registryActor) removeWasm(ctx actor.Context, id string) error {
	if _, ok := r.wasm.blueprints[id]; !ok {
		return nil
	}
	delete(r.wasm.blueprints, id)
	if err := r.cfg.Wasm.Catalog.DeleteService(id); err != nil {
		return err
	}
	if r.cfg.Wasm.Dir != "" {
		return os.RemoveAll(filepath.Join(r.cfg.Wasm.Dir, id))
	}
	return nil
}

// saveWasmAliases keeps the aliases of every Wasm service, after an alias moved.
func (r *registryActor) saveWasmAliases() error {
	for id, bp := range r.wasm.blueprints {
		s, ok := r.services.Resolve(id)
		if !ok {
			continue
		}
		if err := r.cfg.Wasm.Catalog.SaveService(wasmsvc.ServiceRecord{ID: id, BlueprintID: bp, Owner: s.Owner, Aliases: s.Aliases}); err != nil {
			return err
		}
	}
	return nil
}

// getInterface serves srv.get_interface.
func (r *registryActor) getInterface(id string) (value.Value, error) {
	s, ok := r.services.Resolve(id)
	if !ok {
		return value.Value{}, r.services.noSuchService(id)
	}
	bp, ok := r.wasm.blueprints[s.ID]
	if !ok {
		return value.Value{}, fmt.Errorf("service %s is not a Wasm service: its interface is its Go code's", s.ID)
	}
	iface, err := r.cfg.Wasm.Catalog.Interface(bp)
	if err != nil {
		return value.Value{}, err
	}
	return wasmsvc.InterfaceValue(iface), nil
}
