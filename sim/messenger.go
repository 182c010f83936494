package sim

import (
	"fmt"
	"slices"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
)

// messengerScript is the paper's chat for any number of members: the sender loads its
// arguments, asks the relay's app for the chat's backend, checks that it is a member, stores
// the message in the history and delivers it to every other member in parallel; when the
// expected number of deliveries is back (the fold + canon + match join) it reports
// chat.delivered with their count. A non-member gets chat.error instead.
const messengerScript = `
(seq
  (seq
    (seq (call %init_peer_id% ("load" "relay") [] relay)
         (call %init_peer_id% ("load" "chat_id") [] chat_id))
    (seq (call %init_peer_id% ("load" "message") [] message)
         (call %init_peer_id% ("load" "expected") [] expected)))
  (seq
    (call relay ("app" "resolve_backend") [chat_id] backend)
    (seq
      (call backend.$.members_peer (backend.$.members "is_member") [%init_peer_id%] is_member)
      (xor
        (match is_member true
          (seq
            (seq
              (call backend.$.history_peer (backend.$.history "add") [%init_peer_id% message])
              (call backend.$.members_peer (backend.$.members "list") [] peers))
            (seq
              (fold peers p
                (par
                  (xor
                    (mismatch p %init_peer_id%
                      (call p ("chat" "message") [%init_peer_id% message] $acc))
                    (null))
                  (next p)))
              (seq
                (new $inc
                  (fold $acc r
                    (seq
                      (seq (ap r $inc) (canon %init_peer_id% $inc #inc))
                      (xor (match #inc.length expected (null)) (next r)))
                    (never)))
                (seq
                  (canon %init_peer_id% $acc #acc)
                  (call %init_peer_id% ("chat" "delivered") [#acc.length]))))))
        (call %init_peer_id% ("chat" "error") ["Cannot send a message to the chat"])))))
`

// message is one chat message of the workload.
type message struct {
	ID       string // the particle's
	From     int    // node index
	Text     string
	Member   bool // whether its sender is a member
	Expected int  // deliveries it needs: the other members
}

// messenger is the workload's state: what was delivered where, and what each sender heard.
type messenger struct {
	relay    string   // peer id of node 0, which hosts app, members and history
	members  []string // peer ids
	byID     map[string]*message
	received map[string]map[string]int // particle id -> recipient node name -> deliveries
	outcome  map[string]string         // particle id -> "delivered N" or the error
}

func newMessenger(relay string, members []string) *messenger {
	return &messenger{relay: relay, members: members, byID: map[string]*message{},
		received: map[string]map[string]int{}, outcome: map[string]string{}}
}

// relayServices are the relay's: app.resolve_backend, members.is_member/list, history.add.
func (m *messenger) relayServices() map[string]service.HandlerFunc {
	return map[string]service.HandlerFunc{
		"app": func(service.CallContext, string, []value.Value) (value.Value, error) {
			return value.Object([]string{"history", "history_peer", "members", "members_peer"},
				[]value.Value{value.String("history"), value.String(m.relay), value.String("members"), value.String(m.relay)}), nil
		},
		"members": func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			switch fn {
			case "is_member":
				p, _ := args[0].Str()
				return value.Bool(slices.Contains(m.members, p)), nil
			case "list":
				vs := make([]value.Value, len(m.members))
				for i, p := range m.members {
					vs[i] = value.String(p)
				}
				return value.Array(vs...), nil
			}
			return value.Value{}, service.NotFound("members", fn)
		},
		"history": func(service.CallContext, string, []value.Value) (value.Value, error) { return value.Null(), nil },
	}
}

// peerServices are every peer's: load (the arguments of the particles it sends) and chat
// (message, delivered, error).
func (m *messenger) peerServices(name string) map[string]service.HandlerFunc {
	return map[string]service.HandlerFunc{
		"load": func(c service.CallContext, fn string, _ []value.Value) (value.Value, error) {
			msg := m.byID[c.ParticleID]
			if msg == nil {
				return value.Value{}, fmt.Errorf("load: no particle %s", c.ParticleID)
			}
			switch fn {
			case "relay":
				return value.String(m.relay), nil
			case "chat_id":
				return value.String("chat"), nil
			case "message":
				return value.String(msg.Text), nil
			case "expected":
				return value.Int(int64(msg.Expected)), nil
			}
			return value.Value{}, service.NotFound("load", fn)
		},
		"chat": func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
			switch fn {
			case "message":
				r := m.received[c.ParticleID]
				if r == nil {
					r = map[string]int{}
					m.received[c.ParticleID] = r
				}
				r[name]++
				return value.Null(), nil
			case "delivered":
				m.outcome[c.ParticleID] = "delivered " + args[0].String()
				return value.Null(), nil
			case "error":
				s, _ := args[0].Str()
				m.outcome[c.ParticleID] = s
				return value.Null(), nil
			}
			return value.Value{}, service.NotFound("chat", fn)
		},
	}
}
