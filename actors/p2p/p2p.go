// Package p2p is the node's libp2p transport: particles travel between peers on a protocol of
// aquanet's own, /aquanet/particle/1.0.0, as length-prefixed frames (frame.go) of the particle
// codec, one long-lived stream per peer and direction.
//
// The host listens on TCP, QUIC and WebSocket, on every address it is given or not at all
// (listen.go), secures connections with Noise, multiplexes them with Yamux, runs identify and
// ping, and keeps its connections within a connection manager's watermarks and a resource
// manager's limits (at most a few particle streams per peer).
// Sending never blocks: each peer has a bounded queue, drained by its own sender; a full queue
// drops the particle, as does a peer that cannot be reached (the particle's TTL takes care of
// the rest), each counted by reason; a particle over the size limit is refused at once.
// Receiving reads each frame as its bytes arrive, its memory reserved first from the resource
// manager and a transport-wide cap on bytes in flight (memory.go), rate-limits each peer and
// all of them together, decodes the frame within the particle limits, and hands the particle
// to the node, which validates it on the stream's goroutine, so that one slow or hostile peer
// holds up only its own streams. docs/SECURITY.md lists the limits.
//
// The ledger's raft messages travel between validators on a protocol of their own,
// /aquanet/ledger/1.0.0, in the same way: one stream per peer and direction (ledger.go).
//
// A node stays connected to its bootstrap peers, dialling again any it loses (bootstrap.go).
// A client is a transport that does not listen: it connects to its relay node, and particles
// for it come back over that connection.
package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-libp2p/p2p/transport/websocket"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/particle"
)

// Protocol is the libp2p protocol particles travel on.
const Protocol = protocol.ID("/aquanet/particle/1.0.0")

