package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/dhtsvc"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/actors/wasmsvc"
	"github.com/aquanet/aquanet/internal/keyfile"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/wasmhost"
)

const nodeLong = `Runs an aquanet node: a libp2p peer that carries particles, runs their AIR and serves
the builtin services.

Every setting comes from its flag, else its environment variable, else the config file
(--config, TOML; see node.example.toml), else the default:

  --listen MULTIADDR     AQUANET_LISTEN     listen = [...]     /ip4/127.0.0.1/tcp/7770 and
                                                               /ip4/127.0.0.1/udp/7770/quic-v1
  --bootstrap MULTIADDR  AQUANET_BOOTSTRAP  bootstrap = [...]  none
  --data-dir DIR         AQUANET_DATA_DIR   data_dir = "..."   ~/.aquanet
  --http HOST:PORT       AQUANET_HTTP       http = "..."       127.0.0.1:7780 ("off": none)
  --log-format FORMAT    AQUANET_LOG_FORMAT log_format = "..." text (or json)
  --log-level LEVEL      AQUANET_LOG_LEVEL  log_level = "..."  info
  --management-peer ID   AQUANET_MANAGEMENT_PEER  management_peer = "..."  none (the node's key)
  --ledger-genesis FILE  AQUANET_LEDGER_GENESIS   ledger_genesis = "..."   none (no ledger)
  --http-triggers        AQUANET_HTTP_TRIGGERS    http_triggers = true     false
  --http-trigger-token T AQUANET_HTTP_TRIGGER_TOKEN http_trigger_token = "T" none
  --http-trigger-rate N  AQUANET_HTTP_TRIGGER_RATE  http_trigger_rate = N    10 per route
  --http-trigger-timeout D AQUANET_HTTP_TRIGGER_TIMEOUT http_trigger_timeout = "D" 10s
  --wasm-open-deploy     AQUANET_WASM_OPEN_DEPLOY wasm_open_deploy = true  false
  --wasm-memory-pages N  AQUANET_WASM_MEMORY_PAGES wasm_memory_pages = N   4096 (256 MiB)
  --wasm-call-timeout D  AQUANET_WASM_CALL_TIMEOUT wasm_call_timeout = "D" 10s
  --wasm-pool-size N     AQUANET_WASM_POOL_SIZE    wasm_pool_size = N      the number of CPUs
  --wasm-max-services-per-peer N  AQUANET_WASM_MAX_SERVICES_PER_PEER
                         wasm_max_services_per_peer = N                    16
  --config FILE          AQUANET_CONFIG

The limits, the --max-* flags below, take their variable and config key the same
way (--max-ttl: AQUANET_MAX_TTL, max_ttl = "10m"); docs/SECURITY.md says what the node does
when each is hit. A value that would stop an ordinary node working is refused at start.

--listen and --bootstrap may repeat or take comma-separated lists, as do their variables. The
node listens on every --listen address or does not start: one in use (by another node, say)
is an error naming it. A bootstrap peer that cannot be reached, or that goes away (it
restarts, say), is dialled again (after 5 s, then less often, up to every minute) until it is
back; the node serves meanwhile, and logs each loss and reconnection.
The node's key is DATA_DIR/node.key, made on the first start; its store is DATA_DIR/store;
Wasm modules compiled and the Wasm services' own files are in DATA_DIR/wasm.
At start the node prints its peer id and the addresses to reach it at; /metrics (Prometheus)
and /healthz are served on the HTTP address. SIGINT or SIGTERM stops it gracefully: no new
particles, the active ones get up to 10 s to finish, then everything closes.`

func newNodeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a node",
		Long:  nodeLong,
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			path, _ := c.Flags().GetString("config")
			if !c.Flags().Changed("config") {
				path = os.Getenv("AQUANET_CONFIG")
			}
			cfg, err := loadNodeConfig(path, os.Getenv, c.Flags())
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runNode(ctx, cfg, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringArray("listen", nil, "multiaddr to listen on (repeatable, or comma-separated)")
	f.StringArray("bootstrap", nil, "multiaddr of a peer to connect to at start, ending in /p2p/<peer id> (repeatable, or comma-separated)")
	f.String("data-dir", "", "directory of the node's key and store (default ~/.aquanet)")
	f.String("http", "", `host:port for /metrics and /healthz, or "off" (default 127.0.0.1:7780)`)
	f.String("log-format", "", "text or json (default text)")
	f.String("log-level", "", "debug, info, warn or error (default info)")
	f.Int("max-particle-size", 0, fmt.Sprintf("the longest particle taken from a peer, in bytes (default %d)", p2p.DefaultMaxParticleSize))
	f.Int("max-frame-bytes-in-flight", 0, fmt.Sprintf("the most bytes of particles being received from all peers at once (default %d)", p2p.DefaultMaxFrameBytesInFlight))
	f.Int("peer-particle-rate", 0, fmt.Sprintf("particles a second taken from one peer on average; more are dropped unread, and their senders are not told (default %d; at most --particle-rate)", p2p.DefaultRate))
	f.Int("peer-particle-burst", 0, fmt.Sprintf("particles taken from one peer at once, over its rate (default %d; at most --particle-burst)", p2p.DefaultBurst))
	f.Int("particle-rate", 0, fmt.Sprintf("particles a second taken from all peers together on average; more are dropped unread (default %d)", p2p.DefaultGlobalRate))
	f.Int("particle-burst", 0, fmt.Sprintf("particles taken from all peers together at once, over their rate (default %d)", p2p.DefaultGlobalBurst))
	f.Duration("max-ttl", 0, fmt.Sprintf("the longest time to live a particle may have; a longer one is refused (default %v; %v to %v)", particle.DefaultMaxTTL, minTTL, maxTTL))
	f.Int("max-steps", 0, fmt.Sprintf("the most instructions and fold iterations of one interpreter run; the run stops with an error past it (default %d; at least %d)", interpreter.DefaultMaxSteps, minSteps))
	f.Int("max-stream-size", 0, fmt.Sprintf("the most values a stream may hold; a run that goes past it stops with an error (default %d, the reference interpreter's, whose peers refuse data with bigger streams: raise it only on a network of aquanet nodes)", interpreter.StreamMaxSize))
	f.Int("max-run-memory", 0, fmt.Sprintf("the most bytes of values one interpreter run may bind; the run stops with an error past it (default %d; at least %d)", interpreter.DefaultMaxMemory, minRunMemory))
	f.Int("max-arrivals", 0, fmt.Sprintf("arrivals with different data of one particle; more are dropped before any run (default %d)", router.DefaultMaxArrivals))
	f.Int("max-arrivals-per-sender", 0, fmt.Sprintf("arrivals with different data of one particle from one peer; more are dropped before any run (default %d; at most --max-arrivals)", router.DefaultMaxArrivalsPerSender))
	f.Int("max-particles-per-init", 0, fmt.Sprintf("particles of one initiator the node keeps until their deadline; a new one over it is refused (default %d; at most --max-particles)", router.DefaultMaxParticlesPerInit))
	f.Int("max-particles", 0, fmt.Sprintf("particles the node keeps until their deadline, in all; a new one over it is refused (default %d)", router.DefaultMaxParticles))
	f.Int("max-data-per-init", 0, fmt.Sprintf("bytes of particle data of one initiator the node keeps until their deadline; a particle over it is refused (default %d; at least --max-particle-size, at most --max-data)", router.DefaultMaxBytesPerInit))
	f.Int("max-data", 0, fmt.Sprintf("bytes of particle data the node keeps until their deadline, in all; a particle over it is refused (default %d)", router.DefaultMaxBytes))
	f.Int("max-kept-particles", 0, fmt.Sprintf("finished particles whose actor the node keeps for their next arrival, which then needs no new actor nor a read of the store; past it the one kept longest stops (default %d)", router.DefaultMaxKept))
	f.Int("max-kept-particle-bytes", 0, fmt.Sprintf("the memory the kept particles' data may take, encoded and decoded (default %d)", router.DefaultMaxKeptBytes))
	f.String("management-peer", "", "the peer id that manages the node: it may deploy Wasm services, add aliases, remove any service (default none: the node's own key only)")
	f.String("ledger-genesis", "", "the ledger's genesis file (JSON, as \"aquanet ledger genesis\" prints it): the node is one of its validators (default none: no ledger)")
	f.Bool("http-triggers", false, "serve HTTP triggers: POST /run/ROUTE on the HTTP address runs the trigger of ROUTE (default false: none)")
	f.String("http-trigger-token", "", "with --http-triggers, the bearer token a request must carry (default none: any request)")
	f.Int("http-trigger-rate", 0, fmt.Sprintf("with --http-triggers, requests per second per route; more are refused with 429 (default %d)", defaultHTTPTriggerRate))
	f.Duration("http-trigger-timeout", 0, fmt.Sprintf("with --http-triggers, how long a request waits for its script's response (default %v)", defaultHTTPTriggerTimeout))
	f.Bool("wasm-open-deploy", false, "let any peer add Wasm modules and create services (default false: the node and its management peer only)")
	f.Int("wasm-memory-pages", 0, fmt.Sprintf("the most memory each Wasm module may grow to, in pages of 64 KiB (default %d)", wasmhost.DefaultMemoryLimitPages))
	f.Duration("wasm-call-timeout", 0, fmt.Sprintf("the longest a call to a Wasm service may run; it is stopped then (default %v)", wasmhost.DefaultCallTimeout))
	f.Int("wasm-pool-size", 0, "how many instances of a stateless Wasm service may serve calls at once (default the number of CPUs)")
	f.Int("wasm-max-services-per-peer", 0, fmt.Sprintf("with --wasm-open-deploy, how many Wasm services a peer other than the node and its management peer may own (default %d)", wasmsvc.DefaultMaxServicesPerPeer))
	f.String("config", "", "TOML config file")
	return cmd
}

