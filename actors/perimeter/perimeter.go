// Package perimeter decides whether a node serves a call to a service that belongs to an
// application's security perimeter (the paper's two layers of authorization).
//
// A perimeter is the ledger's set_perimeter: an application id, its developer's key, its
// services (peer id + service id, each with a policy) and its peers. Before a service of the
// perimeter runs a call, [Guard.Check] asks two things:
//
//   - Who calls (application level). Policy public: anyone. Policy owner: the developer only.
//     Policy perimeter: the developer, a peer of the perimeter, or a peer the developer vouches
//     for (a certificate chain from the developer, presented with the particle or known to the
//     node's TrustGraph, that no revocation the node keeps cuts).
//   - Where the arguments come from (AIR-flow level), for the owner and perimeter policies:
//     every argument's tetraplets must name the init peer (a literal of the script, or a
//     result of the initiator's own services: the initiator is the authorized caller, and the
//     interpreter verifies its signature on what it adds), a peer of the perimeter, a service
//     of the perimeter on its peer, or this node's own builtins. Data that any other peer added
//     to the particle does not reach the service.
//
// The package is pure: the perimeter, the call and the trust check come in as values and a
// function, and nothing here keeps state or reads a clock.
package perimeter

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/trust"
)

// Source gives the perimeter of an application, and false when it has none: the ledger's
// state is one (ledger.State), a fixed table another (Static).
type Source interface {
	Perimeter(app string) (ledger.SetPerimeter, bool, error)
}

// Static is a fixed table of perimeters by application id: a node without a ledger (a test, a
// simulation) takes its perimeters from one.
type Static map[string]ledger.SetPerimeter

// Perimeter returns the perimeter of app.
func (s Static) Perimeter(app string) (ledger.SetPerimeter, bool, error) {
	p, ok := s[app]
	return p, ok, nil
}

// Reason is why a call was refused: the label of the denials metric.
type Reason string

// The reasons.
const (
	// NoPerimeter: the application the service belongs to has no perimeter (yet), or it could
	// not be read. A service under a perimeter serves nobody until its perimeter is known.
	NoPerimeter Reason = "no-perimeter"
	// Outside: the perimeter does not list the service on this peer.
	Outside Reason = "service-outside"
	// NotOwner: the policy is owner, and the caller is not the developer.
	NotOwner Reason = "not-owner"
	// NotMember: the policy is perimeter, and the caller is neither the developer, nor a peer
	// of the perimeter, nor vouched for by the developer.
	NotMember Reason = "not-member"
	// Revoked: the caller's certificate is cut by a revocation.
	Revoked Reason = "revoked"
	// ForeignArgument: an argument came from outside the perimeter.
	ForeignArgument Reason = "foreign-argument"
)

// Reasons lists every reason, in a fixed order.
var Reasons = []Reason{NoPerimeter, Outside, NotOwner, NotMember, Revoked, ForeignArgument}

// Call is what the guard knows of a call.
type Call struct {
	Service, Function string
	// Called is the name the script called the service by (an alias), if not Service.
	Called     string
	InitPeerID string
	// Certificate is what the particle carries (particle.Certificate): the initiator's chain
	// from the developer, or nothing.
	Certificate []byte
	// Tetraplets say where each argument came from: one list per argument.
	Tetraplets [][]data.Tetraplet
}

// Denial is a refused call: an error that names the application, the service, the reason and,
// for a foreign argument, which argument and where it came from.
type Denial struct {
	App, Service, Function string
	Called                 string // the alias the script called Service by, if any
	Reason                 Reason
	Arg                    int            // the foreign argument's index (ForeignArgument)
	Origin                 data.Tetraplet // where it came from (ForeignArgument)
	Err                    error          // the trust check's answer (NotMember, Revoked, NoPerimeter)
}