// Config configures a transport. Zero fields take the defaults named.
type Config struct {
	// Key is the peer's ed25519 key. Required.
	Key ed25519.PrivateKey
	// Listen are the multiaddrs to listen on (e.g. /ip4/127.0.0.1/tcp/7777,
	// /ip4/127.0.0.1/udp/7777/quic-v1, /ip4/127.0.0.1/tcp/7778/ws). None: a client, which
	// listens nowhere.
	Listen []string
	// Clock gives the time for stream deadlines and rate limits; default the real clock.
	Clock clock.Clock
	// Logger; default discards.
	Logger *slog.Logger
	// Metrics, if set, gets the transport's metrics and libp2p's own.
	Metrics prometheus.Registerer
	// Limits bound arriving particles. Its MaxPacket is MaxParticleSize, or less if set less.
	Limits particle.Limits
	// MaxParticleSize is the longest frame (one encoded particle) taken from a peer, in bytes: a
	// frame that declares more resets its stream before anything of it is read. Send refuses
	// a longer particle at once (a TooLargeError): a peer with the same limit would not take
	// it, and its sender would hear nothing. Default DefaultMaxParticleSize, or
	// Limits.MaxPacket if that is set and smaller.
	MaxParticleSize int
	// MaxPeerFrameBytes bounds the memory of the frames being read from one peer at once, and
	// MaxFrameBytesInFlight that of all the frames being read, from all peers. A frame's
	// buffer grows with the bytes that arrive, and may briefly be held twice as it grows: each
	// must be at least twice MaxParticleSize. A frame that would go over either resets its
	// stream. Defaults twice MaxParticleSize, and the larger of DefaultMaxFrameBytesInFlight
	// and twice MaxPeerFrameBytes.
	MaxPeerFrameBytes, MaxFrameBytesInFlight int
	// QueueLen is how many particles may wait for one peer; default 256.
	QueueLen int
	// Rate and Burst limit the particles taken from one peer: Rate per second on average,
	// Burst at once; defaults DefaultRate (2,000/s) and DefaultBurst (4,000). A frame over
	// them is dropped before it is decoded (dropped_total{reason="rate_limited"}); the stream
	// goes on, and the peer is not told.
	Rate  float64
	Burst int
	// GlobalRate and GlobalBurst limit the particles taken from all peers together, as Rate and
	// Burst do for one: identities cost nothing, and each new one has a full Burst of its own.
	// A frame over them is dropped before it is decoded (dropped_total{reason=
	// "global_rate_limited"}); the stream goes on. The peer's own bucket is asked first, so
	// that a peer over its rate spends none of the node's. Defaults 10,000/s, about what a
	// node can validate and route in a second, and 20,000: five peers' bursts at once, so that
	// a few busy peers are not cut, while a crowd of fresh identities gets no more than that.
	GlobalRate  float64
	GlobalBurst int
	// DialTimeout bounds connecting to a peer and opening a stream; default 10 s.
	DialTimeout time.Duration
	// WriteTimeout bounds writing one particle; default 10 s.
	WriteTimeout time.Duration
	// ConnLow and ConnHigh are the connection manager's watermarks; defaults 128 and 512.
	// Over ConnHigh, it closes connections down to ConnLow, those of the lowest weight first
	// (Weight), sparing those younger than ConnGrace (default 20 s, libp2p's).
	ConnLow, ConnHigh int
	ConnGrace         time.Duration
	// Weight, if set, is a peer's TrustGraph weight on this node: each connected peer is tagged
	// with it (TrustTag), so that the connection manager keeps trusted peers and closes the
	// lowest first. Called when a peer connects and by RetagPeers.
	Weight func(peer.ID) uint32
	// UserAgent is announced by identify.
	UserAgent string
	// BootstrapBackoff is how long StartBootstrap waits before dialling again a bootstrap peer
	// it could not reach, or that went away; each failed dial doubles the wait, up to
	// BootstrapBackoffMax. Defaults 5 s and 1 min (at least BootstrapBackoff).
	BootstrapBackoff, BootstrapBackoffMax time.Duration

	// NoDHT keeps a transport that listens out of the Kademlia DHT (kad.go). A transport that
	// listens takes part in it by default, as a server; a client, which listens nowhere, never
	// does (its Lookup and LocalClosest find nothing; its Request works).
	NoDHT bool
	// LookupTimeout bounds one Lookup; default DefaultLookupTimeout (10 s).
	LookupTimeout time.Duration
	// RequestTimeout bounds a DHT record request once its stream is open: writing it, and the
	// answer's arrival and reading (Request); serving one, the time from its stream's opening
	// to the answer's writing. Default DefaultRequestTimeout (10 s).
	RequestTimeout time.Duration
	// RoutingHandler, if set, answers the DHT record requests of other peers (their Request):
	// the transport serves RoutingProtocol only then. It is called on the request's stream's
	// goroutine and must not block; it answers through its callback, from any goroutine.
	RoutingHandler core.RoutingHandler
	// RoutingRate and RoutingBurst limit the DHT record requests taken from one peer, as Rate
	// and Burst do particles: a request over them resets its stream unread
	// (dropped_total{reason="routing_rate_limited"}). Defaults DefaultRoutingRate (50/s) and
	// DefaultRoutingBurst (100).
	RoutingRate  float64
	RoutingBurst int
	// MaxRoutingRequests is how many DHT record requests may be handled at once, from all
	// peers; one more resets its stream unread (dropped_total{reason="routing_busy"}).
	// Default DefaultMaxRoutingRequests (64).
	MaxRoutingRequests int

	// LedgerRate and LedgerBurst limit the ledger messages taken from one peer (ledger.go):
	// a frame over them is skipped unread (dropped_total{reason="ledger_rate_limited"}) and
	// the stream goes on. Defaults DefaultLedgerRate (20,000/s) and DefaultLedgerBurst (40,000).
	LedgerRate  float64
	LedgerBurst int
	// LedgerQueueLen and LedgerQueueBytes bound the ledger messages waiting for one peer;
	// SendLedger drops one that would go over either. Defaults DefaultLedgerQueueLen (1,024)
	// and DefaultLedgerQueueBytes (64 MiB); LedgerQueueBytes is at least core.MaxLedgerMessage.
	LedgerQueueLen, LedgerQueueBytes int
	// MaxLedgerStreams bounds the inbound ledger streams one peer may have open at once; one
	// more is reset unread (dropped_total{reason="ledger_streams"}). Default
	// DefaultMaxLedgerStreams (4).
	MaxLedgerStreams int
	// MaxLedgerBytesInFlight bounds the memory of the ledger messages being read, from all
	// peers; a frame that would go over it resets its stream. Default
	// DefaultMaxLedgerBytesInFlight (64 MiB); at least twice core.MaxLedgerMessage, as a
	// frame's buffer may briefly be held twice as it grows.
	MaxLedgerBytesInFlight int

	// kadOptions are more options for kad-dht, after the transport's own (tests).
	kadOptions []dht.Option
}

