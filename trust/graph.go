package trust

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// Relation is what a graph keeps of one ordered pair of peers: the latest of By's trust in For
// and By's revocation of For. A trust and a revocation of the same pair replace each other, the
// newer winning; at the same second the revocation wins.
type Relation struct {
	For, By    PublicKey
	Revocation bool
	At         uint64 // issued_at of a trust, revoked_at of a revocation
	ExpiresAt  uint64 // a trust's; 0 for a revocation
	Signature  []byte
}

// Trust returns the relation as a trust (when it is one).
func (r Relation) Trust() Trust {
	return Trust{IssuedFor: r.For, ExpiresAt: r.ExpiresAt, IssuedAt: r.At, Signature: r.Signature}
}

// Revocation returns the relation as a revocation (when it is one).
func (r Relation) AsRevocation() Revocation {
	return Revocation{Revoked: r.For, RevokedBy: r.By, RevokedAt: r.At, Signature: r.Signature}
}

// Store keeps what a Graph learns. The graph calls it on every change, before the change shows
// in its answers; an error leaves the graph as it was.
type Store interface {
	PutRoot(k PublicKey, maxChainLen int) error
	DeleteRoot(k PublicKey) error
	PutRelation(r Relation) error
}

// Config is a graph's settings.
type Config struct {
	// Skew is how many seconds ahead of the graph's clock a trust or revocation may be dated
	// (peers' clocks differ); later ones are refused. Default 60.
	Skew uint64
	// MaxRelations bounds the relations kept. Default 1,000,000.
	MaxRelations int
	// MaxUnanchored bounds the relations kept whose issuer weighed nothing when they came (a
	// stranger could otherwise fill the graph with trusts between keys of its own). Such
	// relations are kept, so that weights do not depend on the order trusts arrive in, but only
	// so many. Default 100,000.
	MaxUnanchored int
}

// Defaults of Config.
const (
	DefaultSkew          = 60
	DefaultMaxRelations  = 1_000_000
	DefaultMaxUnanchored = 100_000
	// staleWrites is how many changes the weights that decide whether an issuer weighs
	// anything may lag behind: recomputing them costs the size of the graph.
	staleWrites = 1000
	// MaxChainLen is the longest max_chain_len of a root: a root's weight is 2^max_chain_len,
	// a u32 in Fluence's service, and each hop halves it.
	MaxChainLen = 16
)

// Graph is a node's TrustGraph: its roots, the relations it knows, and the weights they give.
// It is a pure state machine: the caller passes the time in (seconds since the Unix epoch, on
// the node's clock) and gives it a Store; it does no I/O of its own and starts no goroutines.
// It is not safe for concurrent use.
type Graph struct {
	cfg       Config
	store     Store
	roots     map[PublicKey]int                     // root -> max chain length
	relations map[PublicKey]map[PublicKey]*Relation // for -> by -> relation
	issued    map[PublicKey]map[PublicKey]struct{}  // by -> the peers it has a relation with
	revokers  map[PublicKey]map[PublicKey]struct{}  // for -> the peers whose relation to it is a revocation
	revoking  map[PublicKey]int                     // by -> how many peers it revoked
	count     int
	cache     *weights // the weights from the roots, kept up to date; nil until computed afresh
	// last is the latest weights computed, kept across changes: whether an issuer weighs
	// anything is read from them, recomputed every staleWrites changes.
	last       *weights
	sinceLast  int
	unanchored int // relations kept whose issuer weighed nothing then
	recomputes int // how many times the weights were computed afresh (for tests and benchmarks)
	version    uint64
}

// Version changes whenever the graph does (a relation kept, a root set): an answer computed at
// one version and time holds while both stay the same.
func (g *Graph) Version() uint64 { return g.version }

// New returns an empty graph that keeps its changes in store. Load fills it from what store
// kept before.
func New(cfg Config, store Store) *Graph {
	if cfg.Skew == 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.MaxRelations == 0 {
		cfg.MaxRelations = DefaultMaxRelations
	}
	if cfg.MaxUnanchored == 0 {
		cfg.MaxUnanchored = DefaultMaxUnanchored
	}
	return &Graph{cfg: cfg, store: store, roots: map[PublicKey]int{},
		relations: map[PublicKey]map[PublicKey]*Relation{}, issued: map[PublicKey]map[PublicKey]struct{}{},
		revokers: map[PublicKey]map[PublicKey]struct{}{}, revoking: map[PublicKey]int{}}
}

// Load adds a root and relations as a store kept them, without checking signatures or
// writing them back.
func (g *Graph) Load(roots map[PublicKey]int, relations []Relation) {
	for k, m := range roots {
		g.roots[k] = m
	}
	for _, r := range relations {
		g.put(r)
	}
	g.cache = nil
}

