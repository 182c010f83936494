// Package triggersvc runs the scripts a node starts by itself: triggers, Fluence's spells. A
// trigger is an AIR script a peer (its owner) installed on the node with arguments and a
// schedule: start at a time, then every so many seconds, up to so many times. At each run the
// node starts a particle of the script, signed by its own key, whose getDataSrv serves the
// trigger's arguments (so a script written for "aquanet run --arg" runs as a trigger as it is),
// and whose spell service reads and writes the trigger's own key-value state.
//
// Triggers and their state are kept in the node's database: a restarted node goes on with
// each schedule where it was (a run due while the node was down runs once at the start, not
// once per period missed). The schedule runs on the node's clock, so triggers run in the
// simulator and replay.
//
// Served as the builtins script (add, remove, list: nox's names) and spell (get_string,
// set_string, list_push_string, list_get_strings, exists, remove_key: nox's Spell KV), and as
// getDataSrv for the particles of triggers.
package triggersvc

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// Config is a node's triggers' configuration.
type Config struct {
	Key        ed25519.PrivateKey // the node's: it signs the triggers' particles
	Management string             // may remove any trigger, as the node itself may
	Clock      clock.Clock
	// Start hands a particle the node starts to the node (actors.Node.Deliver from itself).
	Start func(particle.Particle)
	// MaxPerOwner bounds the triggers one peer may have installed; the node and its
	// management peer are not bounded. Default 16.
	MaxPerOwner int
	// MaxTotal bounds the triggers of all peers but the node and its management peer (keys
	// cost a stranger nothing, so a bound per owner alone bounds nothing). Default 1,024.
	MaxTotal int
	// MinEvery is the shortest period of a trigger. Default 1 s.
	MinEvery time.Duration
	// TTL is the life of a trigger's particle. Default 2 minutes (nox's max_spell_particle_ttl).
	TTL    time.Duration
	Logger *slog.Logger // nil: discard
}

// Defaults of Config.
const (
	DefaultMaxPerOwner = 16
	DefaultMaxTotal    = 1024
	DefaultMinEvery    = time.Second
	DefaultTTL         = 2 * time.Minute
)

// Bounds on what a trigger holds.
const (
	MaxArgsBytes   = 64 << 10 // a trigger's arguments, as JSON
	MaxStateKeys   = 1024     // keys of a trigger's state
	MaxValueBytes  = 64 << 10 // a string value, or a list's element
	MaxListLen     = 1024     // elements of a list value
	maxKeyLen      = 256      // a state key
	particlePrefix = "trigger:"
)

// Trigger is one installed trigger.
type Trigger struct {
	ID     string          `json:"id"`
	Owner  string          `json:"owner"`
	Script string          `json:"script"`
	Args   json.RawMessage `json:"args,omitempty"` // a JSON object: getDataSrv.NAME is its NAME
	// StartAt is the first run's time (ms since the Unix epoch); Every the period (0: one run);
	// Times the most runs (0: no limit).
	StartAt uint64 `json:"start_at"`
	Every   uint64 `json:"every_sec,omitempty"`
	Times   uint64 `json:"times,omitempty"`
	// Route, if set, makes it an HTTP trigger: it runs at each request to its route (Invoke),
	// and has no schedule.
	Route string `json:"route,omitempty"`
	// Runs is how many runs started; NextAt when the next is due (ms), 0 when none is.
	Runs   uint64 `json:"runs"`
	NextAt uint64 `json:"next_at,omitempty"`
}

// Schedule is when a trigger runs.
type Schedule struct {
	StartAt uint64 // ms since the Unix epoch; 0: now
	Every   time.Duration
	Times   uint64
}

// Service keeps a node's triggers and runs them. It is safe for concurrent use.
type Service struct {
	cfg  Config
	db   *pebble.DB
	self peer.ID
	// selfID is self as text, which every call's check compares with (base58 costs 1 µs).
	selfID string
	priv   crypto.PrivKey

	mu       sync.Mutex
	triggers map[string]*Trigger
	timers   map[string]clock.Timer
	pending  map[string]*Invocation // by particle id: the HTTP runs waiting for their response
	started  bool
	closed   bool
}

// Open loads the triggers kept in db; Start schedules them.
func Open(db *pebble.DB, cfg Config) (*Service, error) {
	if cfg.MaxPerOwner == 0 {
		cfg.MaxPerOwner = DefaultMaxPerOwner
	}
	if cfg.MaxTotal == 0 {
		cfg.MaxTotal = DefaultMaxTotal
	}
	if cfg.MinEvery == 0 {
		cfg.MinEvery = DefaultMinEvery
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("triggers: %w", err)
	}
	self, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("triggers: %w", err)
	}
	s := &Service{cfg: cfg, db: db, self: self, selfID: self.String(), priv: priv, triggers: map[string]*Trigger{}, timers: map[string]clock.Timer{},
		pending: map[string]*Invocation{}}
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.Triggers}, UpperBound: []byte{store.Triggers + 1}})
	if err != nil {
		return nil, fmt.Errorf("triggers: %w", err)
	}
	for it.First(); it.Valid(); it.Next() {
		var t Trigger
		if err := json.Unmarshal(it.Value(), &t); err != nil {
			it.Close()
			return nil, fmt.Errorf("triggers: the trigger kept under %q: %w", it.Key()[1:], err)
		}
		s.triggers[t.ID] = &t
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("triggers: %w", err)
	}
	return s, nil
}