// DefaultMaxParticleSize is the default of Config.MaxParticleSize: room for a script and data
// far larger than any real one, small enough that a few hostile frames do not add up.
const DefaultMaxParticleSize = 4 << 20

// DefaultMaxFrameBytesInFlight is the least default of Config.MaxFrameBytesInFlight.
const DefaultMaxFrameBytesInFlight = 64 << 20

// DefaultRate and DefaultBurst are the defaults of Config.Rate and Config.Burst.
const (
	DefaultRate  = 2_000
	DefaultBurst = 4_000
)

// DefaultGlobalRate and DefaultGlobalBurst are the defaults of Config.GlobalRate and
// Config.GlobalBurst.
const (
	DefaultGlobalRate  = 10_000
	DefaultGlobalBurst = 20_000
)

func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Limits = c.Limits.WithDefaults()
	if c.MaxParticleSize <= 0 {
		c.MaxParticleSize = DefaultMaxParticleSize
	}
	c.MaxParticleSize = min(c.MaxParticleSize, c.Limits.MaxPacket)
	c.Limits.MaxPacket = c.MaxParticleSize
	if c.MaxPeerFrameBytes <= 0 {
		c.MaxPeerFrameBytes = 2 * c.MaxParticleSize
	}
	if c.MaxFrameBytesInFlight <= 0 {
		c.MaxFrameBytesInFlight = max(DefaultMaxFrameBytesInFlight, 2*c.MaxPeerFrameBytes)
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 256
	}
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.GlobalRate <= 0 {
		c.GlobalRate = DefaultGlobalRate
	}
	if c.GlobalBurst <= 0 {
		c.GlobalBurst = DefaultGlobalBurst
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.ConnLow <= 0 {
		c.ConnLow = 128
	}
	if c.ConnHigh <= c.ConnLow {
		c.ConnHigh = 4 * c.ConnLow
	}
	if c.UserAgent == "" {
		c.UserAgent = "aquanet"
	}
	if c.BootstrapBackoff <= 0 {
		c.BootstrapBackoff = 5 * time.Second
	}
	if c.BootstrapBackoffMax <= 0 {
		c.BootstrapBackoffMax = time.Minute
	}
	c.BootstrapBackoffMax = max(c.BootstrapBackoffMax, c.BootstrapBackoff)
	if c.LookupTimeout <= 0 {
		c.LookupTimeout = DefaultLookupTimeout
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.RoutingRate <= 0 {
		c.RoutingRate = DefaultRoutingRate
	}
	if c.RoutingBurst <= 0 {
		c.RoutingBurst = DefaultRoutingBurst
	}
	if c.MaxRoutingRequests <= 0 {
		c.MaxRoutingRequests = DefaultMaxRoutingRequests
	}
	if c.LedgerRate <= 0 {
		c.LedgerRate = DefaultLedgerRate
	}
	if c.LedgerBurst <= 0 {
		c.LedgerBurst = DefaultLedgerBurst
	}
	if c.LedgerQueueLen <= 0 {
		c.LedgerQueueLen = DefaultLedgerQueueLen
	}
	if c.LedgerQueueBytes <= 0 {
		c.LedgerQueueBytes = DefaultLedgerQueueBytes
	}
	c.LedgerQueueBytes = max(c.LedgerQueueBytes, core.MaxLedgerMessage)
	if c.MaxLedgerStreams <= 0 {
		c.MaxLedgerStreams = DefaultMaxLedgerStreams
	}
	if c.MaxLedgerBytesInFlight <= 0 {
		c.MaxLedgerBytesInFlight = DefaultMaxLedgerBytesInFlight
	}
	c.MaxLedgerBytesInFlight = max(c.MaxLedgerBytesInFlight, 2*core.MaxLedgerMessage)
	return c
}

// Transport is a libp2p host carrying particles. It is a core.Transport, a core.Connectivity,
// a core.Routing (kad.go) and a core.LedgerTransport (ledger.go).
type Transport struct {
	cfg     Config
	host    host.Host
	metrics *metrics

	// ctx ends at Close, and with it the connection attempts and the bootstrap loops.
	ctx    context.Context
	cancel context.CancelFunc

	inFlight inFlight // bytes of the frames being read, on all streams
	routing  routing  // the DHT and its record requests (kad.go)
	ledger   ledger   // the ledger's messages (ledger.go)

	mu    sync.Mutex
	inbox core.Inbox
	// onUndelivered hears of particles given up after Send (OnUndelivered).
	onUndelivered func(to string, p particle.Particle, err error)
	senders       map[peer.ID]*sender
	ledgerWriters map[peer.ID]*ledgerWriter // ledger.go
	lookedFor     map[peer.ID]time.Time     // ledger.go: when each unreachable peer was last looked for
	buckets       map[peer.ID]*bucket       // by peer: Rate and Burst
	global        bucket                    // all peers: GlobalRate and GlobalBurst
	bootstrap     map[peer.ID]chan struct{} // by bootstrap peer, told when its last connection closes
	closed        bool
	wg            sync.WaitGroup // senders, connection attempts and bootstrap loops
}

// New starts a libp2p host with cfg. Close stops it.
func New(cfg Config) (*Transport, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("p2p: Config.Key must be an ed25519 private key")
	}
	if cfg.MaxPeerFrameBytes < 2*cfg.MaxParticleSize || cfg.MaxFrameBytesInFlight < 2*cfg.MaxParticleSize {
		return nil, fmt.Errorf("p2p: MaxPeerFrameBytes (%d) and MaxFrameBytesInFlight (%d) must each be at least twice MaxParticleSize (%d): a frame's buffer may briefly be held twice as it grows",
			cfg.MaxPeerFrameBytes, cfg.MaxFrameBytesInFlight, cfg.MaxParticleSize)
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("p2p: %w", err)
	}
	listenAddrs := make([]multiaddr.Multiaddr, len(cfg.Listen))
	for i, a := range cfg.Listen {
		if listenAddrs[i], err = multiaddr.NewMultiaddr(a); err != nil {
			return nil, fmt.Errorf("p2p: listen address %q: %w", a, err)
		}
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("p2p: registering metrics: %w", err)
	}
	var cmOpts []connmgr.Option
	if cfg.ConnGrace > 0 {
		cmOpts = append(cmOpts, connmgr.WithGracePeriod(cfg.ConnGrace))
	}
	cm, err := connmgr.NewConnManager(cfg.ConnLow, cfg.ConnHigh, cmOpts...)
	if err != nil {
		return nil, fmt.Errorf("p2p: %w", err)
	}
	var rmOpts []rcmgr.Option
	if cfg.Metrics == nil {
		rmOpts = append(rmOpts, rcmgr.WithMetricsDisabled())
	}
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(resourceLimits(cfg)), rmOpts...)
	if err != nil {
		return nil, fmt.Errorf("p2p: resource manager: %w", err)
	}
	opts := []libp2p.Option{
		libp2p.Identity(priv),
		// Without reuseport, a TCP port in use is an error (listen.go). The cost: TCP dials
		// leave from an ephemeral port, not the listen port, so the peer dialled sees (and its
		// Contact reports) an address it cannot dial back. Peers learn a node's listen
		// addresses from identify, and hole punching, which the shared port is for, is off
		// (no relay). QUIC dials still leave from the listen socket.
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()), libp2p.Transport(quic.NewTransport), libp2p.Transport(websocket.New),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ConnectionManager(cm),
		libp2p.ResourceManager(rm),
		libp2p.Ping(true),
		libp2p.UserAgent(cfg.UserAgent),
		libp2p.DisableRelay(),
		libp2p.NoListenAddrs, // listen, below, takes the addresses one at a time
	}
	if cfg.Metrics != nil {
		opts = append(opts, libp2p.PrometheusRegisterer(cfg.Metrics))
	} else {
		opts = append(opts, libp2p.DisableMetrics())
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		rm.Close()
		return nil, fmt.Errorf("p2p: starting the libp2p host: %w", err)
	}
	if err := listen(h.Network(), listenAddrs); err != nil {
		h.Close()
		return nil, err
	}
	t := newTransport(cfg, m)
	t.host = h
	h.Network().Notify(&network.NotifyBundle{
		ConnectedF: func(n network.Network, c network.Conn) {
			t.metrics.peers.Set(float64(len(n.Peers())))
			t.tagWeight(c.RemotePeer())
		},
		DisconnectedF: t.disconnected,
	})
	h.SetStreamHandler(Protocol, t.receive)
	t.startLedger()
	if err := t.startRouting(); err != nil {
		t.cancel()
		h.Close()
		return nil, err
	}
	return t, nil
}

