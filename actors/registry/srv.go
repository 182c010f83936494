package registry

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
)

// srv serves the srv builtin (nox's ("srv", …) arms in particle-builtins/src/builtins.rs) for
// the services this node runs: list, info, resolve_alias, resolve_alias_opt, add_alias, remove,
// and for Wasm services create and get_interface. add_alias and remove are open only to the
// host and the management peer, as nox's guard has it; create to those the dist service lets
// deploy.
// Functions that return nothing return the empty string, as nox does.
func (r *registryActor) srv(ctx actor.Context, c *service.Call) (value.Value, error) {
	caller := c.Context.InitPeerID
	str := func(i int, field string) (string, error) { return builtin.StringArg(c.Args, i, field) }
	switch c.Function {
	case "list":
		list := r.services.List()
		out := make([]value.Value, len(list))
		for i, s := range list {
			out[i] = r.info(s)
		}
		return value.Array(out...), nil
	case "info":
		id, err := str(0, "service_id_or_alias")
		if err != nil {
			return value.Value{}, err
		}
		s, ok := r.services.Resolve(id)
		if !ok {
			return value.Value{}, r.services.noSuchService(id)
		}
		return r.info(s), nil
	case "resolve_alias", "resolve_alias_opt":
		alias, err := str(0, "alias")
		if err != nil {
			return value.Value{}, err
		}
		id, err := r.services.ResolveAlias(alias)
		if c.Function == "resolve_alias_opt" {
			if err != nil {
				return value.Array(), nil
			}
			return value.Array(value.String(id)), nil
		}
		if err != nil {
			return value.Value{}, err
		}
		return value.String(id), nil
	case "add_alias":
		alias, err := str(0, "alias")
		if err != nil {
			return value.Value{}, err
		}
		id, err := str(1, "service_id")
		if err != nil {
			return value.Value{}, err
		}
		if err := r.guard(caller); err != nil {
			return value.Value{}, err
		}
		if err := r.services.AddAlias(caller, alias, id); err != nil {
			return value.Value{}, err
		}
		if r.cfg.Wasm != nil {
			if err := r.saveWasmAliases(); err != nil {
				return value.Value{}, err
			}
		}
		return value.String(""), nil
	case "remove":
		id, err := str(0, "service_id_or_alias")
		if err != nil {
			return value.Value{}, err
		}
		if err := r.guard(caller); err != nil {
			return value.Value{}, err
		}
		s, err := r.services.Remove(caller, id)
		if err != nil {
			return value.Value{}, err
		}
		ctx.Stop(s.Handle)
		if err := r.removeWasm(ctx, s.ID); err != nil {
			return value.Value{}, err
		}
		return value.String(""), nil
	case "create":
		bp, err := str(0, "blueprint_id")
		if err != nil {
			return value.Value{}, err
		}
		// aquanet's addition to nox's srv.create: an optional second argument, the id of the
		// application whose perimeter the new service is under (Service.App).
		app := ""
		if len(c.Args) > 1 {
			if app, err = str(1, "perimeter_app"); err != nil {
				return value.Value{}, err
			}
		}
		return r.create(ctx, caller, bp, app)
	case "get_interface":
		id, err := str(0, "service_id")
		if err != nil {
			return value.Value{}, err
		}
		return r.getInterface(id)
	}
	return value.Value{}, service.NotFound("srv", c.Function)
}

func (r *registryActor) guard(caller string) error {
	if !r.services.privileged(caller) {
		return errors.New("This function is only available to the host or worker spells")
	}
	return nil
}

// info is a service as srv.list and srv.info show it: aqua-lib's Service (a Go service has no
// blueprint: its blueprint_id is empty).
func (r *registryActor) info(s *Service[*actor.PID]) value.Value {
	aliases := make([]value.Value, len(s.Aliases))
	for i, a := range s.Aliases {
		aliases[i] = value.String(a)
	}
	return value.Object([]string{"aliases", "blueprint_id", "id", "owner_id", "service_type", "worker_id"},
		[]value.Value{value.Array(aliases...), value.String(r.wasm.blueprints[s.ID]), value.String(s.ID), value.String(s.Owner),
			value.String("service"), value.String(r.cfg.Host)})
}