// runNode runs a node with cfg until ctx ends.
func runNode(ctx context.Context, cfg nodeConfig, stdout, stderr io.Writer) error {
	logger := newLogger(cfg, stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data-dir: %w", err)
	}
	key, created, err := nodeKey(filepath.Join(cfg.DataDir, "node.key"))
	if err != nil {
		return err
	}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	genesis, err := cfg.ledgerGenesis()
	if err != nil {
		return err
	}
	certs, err := cfg.trustCertificates()
	if err != nil {
		return err
	}
	var started atomic.Pointer[actors.Node] // the transport asks weights of the node it serves
	weight := func(id peer.ID) uint32 {
		if n := started.Load(); n != nil {
			return n.Trust().Weight(id.String())
		}
		return 0
	}
	p2pCfg := cfg.transport()
	p2pCfg.Key, p2pCfg.Logger, p2pCfg.Metrics, p2pCfg.UserAgent, p2pCfg.Weight = key, logger.With("part", "p2p"), metrics, "aquanet/"+versionString(), weight
	tr, err := p2p.New(p2pCfg)
	if err != nil {
		return err
	}
	defer tr.Close()
	var addrs []string
	for _, a := range tr.Addrs() {
		addrs = append(addrs, a.String())
	}
	limits, budget, bounds := cfg.limits()
	var seedBytes [8]byte
	if _, err := rand.Read(seedBytes[:]); err != nil {
		return err
	}
	seed := binary.LittleEndian.Uint64(seedBytes[:]) // service ids differ between nodes and runs
	wasmCfg := cfg.wasm().WithLog(func(module string, level int32, msg string) {
		logger.Info("wasm log", "module", module, "level", level, "msg", msg)
	})
	node, err := actors.NewNode(actors.Env{Key: key, Transport: tr.Join, DataDir: filepath.Join(cfg.DataDir, "store"),
		Logger: logger, Metrics: metrics, NodeVersion: versionString(), Addresses: addrs,
		Limits: limits, Budget: budget, Bounds: bounds, Management: cfg.ManagementPeer,
		Wasm: actors.WasmEnv{Host: &wasmCfg, OpenDeploy: cfg.WasmOpenDeploy, Seed: seed, Dir: filepath.Join(cfg.DataDir, "wasm"),
			PoolSize: cfg.WasmPoolSize, MaxServicesPerPeer: cfg.WasmMaxServicesPerPeer},
		Trust: actors.TrustEnv{Roots: cfg.TrustRoots, Certificates: certs}, Ledger: actors.LedgerEnv{Genesis: genesis}})
	if err != nil {
		return err
	}
	if err := node.Start(); err != nil {
		return err
	}
	started.Store(node)
	tr.RetagPeers()
	go retagPeers(ctx, tr)
	go provideAsRelay(ctx, node, tr, logger)
	if err := tr.StartBootstrap(cfg.Bootstrap); err != nil {
		stopNode(node, logger)
		return err
	}

	var srv *http.Server
	var httpAddr string
	if cfg.HTTP != "off" {
		ln, err := net.Listen("tcp", cfg.HTTP)
		if err != nil {
			stopNode(node, logger)
			return fmt.Errorf("http %s: %w", cfg.HTTP, err)
		}
		httpAddr = ln.Addr().String()
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{Registry: metrics}))
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
		if cfg.HTTPTriggers {
			mux.Handle("POST /run/{route}", newTriggerHandler(node.Triggers(), cfg.HTTPTriggerToken, cfg.HTTPTriggerRate, cfg.HTTPTriggerTimeout.Duration))
		}
		// ReadTimeout: a client that sends a trigger's body a byte a minute holds nothing for long.
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // Serve ends with ErrServerClosed at Shutdown
	}

	fprintf(stdout, "aquanet node %s\n", node.PeerID())
	for _, a := range addrs {
		fprintf(stdout, "listening on %s\n", a)
	}
	if httpAddr != "" {
		fprintf(stdout, "metrics on http://%s/metrics\n", httpAddr)
	}
	logger.Info("node started", "peer", node.PeerID(), "data_dir", cfg.DataDir, "new_key", created)

	<-ctx.Done()
	logger.Info("stopping")
	if srv != nil {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(shutdown) //nolint:errcheck // the process is ending
		cancel()
	}
	return stopNode(node, logger)
}

