package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/chat"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
)

// message is one chat message of the workload.
type message struct {
	ID       string // the particle's
	From     int    // node index
	Text     string
	Member   bool // whether its sender is a member
	Room     int  // the chat it goes to
	Expected int  // deliveries it needs: the room's other members
	Fate     int  // with a perimeter, what its particle must meet (perimeter.go)
}

// notMemberError is what the chat script's xor tells a sender it does not serve.
const notMemberError = "Cannot send a message to the chat"

// messenger is the built-in workload: the paper's chat on nodes n0 (the relay, which hosts
// app, members and history), n1 … n(N-2) (the members) and n(N-1) (not a member). Its state
// says what was delivered where, and what each sender heard.
type messenger struct {
	nodes    []*simNode
	relay    string     // peer id of n0
	members  []string   // peer ids
	rooms    [][]string // the chats: members' peer ids, each in one room
	roomOf   map[string]int
	byID     map[string]*message
	received map[string]map[string]int // particle id -> recipient node name -> deliveries
	outcome  map[string]string         // particle id -> "delivered N" or the error
	live     []string                  // the liveness phase's messages
	roomSize int                       // members per chat; 0: one chat of all
	// perimeter says whether the chat runs under a security perimeter, which perim then is
	// (perimeter.go).
	perimeter bool
	perim     *perim
}

func newMessenger(roomSize int, perimeter bool) *messenger {
	return &messenger{roomSize: roomSize, perimeter: perimeter, byID: map[string]*message{}, received: map[string]map[string]int{}, outcome: map[string]string{}}
}

func (m *messenger) identities(o Options) ([]scenario.Identity, error) {
	if o.Nodes < 4 {
		return nil, fmt.Errorf("nodes %d: the messenger needs at least 4 (a relay, two members, a non-member)", o.Nodes)
	}
	return numberedIdentities(o)
}

// numberedIdentities are the nodes n0 … n(N-1), their keys drawn from the seed.
func numberedIdentities(o Options) ([]scenario.Identity, error) {
	ids := make([]scenario.Identity, o.Nodes)
	for i := range ids {
		id, err := scenario.NewIdentity(fmt.Sprintf("sim-%d-n%d", o.Seed, i))
		if err != nil {
			return nil, err
		}
		id.Name = fmt.Sprintf("n%d", i)
		ids[i] = id
	}
	return ids, nil
}

func (m *messenger) prepare(s *simulation) {
	m.nodes = s.nodes
	m.relay = s.nodes[0].id.PeerID
	for _, n := range s.nodes[1 : len(s.nodes)-1] {
		m.members = append(m.members, n.id.PeerID)
	}
	m.rooms, m.roomOf = splitRooms(m.members, m.roomSize), map[string]int{}
	for r, room := range m.rooms {
		for _, p := range room {
			m.roomOf[p] = r
		}
	}
	if m.perimeter {
		var err error
		if m.perim, err = newPerim(m, s); err != nil && s.err == nil {
			s.err = err
		}
	}
}

// splitRooms puts members in rooms of size (all in one if size is 0), in order; a last room
// of one joins the one before (a chat needs someone to talk to).
func splitRooms(members []string, size int) [][]string {
	if size <= 0 || size >= len(members) {
		return [][]string{members}
	}
	var rooms [][]string
	for i := 0; i < len(members); i += size {
		rooms = append(rooms, slices.Clone(members[i:min(i+size, len(members))]))
	}
	if last := rooms[len(rooms)-1]; len(last) == 1 {
		rooms[len(rooms)-2] = append(rooms[len(rooms)-2], last...)
		rooms = rooms[:len(rooms)-1]
	}
	return rooms
}

// newMessage is a message from node from: to its room, or to room 0 for the non-member.
func (m *messenger) newMessage(id string, from int, text string) *message {
	member := from < len(m.nodes)-1
	room := 0
	if member {
		room = m.roomOf[m.nodes[from].id.PeerID]
	}
	return &message{ID: id, From: from, Text: text, Member: member, Room: room, Expected: len(m.rooms[room]) - 1}
}

// overrides: the messenger uses the nodes' own services as they are.
func (m *messenger) overrides(*simNode) []registry.Override { return nil }

func (m *messenger) services(n *simNode) map[string]service.HandlerFunc {
	services := m.peerServices(n.name)
	if n == m.nodes[0] {
		maps.Copy(services, m.relayServices())
	}
	if m.perim != nil {
		m.perim.watch(n, services)
	}
	return services
}

// The node hooks: without a perimeter the nodes are as they come.

func (m *messenger) nodeEnv(n *simNode, env *actors.Env) {
	if m.perim != nil {
		m.perim.nodeEnv(n, env)
	}
}

func (m *messenger) spawnOptions(n *simNode, service string) []actors.SpawnOption {
	if m.perim == nil {
		return nil
	}
	return m.perim.spawnOptions(n, service)
}

func (m *messenger) started(n *simNode) error {
	if m.perim == nil {
		return nil
	}
	return m.perim.started(n)
}

// send starts msg at virtual time at: a forgery's of the forged script.
func (m *messenger) send(s *simulation, o Options, msg *message, at time.Duration) {
	m.byID[msg.ID] = msg
	script := chat.Script
	if msg.Fate == forged {
		script = m.perim.forgery
	}
	s.startAt(at, m.nodes[msg.From], msg.ID, script, o.TTL)
}

