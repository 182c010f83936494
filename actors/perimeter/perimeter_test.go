package perimeter_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/actors/perimeter"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/trust"
)

func key(name string) trust.Signer {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return trust.Signer(ed25519.NewKeyFromSeed(seed))
}

// peer is the peer id of name's key.
func peer(name string) string { return key(name).Public().String() }

func TestCheck(t *testing.T) {
	dev, self, other, outsider := peer("developer"), peer("self"), peer("other"), peer("outsider")
	member, stranger, revoked := peer("member"), peer("stranger"), peer("revoked")
	p := ledger.SetPerimeter{AppID: "chat", Developer: key("developer").Public(),
		Services: []ledger.PerimeterService{
			{ServiceRef: ledger.ServiceRef{Peer: self, Service: "history"}, Policy: ledger.PolicyPerimeter},
			{ServiceRef: ledger.ServiceRef{Peer: self, Service: "admin"}, Policy: ledger.PolicyOwner},
			{ServiceRef: ledger.ServiceRef{Peer: self, Service: "board"}, Policy: ledger.PolicyPublic},
			{ServiceRef: ledger.ServiceRef{Peer: outsider, Service: "members"}, Policy: ledger.PolicyPerimeter},
		},
		Peers: []string{other}} // this peer hosts services of the perimeter, but is not one of its peers
	g := perimeter.Guard{Self: self, Own: func(s string) bool { return s == "op" },
		Vouches: func(developer trust.PublicKey, peer string, cert []byte) error {
			if developer != key("developer").Public() {
				return fmt.Errorf("asked about developer %s", developer)
			}
			switch {
			case peer == member && string(cert) == "member's":
				return nil
			case peer == revoked:
				return fmt.Errorf("the certificate is %w", trust.ErrRevoked)
			}
			return errors.New("no chain")
		}}
	tet := func(peer, service string) []data.Tetraplet {
		return []data.Tetraplet{{PeerPK: peer, ServiceID: service, FunctionName: "f"}}
	}
	cases := []struct {
		name    string
		service string
		init    string
		cert    string
		args    [][]data.Tetraplet
		want    perimeter.Reason // "" serves
		message string           // in the denial's text
	}{
		{"member, literals", "history", member, "member's", [][]data.Tetraplet{{{PeerPK: member}}}, "", ""},
		{"developer", "history", dev, "", nil, "", ""},
		{"perimeter peer", "history", other, "", nil, "", ""},
		{"stranger", "history", stranger, "", nil, perimeter.NotMember, "no chain"},
		{"member without its certificate", "history", member, "", nil, perimeter.NotMember, "no chain"},
		{"revoked", "history", revoked, "", nil, perimeter.Revoked, "revoked"},
		{"owner: developer", "admin", dev, "", nil, "", ""},
		{"owner: member", "admin", member, "member's", nil, perimeter.NotOwner, "only the application's developer"},
		{"public: stranger, foreign data", "board", stranger, "", [][]data.Tetraplet{tet(outsider, "evil")}, "", ""},
		{"service not listed", "other", dev, "", nil, perimeter.Outside, "does not list"},
		{"from a perimeter service on an outside peer", "history", member, "member's", [][]data.Tetraplet{tet(outsider, "members")}, "", ""},
		{"from a perimeter peer", "history", member, "member's", [][]data.Tetraplet{tet(other, "anything")}, "", ""},
		{"from this node's builtin", "history", member, "member's", [][]data.Tetraplet{tet(self, "op")}, "", ""},
		{"from this node's canon", "history", member, "member's", [][]data.Tetraplet{{{PeerPK: self}}}, "", ""},
		{"from this node's functor", "history", member, "member's", [][]data.Tetraplet{{{PeerPK: self, ServiceID: ".length"}}}, "", ""},
		{"from this node's own service outside", "history", member, "member's", [][]data.Tetraplet{tet(self, "notes")}, perimeter.ForeignArgument,
			fmt.Sprintf(`argument 0 came from outside the perimeter: peer %s, service "notes"`, self)},
		{"from an outside peer's service", "history", member, "member's", [][]data.Tetraplet{nil, tet(outsider, "evil")}, perimeter.ForeignArgument,
			fmt.Sprintf(`argument 1 came from outside the perimeter: peer %s, service "evil"`, outsider)},
		{"one element of a stream from outside", "history", dev, "", [][]data.Tetraplet{{{PeerPK: dev}, {PeerPK: stranger, Lens: ".$.x"}}}, perimeter.ForeignArgument,
			`lens ".$.x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := g.Check(p, perimeter.Call{Service: tc.service, Function: "add", InitPeerID: tc.init, Certificate: []byte(tc.cert), Tetraplets: tc.args})
			if tc.want == "" {
				if d != nil {
					t.Fatalf("refused: %v", d)
				}
				return
			}
			if d == nil || d.Reason != tc.want {
				t.Fatalf("got %v, want a denial for %s", d, tc.want)
			}
			msg := d.Error()
			for _, want := range []string{`application "chat"`, tc.service + ".add", string(tc.want), tc.message} {
				if !strings.Contains(msg, want) {
					t.Errorf("%q does not say %q", msg, want)
				}
			}
		})
	}
}

// A guard with no trust check vouches for nobody; a policy this build does not know is taken
// as the strictest it knows.
func TestCheckDefaults(t *testing.T) {
	self := peer("self")
	p := ledger.SetPerimeter{AppID: "app", Developer: key("developer").Public(),
		Services: []ledger.PerimeterService{{ServiceRef: ledger.ServiceRef{Peer: self, Service: "s"}, Policy: 9}}}
	d := perimeter.Guard{Self: self}.Check(p, perimeter.Call{Service: "s", InitPeerID: peer("member"), Certificate: []byte("x")})
	if d == nil || d.Reason != perimeter.NotMember {
		t.Fatalf("got %v, want not-member", d)
	}
	if d := (perimeter.Guard{Self: self}).Check(p, perimeter.Call{Service: "s", InitPeerID: peer("developer")}); d != nil {
		t.Fatalf("the developer was refused: %v", d)
	}
	// A call through an alias is named as the script made it, with the service's id.
	d = perimeter.Guard{Self: self}.Check(p, perimeter.Call{Service: "s", Called: "notes", Function: "put", InitPeerID: peer("member")})
	if d == nil || !strings.Contains(d.Error(), "the call to notes.put (service s)") {
		t.Fatalf("got %v, want the alias and the id named", d)
	}
}