// retagPeers tags the connected peers with their weights every 30 s until ctx ends: weights
// change as trusts arrive, expire and are revoked, and the connection manager trims by them.
func retagPeers(ctx context.Context, tr *p2p.Transport) {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			tr.RetagPeers()
		}
	}
}

// provideAsRelay makes the node a provider of the relays' key (dhtsvc.RelayAttribute) once it
// has had time to join the DHT; the node republishes it (and every key it provides) from then
// on, across restarts.
func provideAsRelay(ctx context.Context, node *actors.Node, tr *p2p.Transport, logger *slog.Logger) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(10 * time.Second):
	}
	relays := kademlia.OpenChallenge([]byte(dhtsvc.RelayAttribute))
	node.DHT().ProvideSelf(relays, nil, 3600, tr.Addrs(), func(st dhtsvc.Stored, err error) {
		logger.Info("provides the relays' key", "key", relays.Key().String(), "kept_by", st.OK, "of", st.Peers, "error", err)
	})
}

func stopNode(node *actors.Node, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := node.Stop(ctx); err != nil {
		logger.Warn("node stopped with work left", "error", err)
		return err
	}
	logger.Info("stopped")
	return nil
}

// nodeKey reads the node's key file, or makes one (mode 0600) if there is none.
func nodeKey(path string) (ed25519.PrivateKey, bool, error) {
	created := false
	priv, err := keyfile.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		if priv, err = keyfile.Generate(rand.Reader); err != nil {
			return nil, false, err
		}
		if err = keyfile.Write(path, priv, false); err != nil {
			return nil, false, err
		}
		created = true
	}
	if err != nil {
		return nil, false, err
	}
	raw, err := priv.Raw()
	if err != nil || len(raw) != ed25519.PrivateKeySize {
		return nil, false, fmt.Errorf("%s: not an ed25519 key", path)
	}
	return ed25519.PrivateKey(raw), created, nil
}

func newLogger(cfg nodeConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel)) //nolint:errcheck // checked by nodeConfig.check
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
