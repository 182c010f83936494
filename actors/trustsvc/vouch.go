package trustsvc

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/trust"
)

// ErrNoChain is the error of a peer no chain of trust leads to from the root asked about.
var ErrNoChain = errors.New("no chain of trust")

// Vouches says whether root (an application's developer, say) vouches for peer now, and
// why not: presented, if not empty, is a certificate in trust's binary form that the peer
// presented (a particle's Certificate); it counts if it verifies from root, its last trust is
// for peer, and no revocation the graph keeps cuts it (trust.ErrRevoked). Without one, or if
// it does not count, a chain the graph itself knows from root to peer does.
//
// The presented certificate is checked, not kept: a stranger's certificate costs this node
// its signature checks and nothing it stores.
func (s *Service) Vouches(root trust.PublicKey, peerID string, presented []byte) error {
	// Every call of a particle to a service under a perimeter asks the same question: the
	// answer is remembered while the graph and the second stay the same (a certificate's
	// times are in seconds), so a particle that calls ten thousand times costs the checks
	// of one call, and a revocation counts from the next call on.
	key := vouchKey{root: root, peer: peerID, cert: sha256.Sum256(presented)}
	now := s.now()
	s.mu.Lock()
	version := s.g.Version()
	if a, ok := s.vouched[key]; ok && a.version == version && a.at == now {
		s.mu.Unlock()
		return a.err
	}
	s.mu.Unlock()
	err := s.vouches(root, peerID, presented)
	s.mu.Lock()
	if s.vouched == nil || len(s.vouched) >= maxVouched {
		s.vouched = map[vouchKey]vouchAnswer{}
	}
	s.vouched[key] = vouchAnswer{version: version, at: now, err: err}
	s.mu.Unlock()
	return err
}

// maxVouched bounds the answers Vouches remembers; when full, it forgets them all.
const maxVouched = 4096

type vouchKey struct {
	root trust.PublicKey
	peer string
	cert [sha256.Size]byte
}

type vouchAnswer struct {
	version uint64 // the graph's
	at      uint64 // the second it was given at
	err     error
}

func (s *Service) vouches(root trust.PublicKey, peerID string, presented []byte) error {
	k, err := trust.ParsePeer(peerID)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoChain, err)
	}
	var cerr error
	if len(presented) > 0 {
		cerr = s.checkPresented(root, k, presented)
		if cerr == nil {
			return nil
		}
	}
	s.mu.Lock()
	_, perr := s.g.Path(root, k, s.now())
	s.mu.Unlock()
	switch {
	case perr == nil:
		return nil
	case cerr != nil:
		return cerr
	}
	return fmt.Errorf("%w from %s to %s: it presented no certificate, and this node knows of none", ErrNoChain, root, peerID)
}

func (s *Service) checkPresented(root, k trust.PublicKey, presented []byte) error {
	c, err := trust.DecodeCertificate(presented)
	if err != nil {
		return fmt.Errorf("%w: the certificate presented does not decode: %v", ErrNoChain, err)
	}
	if err := c.Verify([]trust.PublicKey{root}, s.now(), s.skew()); err != nil {
		return fmt.Errorf("%w from %s: the certificate presented: %v", ErrNoChain, root, err)
	}
	if last := c.Chain[len(c.Chain)-1].IssuedFor; last != k {
		return fmt.Errorf("%w: the certificate presented is for %s, not %s", ErrNoChain, last, k)
	}
	s.mu.Lock()
	r, cut := s.g.CutBy(c)
	s.mu.Unlock()
	if cut {
		return fmt.Errorf("the certificate presented is %w: %s revoked %s at %d", trust.ErrRevoked, r.RevokedBy, r.Revoked, r.RevokedAt)
	}
	return nil
}