// Errors of changing a graph.
var (
	ErrOutdated = errors.New("a newer trust or revocation of the same pair is kept")
	ErrFull     = errors.New("the trust graph keeps as many relations as it may")
)

// SetRoot makes k a root whose chains may have up to maxChainLen hops: its weight is
// 2^maxChainLen and each hop halves it. maxChainLen < 0 removes the root.
func (g *Graph) SetRoot(k PublicKey, maxChainLen int) error {
	if maxChainLen > MaxChainLen {
		return fmt.Errorf("max chain length %d: at most %d", maxChainLen, MaxChainLen)
	}
	if maxChainLen < 0 {
		if err := g.store.DeleteRoot(k); err != nil {
			return err
		}
		delete(g.roots, k)
	} else {
		if err := g.store.PutRoot(k, maxChainLen); err != nil {
			return err
		}
		g.roots[k] = maxChainLen
	}
	g.cache = nil
	g.version++
	return nil
}

// Roots returns the roots and their max chain lengths.
func (g *Graph) Roots() map[PublicKey]int {
	out := make(map[PublicKey]int, len(g.roots))
	for k, m := range g.roots {
		out[k] = m
	}
	return out
}

// AddTrust keeps issuer's trust t, once its signature and times check at now. Whether it
// counts is decided when weights are asked for (the issuer's own weight, revocations, expiry),
// so that the answers do not depend on the order in which trusts arrive. Adding a trust kept
// already is not an error; one older than what is kept for the pair is (ErrOutdated).
func (g *Graph) AddTrust(issuer PublicKey, t Trust, now uint64) error {
	if err := t.Verify(issuer, now, g.cfg.Skew); err != nil {
		return err
	}
	return g.change(trustRelation(issuer, t), now)
}

func trustRelation(issuer PublicKey, t Trust) Relation {
	return Relation{For: t.IssuedFor, By: issuer, At: t.IssuedAt, ExpiresAt: t.ExpiresAt, Signature: t.Signature}
}

// Revoke keeps revocation r once its signature and time check at now; see AddTrust.
func (g *Graph) Revoke(r Revocation, now uint64) error {
	if err := r.Verify(now, g.cfg.Skew); err != nil {
		return err
	}
	return g.change(Relation{For: r.Revoked, By: r.RevokedBy, Revocation: true, At: r.RevokedAt, Signature: r.Signature}, now)
}

// InsertCertificate keeps every trust of c, whose chain must verify at now from its own root
// (which need not be one of the graph's roots: a certificate from another root counts once that
// root is set).
func (g *Graph) InsertCertificate(c Certificate, now uint64) error {
	if len(c.Chain) == 0 {
		return errors.New("certificate: no trusts")
	}
	if err := c.Verify([]PublicKey{c.Chain[0].IssuedFor}, now, g.cfg.Skew); err != nil {
		return err
	}
	for i, t := range c.Chain {
		by := t.IssuedFor
		if i > 0 {
			by = c.Chain[i-1].IssuedFor
		}
		// Verify checked each trust's signature and times: keep it without checking again.
		if err := g.change(trustRelation(by, t), now); err != nil && !errors.Is(err, ErrOutdated) {
			return fmt.Errorf("certificate: trust %d: %w", i, err)
		}
	}
	return nil
}

// change keeps r unless what is kept for its pair is newer, or a bound says no.
func (g *Graph) change(r Relation, now uint64) error {
	old := g.relations[r.For][r.By]
	unanchored := false
	if old != nil {
		switch {
		case old.At > r.At, old.At == r.At && old.Revocation && !r.Revocation,
			old.At == r.At && !old.Revocation && !r.Revocation && old.ExpiresAt > r.ExpiresAt:
			return fmt.Errorf("%s's relation to %s at %d: %w (at %d)", r.By, r.For, r.At, ErrOutdated, old.At)
		case old.At == r.At && old.Revocation == r.Revocation && old.ExpiresAt == r.ExpiresAt:
			return nil // kept already
		}
	} else {
		if g.count >= g.cfg.MaxRelations {
			return fmt.Errorf("%w (%d)", ErrFull, g.cfg.MaxRelations)
		}
		unanchored = !g.weighs(r.By, now, false)
		if unanchored && g.unanchored >= g.cfg.MaxUnanchored {
			unanchored = !g.weighs(r.By, now, true) // the bound is hit: ask the weights of now
		}
		if unanchored && g.unanchored >= g.cfg.MaxUnanchored {
			return fmt.Errorf("%s weighs nothing on this node, and it keeps as many relations of such issuers as it may (%d): %w", r.By, g.cfg.MaxUnanchored, ErrFull)
		}
	}
	w := g.current(now) // before the change: the trusts that expired before now leave first
	if err := g.store.PutRelation(r); err != nil {
		return err
	}
	g.put(r)
	if unanchored {
		g.unanchored++
	}
	if w != nil && g.update(w, old, r.By, r.For, now) {
		w.at = now // it holds from now on: relations that expired before now were left out
	} else {
		g.cache = nil
	}
	g.sinceLast++
	return nil
}

