package particles

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/aquanet/aquanet/interpreter"
)

// A client's particle whose first call is on a third peer: the relay passes it on to that
// peer, and the answer, which the third peer sends through the relay, back to the client.
func TestRelayPassesAClientsParticle(t *testing.T) {
	client, relay, n2 := identity(t, "client"), identity(t, "relay"), identity(t, "n2")
	script := fmt.Sprintf(`(seq (call "%s" ("op" "identity") ["x"] r) (call %%init_peer_id%% ("callbackSrv" "response") [r]))`, n2.PeerID)

	c := machine(t, script, client, client)
	c.Arrive(nil)
	e := c.Step()
	if !reflect.DeepEqual(e.Forward, []string{n2.PeerID}) || e.Pass != nil {
		t.Fatalf("client: %+v", e)
	}
	fromClient := e.Data

	// The relay runs nothing of its own; the interpreter names no next peer (as AquaVM's), so
	// the node passes the client's data on to n2.
	r := machine(t, script, client, relay)
	r.ArriveFrom(client.PeerID, fromClient)
	e = r.Step()
	if e.Forward != nil || !reflect.DeepEqual(e.Pass, []Pass{{To: n2.PeerID}}) || string(e.PassData) != string(fromClient) {
		t.Fatalf("relay, from its client: %+v", e)
	}
	// The same data from anyone else than the initiator is not passed on.
	other := machine(t, script, client, relay)
	other.ArriveFrom(n2.PeerID, fromClient)
	if e := other.Step(); e.Pass != nil {
		t.Fatalf("relay, the client's data from another peer: %+v", e)
	}

	// n2 makes its call and names the client next.
	m := machine(t, script, client, n2)
	m.ArriveFrom(relay.PeerID, fromClient)
	e = m.Step()
	if len(e.Calls) != 1 || e.Pass != nil {
		t.Fatalf("n2: %+v", e)
	}
	m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `"x"`})
	e = m.Step()
	if !reflect.DeepEqual(e.Forward, []string{client.PeerID}) {
		t.Fatalf("n2 after its call: %+v", e)
	}

	// n2 cannot reach the client and sends through the relay, which passes it to its client
	// if it has a connection to it.
	e2 := e
	r2 := machine(t, script, client, relay)
	r2.ArriveFrom(client.PeerID, fromClient)
	r2.Step()
	r2.ArriveFrom(n2.PeerID, e2.Data)
	e = r2.Step()
	if e.Forward != nil || !reflect.DeepEqual(e.Pass, []Pass{{To: client.PeerID, IfConnected: true}}) || string(e.PassData) != string(e2.Data) {
		t.Fatalf("relay, the answer for its client: %+v", e)
	}
}

// The same when what waits for the client after n2's call is a canon, not a call (found with
// a client whose script gathered a third peer's value into a stream and canonicalized it on
// itself: the relay passed nothing, and the particle waited out its TTL).
func TestRelayPassesACanonBackToItsClient(t *testing.T) {
	client, relay, n2 := identity(t, "client"), identity(t, "relay"), identity(t, "n2")
	script := fmt.Sprintf(`
(seq
  (seq (call "%s" ("op" "identity") ["x"] v) (ap v $s))
  (seq (canon %%init_peer_id%% $s #s)
       (call %%init_peer_id%% ("callbackSrv" "response") [#s])))`, n2.PeerID)
	c := machine(t, script, client, client)
	c.Arrive(nil)
	fromClient := c.Step().Data
	m := machine(t, script, client, n2)
	m.ArriveFrom(relay.PeerID, fromClient)
	e := m.Step()
	m.Result(e.Calls[0].ID, interpreter.CallResult{Result: `"x"`})
	if e = m.Step(); !reflect.DeepEqual(e.Forward, []string{client.PeerID}) {
		t.Fatalf("n2 after its call: %+v", e)
	}
	r := machine(t, script, client, relay)
	r.ArriveFrom(client.PeerID, fromClient)
	r.Step()
	r.ArriveFrom(n2.PeerID, e.Data)
	if got := r.Step(); !reflect.DeepEqual(got.Pass, []Pass{{To: client.PeerID, IfConnected: true}}) || string(got.PassData) != string(e.Data) {
		t.Fatalf("relay, the canon's data for its client: %+v", got)
	}
}