// safety: each message from a seeded sender at a seeded time.
func (m *messenger) safety(s *simulation, o Options) {
	wr := newRand(o.Seed, "workload")
	msgs, ats := make([]*message, o.Messages), make([]time.Duration, o.Messages)
	for k := range o.Messages {
		from := 1 + wr.IntN(len(m.nodes)-1)
		msgs[k] = m.newMessage(fmt.Sprintf("msg-%d", k), from, fmt.Sprintf("hello %d from %s", k, m.nodes[from].name))
		ats[k] = time.Duration(wr.Int64N(int64(o.Duration)))
	}
	if m.perim != nil {
		m.perim.plan(s, o, msgs, ats)
	}
	for k, msg := range msgs {
		m.send(s, o, msg, ats[k])
	}
}

// liveness: one message from each member, half a second apart (the revoked member's, under a
// perimeter, must be refused).
func (m *messenger) liveness(s *simulation, o Options, at time.Duration) time.Duration {
	for i := 1; i < len(m.nodes)-1; i++ {
		msg := m.newMessage(fmt.Sprintf("live-%d", i), i, fmt.Sprintf("after healing, from %s", m.nodes[i].name))
		if m.perim != nil && i == m.perim.revoked {
			msg.Fate = revoked
		}
		m.live = append(m.live, msg.ID)
		m.send(s, o, msg, at+time.Duration(i)*500*time.Millisecond)
	}
	return time.Duration(len(m.nodes)) * 500 * time.Millisecond
}

func (m *messenger) check(_ *simulation, o Options, checks map[string]Check) {
	checks["delivered_at_most_once"] = m.atMostOnce()
	if o.Faults == "none" {
		checks["all_delivered"] = m.allDelivered(nil)
	}
	checks["liveness"] = m.allDelivered(m.live)
	if m.perim != nil {
		checks["perimeter_held"] = m.perim.held()
		checks["perimeter_refused"] = m.perim.refused(o)
	}
}

// relayServices are the relay's: app.resolve_backend, members.is_member/list, history.add.
func (m *messenger) relayServices() map[string]service.HandlerFunc {
	services := map[string]service.HandlerFunc{
		"app": func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			chat, _ := args[0].Str()
			var r int
			if _, err := fmt.Sscanf(chat, "chat-%d", &r); err != nil || r < 0 || r >= len(m.rooms) {
				return value.Value{}, fmt.Errorf("app: no chat %q", chat)
			}
			return value.Object([]string{"history", "history_peer", "members", "members_peer"},
				[]value.Value{value.String("history"), value.String(m.relay), value.String(fmt.Sprintf("members-%d", r)), value.String(m.relay)}), nil
		},
		"history": func(service.CallContext, string, []value.Value) (value.Value, error) { return value.Null(), nil },
	}
	for r, room := range m.rooms {
		name := fmt.Sprintf("members-%d", r)
		services[name] = func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			switch fn {
			case "is_member":
				p, _ := args[0].Str()
				return value.Bool(slices.Contains(room, p)), nil
			case "list":
				vs := make([]value.Value, len(room))
				for i, p := range room {
					vs[i] = value.String(p)
				}
				return value.Array(vs...), nil
			}
			return value.Value{}, service.NotFound(name, fn)
		}
	}
	return services
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
				return value.String(fmt.Sprintf("chat-%d", msg.Room)), nil
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

// atMostOnce: no member got a message twice, whatever the network duplicated.
func (m *messenger) atMostOnce() Check {
	var bad []string
	for _, id := range slices.Sorted(maps.Keys(m.received)) {
		for _, who := range slices.Sorted(maps.Keys(m.received[id])) {
			if n := m.received[id][who]; n > 1 {
				bad = append(bad, fmt.Sprintf("%s got %s %d times", who, id, n))
			}
		}
	}
	if len(bad) > 0 {
		return Check{Detail: strings.Join(bad, "; ")}
	}
	return Check{Pass: true}
}

// allDelivered: every member's message (of ids; all if nil) reached every other member and its
// sender heard so; every non-member heard the chat's error. Under a perimeter, a forgery
// reached nobody and its sender heard the error; a message after its sender's revocation
// reached nobody and its sender heard nothing (its own chat refuses the error: perimeter_refused
// says so); one racing the revocation is not judged.
func (m *messenger) allDelivered(ids []string) Check {
	if ids == nil {
		ids = slices.Sorted(maps.Keys(m.byID))
	}
	var bad []string
	judged := 0
	for _, id := range ids {
		msg := m.byID[id]
		if msg.Fate == racing {
			continue
		}
		judged++
		want := notMemberError
		switch {
		case msg.Fate == revoked:
			want = ""
			fallthrough
		case msg.Fate == forged:
			if got := len(m.received[id]); got != 0 {
				bad = append(bad, fmt.Sprintf("%s reached %d members, want none", id, got))
			}
		case msg.Member:
			want = fmt.Sprintf("delivered %d", msg.Expected)
			if got := len(m.received[id]); got != msg.Expected {
				bad = append(bad, fmt.Sprintf("%s reached %d members, want %d", id, got, msg.Expected))
			}
		}
		if got := m.outcome[id]; got != want {
			bad = append(bad, fmt.Sprintf("%s from %s: sender heard %q, want %q", id, m.nodes[msg.From].name, got, want))
		}
	}
	if len(bad) > 0 {
		return Check{Detail: strings.Join(bad, "; ")}
	}
	return Check{Pass: true, Detail: fmt.Sprintf("%d messages", judged)}
}