// weighs says whether k is a root or weighed something in the latest weights, recomputed when
// they lag more than staleWrites changes behind, or at all if fresh.
func (g *Graph) weighs(k PublicKey, now uint64, fresh bool) bool {
	if _, root := g.roots[k]; root {
		return true
	}
	if c := g.current(now); c != nil {
		return c.weight[k] > 0
	}
	if g.last == nil || g.sinceLast >= staleWrites || now < g.last.at || (fresh && g.sinceLast > 0) {
		g.weights(now)
	}
	return g.last.weight[k] > 0
}

func (g *Graph) put(r Relation) {
	byFor := g.relations[r.For]
	if byFor == nil {
		byFor = map[PublicKey]*Relation{}
		g.relations[r.For] = byFor
	}
	if old := byFor[r.By]; old == nil {
		g.count++
	} else if old.Revocation {
		g.revoking[r.By]--
	}
	r.Signature = slices.Clone(r.Signature)
	byFor[r.By] = &r
	g.version++
	out := g.issued[r.By]
	if out == nil {
		out = map[PublicKey]struct{}{}
		g.issued[r.By] = out
	}
	out[r.For] = struct{}{}
	if r.Revocation {
		rs := g.revokers[r.For]
		if rs == nil {
			rs = map[PublicKey]struct{}{}
			g.revokers[r.For] = rs
		}
		rs[r.By] = struct{}{}
		g.revoking[r.By]++
	} else if rs := g.revokers[r.For]; rs != nil {
		delete(rs, r.By)
		if len(rs) == 0 {
			delete(g.revokers, r.For)
		}
	}
}

// Relation returns what is kept of by's relation to k.
func (g *Graph) Relation(k, by PublicKey) (Relation, bool) {
	r := g.relations[k][by]
	if r == nil {
		return Relation{}, false
	}
	return *r, true
}

// Revocations returns every revocation kept, ordered by revoked peer, then revoker.
func (g *Graph) Revocations() []Revocation {
	var out []Revocation
	for _, byFor := range g.relations {
		for _, r := range byFor {
			if r.Revocation {
				out = append(out, r.AsRevocation())
			}
		}
	}
	slices.SortFunc(out, func(a, b Revocation) int {
		if c := bytes.Compare(a.Revoked[:], b.Revoked[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.RevokedBy[:], b.RevokedBy[:])
	})
	return out
}

// Len is how many relations the graph keeps.
func (g *Graph) Len() int { return g.count }

// Weight is k's weight at now: the best over its chains from the graph's roots of 2^(M−h),
// where M is the root's max chain length and h the chain's hops (a root's own weight is 2^M);
// 0 without a chain. A chain counts only through trusts that have not expired at now, and not
// where a peer before it in the chain revoked a peer after it (see the package doc).
func (g *Graph) Weight(k PublicKey, now uint64) uint32 {
	return g.weights(now).weight[k]
}

// Certificate returns k's best chain from the graph's roots at now, as a certificate: the
// root's trust in itself, then a trust per hop. It fails when k has no chain, or the root's
// trust in itself is not kept (a root set without one gives weight but no certificates).
func (g *Graph) Certificate(k PublicKey, now uint64) (Certificate, error) {
	return g.weights(now).certificate(g, k, now)
}

// Path returns k's best chain from root at now, whether or not root is one of the graph's
// roots (a developer's key, say), as a certificate; root is taken with the longest chain
// length, MaxChainLen. It is computed afresh: it costs the size of what root reaches.
func (g *Graph) Path(root, k PublicKey, now uint64) (Certificate, error) {
	return g.compute(map[PublicKey]int{root: MaxChainLen}, now, false).certificate(g, k, now)
}

// ErrRevoked is the error of a certificate cut by a revocation the graph keeps.
var ErrRevoked = errors.New("revoked")

// CutBy returns the revocation the graph keeps that cuts chain c, if one does: a peer of the
// chain revoked a peer after it, and, where the revoker is the issuer of the next peer's trust,
// the revocation is not older than that trust (a newer trust of the same pair wins, as in the
// graph; at the same second the revocation does). It checks no signature: Verify does.
func (g *Graph) CutBy(c Certificate) (Revocation, bool) {
	for b := 1; b < len(c.Chain); b++ {
		k := c.Chain[b].IssuedFor
		for a := 0; a < b; a++ {
			by := c.Chain[a].IssuedFor
			if by == k {
				continue // a chain through a peer twice: its self-trust, not a revocation
			}
			r := g.relations[k][by]
			if r == nil || !r.Revocation {
				continue
			}
			if a == b-1 && r.At < c.Chain[b].IssuedAt {
				continue
			}
			return r.AsRevocation(), true
		}
	}
	return Revocation{}, false
}
