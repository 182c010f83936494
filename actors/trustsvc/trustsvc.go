// Package trustsvc is a node's TrustGraph (package trust) in service: the graph over the node's
// database, the trust-graph builtin with the function names and argument shapes of Fluence's
// trust-graph service (aqua-lib's trust-graph.aqua), and the weights other parts of the node
// ask for (connection management, later the DHT and service access).
//
// The node signs nothing on anyone's behalf: a client gets the bytes to sign
// (get_trust_bytes, get_revocation_bytes), signs them with its own key, and hands back the
// signature (issue_trust, issue_revocation), as with Fluence's service.
package trustsvc

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

// ServiceID is the builtin's service id, as Fluence's.
const ServiceID = "trust-graph"

// Config is how a node's TrustGraph starts.
type Config struct {
	// Host is the node's peer id: get_host_certs answers for it.
	Host string
	// MaySetRoots says who may call set_root: the host and its management peer.
	MaySetRoots func(peer string) bool
	// Clock is the node's: every time is checked against it.
	Clock clock.Clock
	// Roots are set at every start: peer id -> max chain length (at most 16).
	Roots map[string]int
	// Certificates, in Fluence's text form, are inserted at every start (Fluence's
	// init_certs); one that does not verify stops the start, naming it.
	Certificates []string
	// Graph bounds the graph (skew, relations kept).
	Graph trust.Config
}

// Service is the node's TrustGraph. It is safe for concurrent use: the builtin's actor and the
// node's other parts share it.
type Service struct {
	mu  sync.Mutex
	g   *trust.Graph
	cfg Config
	// vouched remembers Vouches' answers (vouch.go).
	vouched map[vouchKey]vouchAnswer
}

// Open loads the graph kept in db, sets cfg's roots and inserts its certificates.
func Open(db *pebble.DB, cfg Config) (*Service, error) {
	store, roots, rels, err := trust.OpenPebble(db)
	if err != nil {
		return nil, fmt.Errorf("trust graph: %w", err)
	}
	s := &Service{g: trust.New(cfg.Graph, store), cfg: cfg}
	s.g.Load(roots, rels)
	ids := make([]string, 0, len(cfg.Roots))
	for id := range cfg.Roots {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		k, err := trust.ParsePeer(id)
		if err != nil {
			return nil, fmt.Errorf("trust graph: root: %w", err)
		}
		if err := s.g.SetRoot(k, cfg.Roots[id]); err != nil {
			return nil, fmt.Errorf("trust graph: root %s: %w", id, err)
		}
	}
	for i, text := range cfg.Certificates {
		c, err := trust.ParseCertificate(text)
		if err == nil {
			err = s.g.InsertCertificate(c, s.now())
		}
		if err != nil {
			return nil, fmt.Errorf("trust graph: certificate %d: %w", i, err)
		}
	}
	return s, nil
}

func (s *Service) now() uint64 { return uint64(s.cfg.Clock.Now().Unix()) }

// skew is how far from the node's clock a time may be: the graph's, or trust.DefaultSkew.
func (s *Service) skew() uint64 {
	if s.cfg.Graph.Skew == 0 {
		return trust.DefaultSkew
	}
	return s.cfg.Graph.Skew
}

// Weight is a peer's weight on this node now; 0 for a peer id that holds no Ed25519 key.
func (s *Service) Weight(peerID string) uint32 {
	k, err := trust.ParsePeer(peerID)
	if err != nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.g.Weight(k, s.now())
}

// WeightOf is a key's weight on this node now.
func (s *Service) WeightOf(k trust.PublicKey) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.g.Weight(k, s.now())
}

// Revoke keeps a revocation the node learned of outside its builtin (the ledger's, committed):
// as the builtin's revoke does, the latest relation of a pair wins, so an older revocation
// changes nothing (not an error here).
func (s *Service) Revoke(r trust.Revocation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.g.Revoke(r, s.now()); err != nil && !errors.Is(err, trust.ErrOutdated) {
		return err
	}
	return nil
}

// Path is a peer's best chain from root now (root need not be one of the node's roots: an
// application developer's key, say).
func (s *Service) Path(root, peerID string) (trust.Certificate, error) {
	r, err := trust.ParsePeer(root)
	if err != nil {
		return trust.Certificate{}, err
	}
	k, err := trust.ParsePeer(peerID)
	if err != nil {
		return trust.Certificate{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.g.Path(r, k, s.now())
}

// Call serves the trust-graph builtin. Like Fluence's service, a function that cannot do what
// it is asked answers {success: false, error: why} rather than failing the call; a call with a
// number, bytes or text argument of the wrong shape fails as nox's argument readers do (see
// argReader).
func (s *Service) Call(cc service.CallContext, function string, args []value.Value) (value.Value, error) {
	f, ok := functions[function]
	if !ok {
		return value.Value{}, service.NotFound(cc.Service, function)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s, cc, args)
}

var errNotOwner = errors.New("only the node and its management peer may set roots")