func (d *Denial) Error() string {
	var b strings.Builder
	if d.Called != "" && d.Called != d.Service {
		fmt.Fprintf(&b, "the perimeter of application %q refused the call to %s.%s (service %s) (%s): ", d.App, d.Called, d.Function, d.Service, d.Reason)
	} else {
		fmt.Fprintf(&b, "the perimeter of application %q refused the call to %s.%s (%s): ", d.App, d.Service, d.Function, d.Reason)
	}
	switch d.Reason {
	case ForeignArgument:
		o := d.Origin
		fmt.Fprintf(&b, "argument %d came from outside the perimeter: peer %s", d.Arg, o.PeerPK)
		if o.ServiceID != "" || o.FunctionName != "" {
			fmt.Fprintf(&b, ", service %q, function %q", o.ServiceID, o.FunctionName)
		}
		if o.Lens != "" {
			fmt.Fprintf(&b, ", lens %q", o.Lens)
		}
	case Outside:
		b.WriteString("the perimeter does not list this service on this peer")
	case NotOwner:
		b.WriteString("only the application's developer may call it")
	default:
		if d.Err != nil {
			b.WriteString(d.Err.Error())
		}
	}
	return b.String()
}

// Guard checks calls on one peer.
type Guard struct {
	// Self is this peer's id.
	Self string
	// Own says whether a service id is one of this node's own builtins, whose results on this
	// peer count as inside every perimeter.
	Own func(service string) bool
	// Vouches says whether developer vouches for a peer, given the certificate the particle
	// carries (trustsvc.Service.Vouches); an error wrapping trust.ErrRevoked is a revocation.
	// Nil: nobody is vouched for.
	Vouches func(developer trust.PublicKey, peer string, certificate []byte) error
}

// Check returns why perimeter p refuses call c to a service of application p.AppID on this
// peer, or nil if it serves it.
func (g Guard) Check(p ledger.SetPerimeter, c Call) *Denial {
	deny := func(r Reason, err error) *Denial {
		return &Denial{App: p.AppID, Service: c.Service, Called: c.Called, Function: c.Function, Reason: r, Err: err}
	}
	at := slices.IndexFunc(p.Services, func(s ledger.PerimeterService) bool { return s.Peer == g.Self && s.Service == c.Service })
	if at < 0 {
		return deny(Outside, nil)
	}
	developer := p.Developer.String()
	switch p.Services[at].Policy {
	case ledger.PolicyPublic:
		return nil
	case ledger.PolicyOwner:
		if c.InitPeerID != developer {
			return deny(NotOwner, nil)
		}
	default: // perimeter, and any policy this build does not know: the strictest it does
		if c.InitPeerID != developer && !slices.Contains(p.Peers, c.InitPeerID) {
			err := errors.New("nobody is vouched for on this node")
			if g.Vouches != nil {
				err = g.Vouches(p.Developer, c.InitPeerID, c.Certificate)
			}
			if err != nil {
				if errors.Is(err, trust.ErrRevoked) {
					return deny(Revoked, err)
				}
				return deny(NotMember, err)
			}
		}
	}
	for i, ts := range c.Tetraplets {
		for _, t := range ts {
			if !g.inside(p, c.InitPeerID, t) {
				d := deny(ForeignArgument, nil)
				d.Arg, d.Origin = i, t
				return d
			}
		}
	}
	return nil
}

// inside says whether a value of tetraplet t may reach a service of p.
func (g Guard) inside(p ledger.SetPerimeter, init string, t data.Tetraplet) bool {
	switch {
	case t.PeerPK == init, t.PeerPK == p.Developer.String(), slices.Contains(p.Peers, t.PeerPK):
		return true
	case t.PeerPK == g.Self && (t.ServiceID == "" || strings.HasPrefix(t.ServiceID, ".") || g.Own != nil && g.Own(t.ServiceID)):
		// This peer's own: a canon made here, a functor (.length), a builtin.
		return true
	}
	return slices.ContainsFunc(p.Services, func(s ledger.PerimeterService) bool {
		return s.Peer == t.PeerPK && s.Service == t.ServiceID
	})
}
