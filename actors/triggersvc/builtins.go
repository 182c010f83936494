package triggersvc

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/value"
)

// The services the node serves from its triggers.
const (
	ScriptService = "script" // add, remove, list
	SpellService  = "spell"  // the state of the calling trigger
	// DataService is what a trigger's particle reads its arguments from, as a client's script
	// does: the node routes a trigger particle's getDataSrv calls here (DataFor).
	DataService = "getDataSrv"
	// CallbackService is what an HTTP trigger's script answers its request through
	// (callbackSrv.response), as a client's script answers its client.
	CallbackService = "callbackSrv"
)

// Call serves the script and spell builtins and a trigger particle's getDataSrv.
//
//	script.add(script, interval_sec?, args?, times?, start_at_ms?) -> id
//	    interval 0 or absent: one run; args an object (getDataSrv.NAME); times 0: no limit
//	script.remove(id) -> true
//	script.list() -> [{id, owner, src, interval, runs, times, next_at}]
//	spell.get_string(key) -> {str, absent, success, error}    (the calling trigger's state)
//	spell.set_string(key, value) -> {success, error}
//	spell.list_push_string(key, value) -> {success, error}
//	spell.list_get_strings(key) -> {value: [..], success, error}
//	spell.exists(key) -> {flag, success, error}
//	spell.remove_key(key) -> {success, error}
//	script.add_route(route, script, args?) -> id    an HTTP trigger (Invoke)
//	getDataSrv.NAME -> the trigger's argument NAME; getDataSrv.spell_id -> its id;
//	getDataSrv.-owner- -> the peer that installed it
//	callbackSrv.response(v) -> null: v answers an HTTP trigger's request
func (s *Service) Call(cc service.CallContext, function string, args []value.Value) (value.Value, error) {
	switch cc.Service {
	case ScriptService:
		return s.script(cc, function, args)
	case SpellService:
		t, ok := s.triggerOf(cc.InitPeerID, cc.ParticleID)
		if !ok {
			return value.Value{}, errors.New("spell: only a trigger's own particle has a state to read and write")
		}
		return s.spell(t.ID, function, args)
	case CallbackService:
		if function == "response" {
			s.respond(cc.ParticleID, args)
		}
		return value.Null(), nil
	}
	return s.data(cc, function)
}

func (s *Service) script(cc service.CallContext, function string, args []value.Value) (value.Value, error) {
	switch function {
	case "add":
		src, err := builtin.StringArg(args, 0, "script")
		if err != nil {
			return value.Value{}, err
		}
		var sch Schedule
		every, _, err := builtin.OptUint64Arg(args, 1, "interval_sec")
		if err != nil {
			return value.Value{}, err
		}
		if every > uint64(365*24*time.Hour/time.Second) {
			return value.Value{}, fmt.Errorf("an interval of %d s is longer than a year", every)
		}
		sch.Every = time.Duration(every) * time.Second
		var params value.Value
		if len(args) > 2 {
			params = args[2]
		}
		if sch.Times, _, err = builtin.OptUint64Arg(args, 3, "times"); err != nil {
			return value.Value{}, err
		}
		if sch.StartAt, _, err = builtin.OptUint64Arg(args, 4, "start_at_ms"); err != nil {
			return value.Value{}, err
		}
		id, err := s.Add(cc.InitPeerID, src, params, sch)
		if err != nil {
			return value.Value{}, err
		}
		return value.String(id), nil
	case "add_route":
		route, err := builtin.StringArg(args, 0, "route")
		if err != nil {
			return value.Value{}, err
		}
		src, err := builtin.StringArg(args, 1, "script")
		if err != nil {
			return value.Value{}, err
		}
		var params value.Value
		if len(args) > 2 {
			params = args[2]
		}
		id, err := s.AddRoute(cc.InitPeerID, route, src, params)
		if err != nil {
			return value.Value{}, err
		}
		return value.String(id), nil
	case "remove":
		id, err := builtin.StringArg(args, 0, "id")
		if err != nil {
			return value.Value{}, err
		}
		if err := s.Remove(cc.InitPeerID, id); err != nil {
			return value.Value{}, err
		}
		return value.Bool(true), nil
	case "list":
		ts := s.List()
		out := make([]value.Value, len(ts))
		for i, t := range ts {
			out[i] = value.Object([]string{"id", "interval", "next_at", "owner", "route", "runs", "src", "times"},
				[]value.Value{value.String(t.ID), value.Uint(t.Every), value.Uint(t.NextAt), value.String(t.Owner), value.String(t.Route),
					value.Uint(t.Runs), value.String(t.Script), value.Uint(t.Times)})
		}
		return value.Array(out...), nil
	}
	return value.Value{}, service.NotFound(ScriptService, function)
}

// data serves getDataSrv for a trigger's particle: its arguments (an HTTP run's, with its
// request's over them), and spell_id.
func (s *Service) data(cc service.CallContext, name string) (value.Value, error) {
	t, ok := s.triggerOf(cc.InitPeerID, cc.ParticleID)
	if !ok {
		return value.Value{}, service.NotFound(DataService, name)
	}
	switch name {
	case "spell_id":
		return value.String(t.ID), nil
	case "-owner-":
		return value.String(t.Owner), nil
	}
	s.mu.Lock()
	inv := s.pending[cc.ParticleID]
	s.mu.Unlock()
	if inv != nil {
		if v, ok := inv.args.Get(name); ok {
			return v, nil
		}
	} else if len(t.Args) > 0 {
		args, err := value.Parse(t.Args, value.Limits{})
		if err != nil {
			return value.Value{}, fmt.Errorf("getDataSrv: trigger %s's arguments: %w", t.ID, err)
		}
		if v, ok := args.Get(name); ok {
			return v, nil
		}
	}
	return value.Value{}, fmt.Errorf("getDataSrv: trigger %s has no argument %s", t.ID, name)
}

