package registry

import (
	"strings"
	"testing"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Local answers a small call to a pure builtin as the registry does, refusals included, and
// declines the calls the registry must route: to a service that is not pure (here math, as if
// an override took it), to one that is not a builtin, or with large arguments.
func TestLocalAnswersWhatTheRegistryServesItself(t *testing.T) {
	n := newNode(t)
	local := Local(n.clock, nil, nil, func(s string) bool { return s != "math" })
	call := func(svc, fn string, ttl uint32, args ...value.Value) *service.Call {
		return &service.Call{ID: 1, Function: fn, Args: args,
			Context: service.CallContext{Service: svc, InitPeerID: admin, Timestamp: clock.UnixMilli(n.clock), TTL: ttl}}
	}
	for _, c := range []*service.Call{
		call("op", "identity", 60_000, str("x")),
		call("op", "concat_strings", 60_000, str("a"), str("b")),
		call("op", "nosuch", 60_000),
		call("cmp", "gt", 60_000, str("x")), // wrong arguments: the builtin's own failure
		call("op", "noop", 0),               // past its deadline: refused
	} {
		got, ok := local(c)
		if !ok {
			t.Fatalf("%s.%s not answered here", c.Context.Service, c.Function)
		}
		code, want := n.call(admin, c.Context.Service, c.Function, c.Args...)
		if c.Context.TTL == 0 {
			if got.RetCode == 0 || !strings.Contains(got.Result, "expired") {
				t.Errorf("a call past its deadline got %d %s", got.RetCode, got.Result)
			}
			continue
		}
		if got.RetCode != code || got.Result != want {
			t.Errorf("%s.%s: here %d %s, by the registry %d %s", c.Context.Service, c.Function, got.RetCode, got.Result, code, want)
		}
	}
	large := make([]value.Value, smallArgs+1)
	for i := range large {
		large[i] = value.Null()
	}
	for _, c := range []*service.Call{
		call("math", "add", 60_000, value.Int(1), value.Int(2)),
		call("greeter", "greet", 60_000),
		call("srv", "list", 60_000),
		call("op", "array", 60_000, large...),
	} {
		if _, ok := local(c); ok {
			t.Errorf("%s.%s with %d arguments answered here, not by the registry", c.Context.Service, c.Function, len(c.Args))
		}
	}
}
