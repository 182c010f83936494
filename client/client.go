package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"

	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/trust"
)

// dialTimeout bounds connecting to the relay when the caller's context does not end sooner.
const dialTimeout = 10 * time.Second

// inboxLen is how many arrivals of one particle may wait for its Run; more are dropped, as a
// node drops what it cannot take (a flood from the relay does not grow memory).
const inboxLen = 64

// ErrClosed is the error of a Run on a closed Client, or of a Run cut short by Close.
var ErrClosed = errors.New("client: closed")

// Client is a connection to a relay. Make one with Dial; Close it when done.
type Client struct {
	key   ed25519.PrivateKey // signs the CIDs of the client's data (the interpreter's Params.Key)
	priv  crypto.PrivKey     // the same key, in libp2p's form: signs the particles
	self  peer.ID
	relay peer.AddrInfo // its id and the addresses Dial was given, to dial it again
	tr    *p2p.Transport
	// certificate goes with every particle the client starts (WithCertificate).
	certificate []byte
	// closed is closed by Close, so that every Run waiting for its particle returns.
	closed chan struct{}

	// mu guards what the transport's goroutines, Serve, Close and the Runs share. It is never
	// held while a handler runs or a particle is sent.
	mu        sync.Mutex
	runs      map[string]chan particle.Particle // each Run's inbox, by particle id
	notices   map[string][]core.Notice          // what the relay said of each Run's particle
	heard     map[string]chan core.Notice       // each Run hears its relay's notices at once
	lost      map[string]chan error             // each Run hears at once what became of the relay's connection, or of a send (relayLost, undelivered)
	redial    sync.WaitGroup                    // the dial after the relay's connection closed; Close waits for it
	redialing bool                              // that dial is under way
	parsed    *interpreter.ParseCache           // the scripts this client ran, parsed
	limits    interpreter.Limits                // of its runs (WithLimits)
	services  map[string]*served                // by service id
	isClosed  bool
}

// served is a service given to Serve. Its lock makes its calls one at a time, as on a node,
// so that a handler written for actors.Node.Spawn needs no lock here either.
type served struct {
	mu sync.Mutex
	h  service.Handler
}

// Option configures Dial.
type Option func(*dialConfig)

// dialConfig is what the Options set.
type dialConfig struct {
	key         ed25519.PrivateKey // nil: a new ephemeral key
	logger      *slog.Logger       // nil: the transport's default, which discards
	certificate *trust.Certificate // nil: none
	limits      interpreter.Limits // of the client's own interpreter runs
}

// WithKey makes the client use key as its identity (its peer id, and the key particles are
// signed with). Default: a new ephemeral ed25519 key for each Dial.
func WithKey(key ed25519.PrivateKey) Option { return func(c *dialConfig) { c.key = key } }

// WithCertificate makes the client present cert with every particle it starts
// (particle.Particle.Certificate): its chain of trust from an application's developer, which
// the nodes that serve the application's services under a perimeter check (package
// actors/perimeter). Its last trust must be issued for the client's key; Dial checks that.
func WithCertificate(cert trust.Certificate) Option {
	return func(c *dialConfig) { c.certificate = &cert }
}

// WithLimits bounds the client's own interpreter runs of its particles (zero fields: the
// interpreter's defaults). A script whose streams a node was configured to let grow past the
// reference's 1,024 values needs MaxStreamSize raised here too: the data comes back to the
// client, whose run would refuse it.
func WithLimits(l interpreter.Limits) Option { return func(c *dialConfig) { c.limits = l } }

// WithLogger gives the transport a logger (it logs particles it could not send or take).
// Default: no logging.
func WithLogger(l *slog.Logger) Option { return func(c *dialConfig) { c.logger = l } }

// Dial connects to the relay at relayAddr, a multiaddr ending in /p2p/<peer id> (as "aquanet
// node" prints its addresses). It gives up when ctx ends or after 10 seconds, whichever comes
// first; its errors are one line and name the relay.
func Dial(ctx context.Context, relayAddr string, opts ...Option) (*Client, error) {
	var cfg dialConfig
	for _, o := range opts {
		o(&cfg)
	}
	info, err := peer.AddrInfoFromString(relayAddr)
	if err != nil {
		return nil, fmt.Errorf("relay %q: %w (want a multiaddr ending in /p2p/<peer id>)", relayAddr, err)
	}
	if cfg.key == nil {
		if _, cfg.key, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return nil, fmt.Errorf("client: making a key: %w", err)
		}
	}
	if len(cfg.key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("client: WithKey: an ed25519 private key has %d bytes, not %d", ed25519.PrivateKeySize, len(cfg.key))
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(cfg.key)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	var certificate []byte
	if cert := cfg.certificate; cert != nil {
		if len(cert.Chain) == 0 || cert.Chain[len(cert.Chain)-1].IssuedFor != trust.Signer(cfg.key).Public() {
			return nil, errors.New("client: WithCertificate: the certificate's last trust is not issued for the client's key")
		}
		certificate = cert.Encode()
		if len(certificate) > particle.MaxCertificateLen {
			return nil, fmt.Errorf("client: WithCertificate: the certificate is %d bytes, more than a particle carries (%d)", len(certificate), particle.MaxCertificateLen)
		}
	}
	tr, err := p2p.New(p2p.Config{Key: cfg.key, Logger: cfg.logger})
	if err != nil {
		return nil, err
	}
	c := &Client{key: cfg.key, priv: priv, self: tr.ID(), relay: *info, tr: tr, closed: make(chan struct{}), certificate: certificate,
		runs: map[string]chan particle.Particle{}, notices: map[string][]core.Notice{}, heard: map[string]chan core.Notice{}, lost: map[string]chan error{},
		services: map[string]*served{}, parsed: interpreter.NewParseCache(16), limits: cfg.limits}
	// Join before connecting: the relay may send as soon as the connection is up.
	tr.Join(c.self.String(), core.InboxFunc(func(_ string, p particle.Particle) { c.deliver(p) }))
	tr.OnNotice(c.notice)
	tr.OnUndelivered(c.undelivered)
	start := time.Now()
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if err := tr.Host().Connect(dctx, *info); err != nil {
		tr.Close()
		return nil, dialError(ctx, info.ID, err, time.Since(start))
	}
	// The relay is this client's one way into the network: the connection manager keeps it,
	// and its addresses stay known, so that a later Send can dial it again.
	tr.Host().ConnManager().Protect(info.ID, "relay")
	tr.Host().Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
	tr.Host().Network().Notify(&network.NotifyBundle{DisconnectedF: func(n network.Network, conn network.Conn) {
		if conn.RemotePeer() == info.ID && n.Connectedness(info.ID) != network.Connected {
			c.relayLost()
		}
	}})
	return c, nil
}