// OwnerOf returns the owner of the trigger whose particle makes a call, if it is one.
func (s *Service) OwnerOf(cc service.CallContext) (string, bool) {
	t, ok := s.triggerOf(cc.InitPeerID, cc.ParticleID)
	if !ok {
		return "", false
	}
	return t.Owner, true
}

// DataFor says whether a call to getDataSrv or callbackSrv is a trigger particle's, which the
// node serves from the trigger rather than route to a service of that name.
func (s *Service) DataFor(cc service.CallContext) bool {
	_, ok := s.triggerOf(cc.InitPeerID, cc.ParticleID)
	return ok
}

// spell serves the state functions for trigger id. As nox's Spell KV, they answer success
// false with an error rather than fail the call.
func (s *Service) spell(id, function string, args []value.Value) (value.Value, error) {
	key, err := builtin.StringArg(args, 0, "key")
	if err != nil {
		return value.Value{}, err
	}
	if len(key) > maxKeyLen {
		return result(fmt.Errorf("a key of %d bytes is longer than %d", len(key), maxKeyLen)), nil
	}
	switch function {
	case "get_string":
		v, ok, err := s.get(id, key)
		if err != nil || !ok {
			return value.Object([]string{"absent", "error", "str", "success"}, []value.Value{value.Bool(!ok), errText(err), value.String(""), value.Bool(err == nil)}), nil
		}
		var str string
		if json.Unmarshal(v, &str) != nil {
			return result(fmt.Errorf("%q holds a list, not a string", key)), nil
		}
		return value.Object([]string{"absent", "error", "str", "success"}, []value.Value{value.Bool(false), value.String(""), value.String(str), value.Bool(true)}), nil
	case "set_string":
		v, err := builtin.StringArg(args, 1, "value")
		if err != nil {
			return value.Value{}, err
		}
		if len(v) > MaxValueBytes {
			return result(fmt.Errorf("a value of %d bytes is longer than %d", len(v), MaxValueBytes)), nil
		}
		b, _ := json.Marshal(v)
		return result(s.put(id, key, b)), nil
	case "list_push_string":
		v, err := builtin.StringArg(args, 1, "value")
		if err != nil {
			return value.Value{}, err
		}
		if len(v) > MaxValueBytes {
			return result(fmt.Errorf("a value of %d bytes is longer than %d", len(v), MaxValueBytes)), nil
		}
		list, err := s.list(id, key)
		if err != nil {
			return result(err), nil
		}
		if len(list) >= MaxListLen {
			return result(fmt.Errorf("%q holds %d strings, the most a list may", key, len(list))), nil
		}
		b, _ := json.Marshal(append(list, v))
		return result(s.put(id, key, b)), nil
	case "list_get_strings":
		list, err := s.list(id, key)
		vs := make([]value.Value, len(list))
		for i, v := range list {
			vs[i] = value.String(v)
		}
		return value.Object([]string{"error", "success", "value"}, []value.Value{errText(err), value.Bool(err == nil), value.Array(vs...)}), nil
	case "exists":
		_, ok, err := s.get(id, key)
		return value.Object([]string{"error", "flag", "success"}, []value.Value{errText(err), value.Bool(ok), value.Bool(err == nil)}), nil
	case "remove_key":
		s.mu.Lock()
		defer s.mu.Unlock()
		return result(s.db.Delete(stateKey(id, key), store.Sync(s.db))), nil
	}
	return value.Value{}, service.NotFound(SpellService, function)
}

func (s *Service) get(id, key string) ([]byte, bool, error) {
	v, closer, err := s.db.Get(stateKey(id, key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), true, nil
}

func (s *Service) list(id, key string) ([]string, error) {
	v, ok, err := s.get(id, key)
	if err != nil || !ok {
		return nil, err
	}
	var list []string
	if json.Unmarshal(v, &list) != nil {
		return nil, fmt.Errorf("%q holds a string, not a list", key)
	}
	return list, nil
}

// put keeps key's value in trigger id's state, within MaxStateKeys keys.
func (s *Service) put(id, key string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.triggers[id] == nil {
		return fmt.Errorf("trigger %s was removed", id)
	}
	if _, ok, err := s.get(id, key); err != nil {
		return err
	} else if !ok {
		n, err := s.countKeys(id)
		if err != nil {
			return err
		}
		if n >= MaxStateKeys {
			return fmt.Errorf("trigger %s's state has %d keys, the most it may", id, n)
		}
	}
	return s.db.Set(stateKey(id, key), v, store.Sync(s.db))
}

func (s *Service) countKeys(id string) (int, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: stateKey(id, ""), UpperBound: stateEnd(id)})
	if err != nil {
		return 0, err
	}
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	return n, it.Close()
}

func result(err error) value.Value {
	return value.Object([]string{"error", "success"}, []value.Value{errText(err), value.Bool(err == nil)})
}

func errText(err error) value.Value {
	if err == nil {
		return value.String("")
	}
	return value.String(err.Error())
}