// newTransport is a transport with cfg (defaults set) and no host yet.
func newTransport(cfg Config, m *metrics) *Transport {
	t := &Transport{cfg: cfg, metrics: m, senders: map[peer.ID]*sender{}, buckets: map[peer.ID]*bucket{},
		ledgerWriters: map[peer.ID]*ledgerWriter{},
		global:        bucket{tokens: float64(cfg.GlobalBurst), last: cfg.Clock.Now()}}
	t.inFlight.max, t.inFlight.gauge = int64(cfg.MaxFrameBytesInFlight), m.bytesInFlight
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t
}

var (
	_ core.Join         = (*Transport)(nil).Join
	_ core.Connectivity = (*Transport)(nil)
)

// Join attaches the transport to a node: particles that arrive go to in, from the peer at the
// other end of the stream. Its shape is core.Join.
func (t *Transport) Join(self string, in core.Inbox) core.Transport {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inbox = in
	return t
}

// ID returns the transport's peer id.
func (t *Transport) ID() peer.ID { return t.host.ID() }

// Addrs returns the addresses the transport listens on, each ending in /p2p/<peer id>, as a
// peer would dial them.
func (t *Transport) Addrs() []multiaddr.Multiaddr {
	if len(t.host.Addrs()) == 0 { // a client
		return nil
	}
	addrs, _ := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: t.host.ID(), Addrs: t.host.Addrs()})
	return addrs
}