// Start schedules the triggers: call it once the node takes particles (Config.Start). A trigger
// added before runs from then on.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = true
	for _, id := range slices.Sorted(maps.Keys(s.triggers)) {
		s.scheduleLocked(s.triggers[id])
	}
}

// Close stops the schedules; the triggers stay kept.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, t := range s.timers {
		t.Stop()
	}
	s.timers = map[string]clock.Timer{}
}

func (s *Service) now() uint64 { return uint64(s.cfg.Clock.Now().UnixMilli()) }

// Add installs a trigger of script for owner, with args, on schedule; it returns its id.
// Nothing is kept if it fails: a script that does not parse, a period under the minimum,
// arguments too large, an owner at its bound.
func (s *Service) Add(owner, script string, args value.Value, sch Schedule) (string, error) {
	argsJSON, err := checkScript(script, args)
	if err != nil {
		return "", err
	}
	if sch.Every != 0 && sch.Every < s.cfg.MinEvery {
		return "", fmt.Errorf("a period of %v is under this node's minimum of %v", sch.Every, s.cfg.MinEvery)
	}
	if sch.Every%time.Second != 0 {
		return "", fmt.Errorf("a period of %v is not a whole number of seconds", sch.Every)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &Trigger{Owner: owner, Script: script, Args: argsJSON, StartAt: max(sch.StartAt, now), Every: uint64(sch.Every / time.Second), Times: sch.Times}
	t.NextAt = t.StartAt
	return s.installLocked(t)
}

// AddRoute installs an HTTP trigger of script for owner: it runs at each request to route name
// (Invoke), with args overlaid by the request's. Nothing is kept if it fails, as for Add; a
// route name is 1 to 64 letters, digits, '-' and '_', and unique on the node.
func (s *Service) AddRoute(owner, name, script string, args value.Value) (string, error) {
	if !validRoute(name) {
		return "", fmt.Errorf("route %q: want 1 to 64 letters, digits, '-' and '_'", name)
	}
	argsJSON, err := checkScript(script, args)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.triggers {
		if t.Route == name {
			return "", fmt.Errorf("route %q is trigger %s's already", name, t.ID)
		}
	}
	return s.installLocked(&Trigger{Owner: owner, Script: script, Args: argsJSON, Route: name, StartAt: s.now()})
}

func validRoute(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkScript checks a trigger's script and arguments and returns the arguments as JSON.
func checkScript(script string, args value.Value) (json.RawMessage, error) {
	if args.Kind() != value.KindNull && args.Kind() != value.KindObject {
		return nil, fmt.Errorf("the arguments must be an object of names and values, not %s", args.Kind())
	}
	if len(script) > particle.DefaultMaxScript {
		return nil, fmt.Errorf("the script is %d bytes, more than a particle carries (%d)", len(script), particle.DefaultMaxScript)
	}
	if _, err := air.Parse(script); err != nil {
		return nil, fmt.Errorf("the script does not parse: %v", err)
	}
	if args.Kind() != value.KindObject {
		return nil, nil
	}
	b := args.AppendJSON(nil)
	if len(b) > MaxArgsBytes {
		return nil, fmt.Errorf("the arguments are %d bytes of JSON, more than %d", len(b), MaxArgsBytes)
	}
	return b, nil
}

// installLocked gives t an id and keeps it, within its owner's bound, and schedules it.
func (s *Service) installLocked(t *Trigger) (string, error) {
	if s.closed {
		return "", errors.New("the node is stopping")
	}
	if owner := t.Owner; !s.privileged(owner) {
		mine, others := 0, 0
		for _, t := range s.triggers {
			switch {
			case t.Owner == owner:
				mine++
				others++
			case !s.privileged(t.Owner):
				others++
			}
		}
		if mine >= s.cfg.MaxPerOwner {
			return "", fmt.Errorf("%s has %d triggers on this node, the most a peer may have", owner, mine)
		}
		if others >= s.cfg.MaxTotal {
			return "", fmt.Errorf("this node runs %d triggers of peers other than itself and its management peer, the most it takes", others)
		}
	}
	now := s.now()
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d\x00%s", t.Owner, now, len(s.triggers), t.Script))
	t.ID = hex.EncodeToString(sum[:8])
	for s.triggers[t.ID] != nil { // the same owner, script and time twice: another id
		sum = sha256.Sum256(sum[:])
		t.ID = hex.EncodeToString(sum[:8])
	}
	if err := s.saveLocked(t); err != nil {
		return "", err
	}
	s.triggers[t.ID] = t
	s.scheduleLocked(t)
	return t.ID, nil
}

// Remove removes trigger id, and its state, if by owns it or is the node or its management
// peer.
func (s *Service) Remove(by, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.triggers[id]
	if t == nil {
		return fmt.Errorf("no trigger %q on this node", id)
	}
	if by != t.Owner && by != s.selfID && by != s.cfg.Management {
		return fmt.Errorf("trigger %s is %s's: only its owner, the node and its management peer may remove it", id, t.Owner)
	}
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.Delete(triggerKey(id), nil); err != nil {
		return err
	}
	if err := b.DeleteRange(stateKey(id, ""), stateEnd(id), nil); err != nil {
		return err
	}
	if err := b.Commit(store.Sync(s.db)); err != nil {
		return fmt.Errorf("removing trigger %s: %w", id, err)
	}
	if tm := s.timers[id]; tm != nil {
		tm.Stop()
		delete(s.timers, id)
	}
	delete(s.triggers, id)
	return nil
}

// List returns the triggers, ordered by id.
func (s *Service) List() []Trigger {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Trigger, 0, len(s.triggers))
	for _, id := range slices.Sorted(maps.Keys(s.triggers)) {
		out = append(out, *s.triggers[id])
	}
	return out
}

// scheduleLocked arms t's timer for its next run, if it has one.
func (s *Service) scheduleLocked(t *Trigger) {
	if t.NextAt == 0 || s.closed || !s.started || s.timers[t.ID] != nil {
		return
	}
	wait := time.Duration(0)
	if now := s.now(); t.NextAt > now {
		wait = time.Duration(t.NextAt-now) * time.Millisecond
	}
	id := t.ID
	s.timers[id] = s.cfg.Clock.AfterFunc(wait, func() { s.run(id) })
}

// run starts trigger id's particle and schedules its next run; the run is counted on disk
// before the particle starts, so a crash never runs it twice.
func (s *Service) run(id string) {
	s.mu.Lock()
	t := s.triggers[id]
	delete(s.timers, id)
	if t == nil || s.closed {
		s.mu.Unlock()
		return
	}
	now := s.now()
	next := *t
	next.Runs++
	next.NextAt = 0
	if t.Every > 0 && (t.Times == 0 || next.Runs < t.Times) {
		// The next period after now: runs missed while the node was down are not made up.
		period := t.Every * 1000
		next.NextAt = t.NextAt + period
		if next.NextAt <= now {
			next.NextAt = now + period - (now-t.NextAt)%period
		}
	}
	if err := s.saveLocked(&next); err != nil {
		s.mu.Unlock()
		s.cfg.Logger.Error("trigger not run: its run could not be saved", "trigger", id, "error", err)
		return
	}
	*t = next
	s.scheduleLocked(t)
	s.mu.Unlock()

	p := particle.Particle{ID: ParticleID(id, next.Runs), InitPeerID: s.self, Timestamp: now, TTL: uint32(s.cfg.TTL.Milliseconds()),
		MaxHops: particle.DefaultMaxHops, Script: t.Script}
	if err := p.Sign(s.priv); err != nil {
		s.cfg.Logger.Error("trigger not run: its particle could not be signed", "trigger", id, "error", err)
		return
	}
	s.cfg.Logger.Debug("trigger run", "trigger", id, "run", next.Runs, "particle", p.ID)
	s.cfg.Start(p)
}

func (s *Service) saveLocked(t *Trigger) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if err := s.db.Set(triggerKey(t.ID), b, store.Sync(s.db)); err != nil {
		return fmt.Errorf("saving trigger %s: %w", t.ID, err)
	}
	return nil
}

// ParticleID is the id of run n of trigger id's particle.
func ParticleID(id string, n uint64) string {
	return particlePrefix + id + ":" + strconv.FormatUint(n, 10)
}

// triggerOf returns the trigger whose particle id is, if the particle is this node's own.
func (s *Service) triggerOf(initPeer, particleID string) (*Trigger, bool) {
	if initPeer != s.selfID {
		return nil, false
	}
	rest, ok := strings.CutPrefix(particleID, particlePrefix)
	if !ok {
		return nil, false
	}
	id, _, _ := strings.Cut(rest, ":")
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.triggers[id]
	return t, t != nil
}

func triggerKey(id string) []byte { return append([]byte{store.Triggers}, id...) }

func stateKey(id, key string) []byte {
	return append(append(append([]byte{store.TriggerState}, id...), 0), key...)
}

func stateEnd(id string) []byte { return append(append([]byte{store.TriggerState}, id...), 1) }

// privileged says whether owner is the node or its management peer, whom no bound holds.
func (s *Service) privileged(owner string) bool {
	return owner == s.selfID || owner == s.cfg.Management
}