// PeerID returns the client's peer id: the init peer of the particles it starts.
func (c *Client) PeerID() string { return c.self.String() }

// RelayID returns the relay's peer id.
func (c *Client) RelayID() string { return c.relay.ID.String() }

// Serve makes the client answer the script's calls to serviceID (on %init_peer_id%) with h;
// a nil h removes the service. It takes precedence over the client's own services, so serving
// getDataSrv, callbackSrv, return or errorHandlingSrv replaces them.
//
// h has the shape of a node's Go service (actors.Node.Spawn): its CallContext names the
// particle and each argument's tetraplets; its error is a failed call the script can catch with
// xor (a *service.Failure chooses the ret code), and so is its panic. Calls to one service come
// one at a time. A handler runs on the goroutine of the Run that called it, so it holds up
// that run until it returns: it should not outlast the particle (CallContext.Deadline).
func (c *Client) Serve(serviceID string, h service.Handler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h == nil {
		delete(c.services, serviceID)
		return
	}
	c.services[serviceID] = &served{h: h}
}

// Close disconnects from the relay and stops the transport; Runs in flight return ErrClosed.
// It waits for the transport's goroutines, so none is left when it returns.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.isClosed {
		c.mu.Unlock()
		return nil
	}
	c.isClosed = true
	close(c.closed)
	c.mu.Unlock()
	err := c.tr.Close()
	c.redial.Wait()
	return err
}

// deliver takes a particle from the transport (on one of its goroutines) to the Run that
// started it; anything else is not for this client and is dropped.
func (c *Client) deliver(p particle.Particle) {
	if p.InitPeerID != c.self {
		return
	}
	c.mu.Lock()
	inbox := c.runs[p.ID]
	c.mu.Unlock()
	if inbox == nil {
		return
	}
	select {
	case inbox <- p:
	default: // a flood: the Run keeps what it can take
	}
}

// maxNotices bounds what the client keeps of the notices about one particle.
const maxNotices = 8

// notice keeps what the relay says of a Run's particle it could not send on (core.Notice);
// notices from other peers, or about other particles, are dropped.
func (c *Client) notice(from string, n core.Notice) {
	if from != c.relay.ID.String() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.runs[n.ParticleID]; ok && len(c.notices[n.ParticleID]) < maxNotices {
		c.notices[n.ParticleID] = append(c.notices[n.ParticleID], n)
		select {
		case c.heard[n.ParticleID] <- n: // room for maxNotices: it never blocks
		default:
		}
	}
}

// relayLost is called (on a libp2p goroutine) when the last connection to the relay closed.
// The client dials the relay once, at once: a relay that restarted, or a connection that
// broke, is back for the Runs in flight and the Runs to come. Each Run in flight hears the
// outcome: its particle may still come back through a relay it is connected to again, and
// cannot through one it is not.
func (c *Client) relayLost() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed || c.redialing {
		return
	}
	c.redialing = true
	c.redial.Add(1)
	go func() {
		defer c.redial.Done()
		// Close ends the dial too: it closes the host.
		ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
		defer cancel()
		start := time.Now()
		var lost error = errRelayBack
		if err := c.tr.Host().Connect(network.WithForceDirectDial(ctx, "relay lost"), c.relay); err != nil {
			lost = &RelayLostError{Relay: c.relay.ID.String(), Err: dialError(ctx, c.relay.ID, err, time.Since(start))}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.redialing = false
		for _, ch := range c.lost {
			select {
			case ch <- lost:
			default: // a Run told already ends at the first
			}
		}
	}()
}

// errRelayBack is what relayLost tells the Runs in flight when the relay's connection was made
// again: not their end.
var errRelayBack = errors.New("the connection to the relay closed, and was made again")

// undelivered hears (on the transport's goroutine) of a particle the transport gave up after
// Send returned: the dial or the write failed. If it was a Run's, that Run hears it.
func (c *Client) undelivered(to string, p particle.Particle, err error) {
	if p.InitPeerID != c.self {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch := c.lost[p.ID]; ch != nil {
		select {
		case ch <- &UndeliveredError{Peer: to, Err: err}:
		default:
		}
	}
}

// service returns what Serve gave for id, or nil.
func (c *Client) service(id string) *served {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.services[id]
}