// Host returns the libp2p host (for the DHT and tests).
func (t *Transport) Host() host.Host { return t.host }

// ErrUnreachable is the error of a send to a peer the transport has no connection to and no
// address for.
var ErrUnreachable = errors.New("not connected and no address known")

// TooLargeError is the error of a Send of a particle whose encoding is longer than the
// transport's MaxParticleSize. Nothing is sent: a peer with the same limit would reset the
// stream at the frame's length, and the sender would only learn of it when the particle's TTL
// ran out.
type TooLargeError struct {
	ParticleID string
	Size       int // bytes, the particle encoded
	Limit      int // MaxParticleSize
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("particle %s is %s bytes, over the %s-byte limit of a particle", e.ParticleID, grouped(e.Size), grouped(e.Limit))
}

// Is makes errors.Is(err, core.ErrTooLarge) hold.
func (e *TooLargeError) Is(target error) bool { return target == core.ErrTooLarge }

var _ error = (*TooLargeError)(nil)

// grouped writes a count of bytes (never negative) with its thousands set apart by commas
// (4,194,304), as people read it.
func grouped(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Send queues p for the peer to. It fails at once if to is not a peer id, if p is over
// MaxParticleSize (a *TooLargeError), if there is no way to reach the peer, or if its queue is
// full; a failure later (the dial or the write) drops the particle with a log line and a count.
func (t *Transport) Send(to string, p particle.Particle) error {
	id, err := peer.Decode(to)
	if err != nil {
		t.metrics.dropped.WithLabelValues("bad_peer_id").Inc()
		return fmt.Errorf("p2p: peer %q: %w", to, err)
	}
	if size := p.EncodedLen(); size > t.cfg.MaxParticleSize {
		t.metrics.dropped.WithLabelValues("too_large_to_send").Inc()
		return fmt.Errorf("p2p: %w", &TooLargeError{ParticleID: p.ID, Size: size, Limit: t.cfg.MaxParticleSize})
	}
	if t.host.Network().Connectedness(id) != network.Connected && len(t.host.Peerstore().Addrs(id)) == 0 {
		t.metrics.dropped.WithLabelValues("unreachable").Inc()
		return fmt.Errorf("p2p: peer %s: %w", to, ErrUnreachable)
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errors.New("p2p: transport closed")
	}
	s := t.senders[id]
	if s == nil {
		s = t.startSender(id)
		t.senders[id] = s
	}
	t.mu.Unlock()
	// The sender goroutine encodes it later: it gets its own copy of the data, which the caller
	// may reuse once Send returns (core.Transport; coretest checks it).
	p.Data = append([]byte(nil), p.Data...)
	select {
	case s.queue <- p:
		return nil
	default:
		t.metrics.dropped.WithLabelValues("queue_full").Inc()
		return fmt.Errorf("p2p: peer %s: queue full (%d particles waiting)", to, t.cfg.QueueLen)
	}
}

// Connected reports whether there is a connection to the peer.
func (t *Transport) Connected(to string) bool {
	id, err := peer.Decode(to)
	return err == nil && id != t.host.ID() && t.host.Network().Connectedness(id) == network.Connected
}

// Contact returns the addresses of a connected peer.
func (t *Transport) Contact(to string) ([]string, bool) {
	if !t.Connected(to) {
		return nil, false
	}
	id, _ := peer.Decode(to)
	var addrs []string
	for _, c := range t.host.Network().ConnsToPeer(id) {
		addrs = append(addrs, c.RemoteMultiaddr().String())
	}
	return addrs, true
}

// Connect connects to the peer (at addrs, if given, kept for later dials) in the background
// and calls done with the outcome.
func (t *Transport) Connect(to string, addrs []string, done func(bool)) {
	id, err := peer.Decode(to)
	if err != nil {
		done(false)
		return
	}
	info := peer.AddrInfo{ID: id}
	for _, a := range addrs {
		if ma, err := multiaddr.NewMultiaddr(a); err == nil {
			info.Addrs = append(info.Addrs, ma)
		}
	}
	if len(info.Addrs) > 0 {
		t.host.Peerstore().AddAddrs(id, info.Addrs, peerstore.TempAddrTTL)
	}
	t.background(func() {
		ctx, cancel := context.WithTimeout(t.ctx, t.cfg.DialTimeout)
		defer cancel()
		done(t.host.Connect(ctx, info) == nil)
	})
}

// disconnected stops the sender of a peer whose last connection closed, forgets its rate, and
// tells its bootstrap loop, if it is a bootstrap peer.
func (t *Transport) disconnected(n network.Network, c network.Conn) {
	t.metrics.peers.Set(float64(len(n.Peers())))
	id := c.RemotePeer()
	if n.Connectedness(id) == network.Connected {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// The peer's rate bucket stays: a reconnect must not refill it (allow prunes full ones).
	if gone := t.bootstrap[id]; gone != nil {
		select {
		case gone <- struct{}{}:
		default: // already told
		}
	}
	if s := t.senders[id]; s != nil && !s.isDialing() {
		delete(t.senders, id)
		s.stop()
	}
}

// Close stops the senders, the bootstrap loops, the DHT and the host.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.cancel()
	for id, s := range t.senders {
		delete(t.senders, id)
		s.stop()
	}
	t.mu.Unlock()
	// The DHT first: it uses the host, and its Close waits for its own loops.
	err := errors.Join(t.stopRouting(), t.host.Close())
	t.wg.Wait()
	return err
}
