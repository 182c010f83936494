package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/pflag"

	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/actors/wasmsvc"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/trust"
	"github.com/aquanet/aquanet/wasmhost"
)

// nodeConfig is everything `aquanet node` can be told. Each setting comes from, in order of
// precedence: its flag, its AQUANET_* environment variable, the config file, the default.
type nodeConfig struct {
	Listen    []string `toml:"listen"`     // multiaddrs
	Bootstrap []string `toml:"bootstrap"`  // multiaddrs ending in /p2p/<peer id>
	DataDir   string   `toml:"data_dir"`   // the key and the store live here
	HTTP      string   `toml:"http"`       // host:port of /metrics and /healthz; "off" turns it off
	LogFormat string   `toml:"log_format"` // text or json
	LogLevel  string   `toml:"log_level"`  // debug, info, warn, error

	// Bytes: the longest particle taken from a peer, and the most of the particles being
	// received from all peers at once (p2p.Config).
	MaxParticleSize       int `toml:"max_particle_size"`
	MaxFrameBytesInFlight int `toml:"max_frame_bytes_in_flight"`
	// Particles a second taken from one peer and from all together, on average and at once
	// (p2p.Config's Rate, Burst, GlobalRate, GlobalBurst); more are dropped unread.
	PeerParticleRate  int `toml:"peer_particle_rate"`
	PeerParticleBurst int `toml:"peer_particle_burst"`
	ParticleRate      int `toml:"particle_rate"`
	ParticleBurst     int `toml:"particle_burst"`

	// The longest time to live a particle may have here (particle.Limits.MaxTTL): its state
	// lives on the node until its deadline.
	MaxTTL duration `toml:"max_ttl"`
	// What one interpreter run may spend (interpreter.Limits): steps, and bytes of the values
	// it binds.
	MaxSteps     int `toml:"max_steps"`
	MaxRunMemory int `toml:"max_run_memory"`
	// The most values a stream may hold (interpreter.Limits.MaxStreamSize): the reference's
	// 1,024 by default, so that the node makes no data a reference peer refuses.
	MaxStreamSize int `toml:"max_stream_size"`
	// What strangers can make the node keep or do (router.Bounds): arrivals with different data
	// of one particle, of those from one peer; particles known of one initiator, and in all;
	// bytes of their data, of one initiator and in all.
	MaxArrivals          int `toml:"max_arrivals"`
	MaxArrivalsPerSender int `toml:"max_arrivals_per_sender"`
	MaxParticlesPerInit  int `toml:"max_particles_per_init"`
	MaxParticles         int `toml:"max_particles"`
	MaxDataPerInit       int `toml:"max_data_per_init"`
	MaxData              int `toml:"max_data"`
	// Finished particles whose actor the node keeps for their next arrival, and the memory
	// their data takes (router.Bounds.MaxKept, MaxKeptBytes).
	MaxKept      int `toml:"max_kept_particles"`
	MaxKeptBytes int `toml:"max_kept_particle_bytes"`

	// The peer that manages the node with the node's own key's rights (deploys Wasm services,
	// adds aliases, removes any service); empty: only the node's own key.
	ManagementPeer string `toml:"management_peer"`
	// Wasm services (wasmhost): whether anyone may deploy, each module's memory in 64 KiB
	// pages, and the longest one call may run.
	// HTTP triggers (POST /run/ROUTE on the HTTP address): off unless enabled; with a token,
	// a request must carry it as "Authorization: Bearer TOKEN"; requests per second per
	// route; how long a request waits for its script's response.
	HTTPTriggers       bool     `toml:"http_triggers"`
	HTTPTriggerToken   string   `toml:"http_trigger_token"`
	HTTPTriggerRate    int      `toml:"http_trigger_rate"`
	HTTPTriggerTimeout duration `toml:"http_trigger_timeout"`
	WasmOpenDeploy     bool     `toml:"wasm_open_deploy"`
	WasmMemoryPages    int      `toml:"wasm_memory_pages"`
	WasmCallTimeout    duration `toml:"wasm_call_timeout"`
	// How many instances of a stateless Wasm service may serve calls at once, and how many
	// services a peer other than the host and its management peer may own (with open deploy).
	WasmPoolSize           int `toml:"wasm_pool_size"`
	WasmMaxServicesPerPeer int `toml:"wasm_max_services_per_peer"`
	// Host programs granted to Wasm modules, as Marine's mounted_binaries: module name ->
	// binary name (what the module imports) -> absolute path of the program. Only in the
	// config file, as tables [wasm_mounted_binaries.<module>]; none by default. Each program
	// must exist when the node starts (see wasmhost.Config.WithMountedBinaries).
	WasmMountedBinaries map[string]map[string]string `toml:"wasm_mounted_binaries"`
	// The TrustGraph's roots (peer id -> max chain length, 0–16; a root weighs 2^length) and
	// the files of certificates (Fluence's text form, as its init_certs) inserted at every
	// start. Only in the config file: [trust_roots] and trust_certificates = [...].
	TrustRoots        map[string]int `toml:"trust_roots,omitempty"`
	TrustCertificates []string       `toml:"trust_certificates,omitempty"`
	// The ledger's genesis file (JSON, as "aquanet ledger genesis" prints it): the node is one
	// of its validators. Empty: the node keeps no ledger.
	LedgerGenesis string `toml:"ledger_genesis,omitempty"`
}

// ledgerGenesis reads the genesis file, if any.
func (c nodeConfig) ledgerGenesis() (*ledger.Genesis, error) {
	if c.LedgerGenesis == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.LedgerGenesis)
	if err != nil {
		return nil, fmt.Errorf("ledger-genesis: %w", err)
	}
	g, err := ledger.ParseGenesis(b)
	if err != nil {
		return nil, fmt.Errorf("ledger-genesis %s: %w", c.LedgerGenesis, err)
	}
	return &g, nil
}

// trustCertificates reads the certificate files.
func (c nodeConfig) trustCertificates() ([]string, error) {
	out := make([]string, len(c.TrustCertificates))
	for i, f := range c.TrustCertificates {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trust_certificates: %w", err)
		}
		if _, err := trust.ParseCertificate(string(b)); err != nil {
			return nil, fmt.Errorf("trust_certificates: %s: %w", f, err)
		}
		out[i] = string(b)
	}
	return out, nil
}

// duration is a time.Duration written as Go writes one ("10m", "1h30m"), in the config file
// as a string: a bare number has no unit, so it is refused rather than read as nanoseconds.
// A struct, not a named int64, because the TOML decoder would put an integer in that as it is.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("max-ttl %q: want a duration with its unit, as a string, such as \"10m\"", b)
	}
	d.Duration = v
	return nil
}

func (d duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Defaults: a node that works on a fresh machine with no configuration at all.
const (
	defaultTCPPort  = 7770
	defaultHTTPAddr = "127.0.0.1:7780"
)

func defaultNodeConfig() nodeConfig {
	dir := ".aquanet"
	if home, err := os.UserHomeDir(); err == nil {
		dir = filepath.Join(home, ".aquanet")
	}
	return nodeConfig{
		Listen:    []string{fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", defaultTCPPort), fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", defaultTCPPort)},
		DataDir:   dir,
		HTTP:      defaultHTTPAddr,
		LogFormat: "text",
		LogLevel:  "info",

		MaxParticleSize:       p2p.DefaultMaxParticleSize,
		MaxFrameBytesInFlight: p2p.DefaultMaxFrameBytesInFlight,
		PeerParticleRate:      p2p.DefaultRate,
		PeerParticleBurst:     p2p.DefaultBurst,
		ParticleRate:          p2p.DefaultGlobalRate,
		ParticleBurst:         p2p.DefaultGlobalBurst,

		MaxTTL:               duration{particle.DefaultMaxTTL},
		MaxSteps:             interpreter.DefaultMaxSteps,
		MaxRunMemory:         interpreter.DefaultMaxMemory,
		MaxStreamSize:        interpreter.StreamMaxSize,
		MaxArrivals:          router.DefaultMaxArrivals,
		MaxArrivalsPerSender: router.DefaultMaxArrivalsPerSender,
		MaxParticlesPerInit:  router.DefaultMaxParticlesPerInit,
		MaxParticles:         router.DefaultMaxParticles,
		MaxDataPerInit:       router.DefaultMaxBytesPerInit,
		MaxData:              router.DefaultMaxBytes,
		MaxKept:              router.DefaultMaxKept,
		MaxKeptBytes:         router.DefaultMaxKeptBytes,

		HTTPTriggerRate:    defaultHTTPTriggerRate,
		HTTPTriggerTimeout: duration{defaultHTTPTriggerTimeout},

		WasmMemoryPages:        wasmhost.DefaultMemoryLimitPages,
		WasmCallTimeout:        duration{wasmhost.DefaultCallTimeout},
		WasmPoolSize:           runtime.NumCPU(),
		WasmMaxServicesPerPeer: wasmsvc.DefaultMaxServicesPerPeer,
	}
}

// wasm is the node's wasmhost configuration.
func (c nodeConfig) wasm() wasmhost.Config {
	return wasmhost.NewConfig().WithMemoryLimitPages(uint32(c.WasmMemoryPages)).WithCallTimeout(c.WasmCallTimeout.Duration).
		WithMountedBinaries(c.WasmMountedBinaries)
}

// transport is the node's p2p configuration, but for what is not a setting (key, logger,
// metrics, user agent, weights).
func (c nodeConfig) transport() p2p.Config {
	return p2p.Config{Listen: c.Listen, MaxParticleSize: c.MaxParticleSize, MaxFrameBytesInFlight: c.MaxFrameBytesInFlight,
		Rate: float64(c.PeerParticleRate), Burst: c.PeerParticleBurst, GlobalRate: float64(c.ParticleRate), GlobalBurst: c.ParticleBurst}
}

// limits are the node's settings for actors.Env: Limits, Budget and Bounds.
func (c nodeConfig) limits() (particle.Limits, interpreter.Limits, router.Bounds) {
	return particle.Limits{MaxTTL: c.MaxTTL.Duration},
		interpreter.Limits{MaxSteps: c.MaxSteps, MaxMemory: c.MaxRunMemory, MaxStreamSize: c.MaxStreamSize},
		router.Bounds{MaxArrivals: c.MaxArrivals, MaxArrivalsPerSender: c.MaxArrivalsPerSender,
			MaxParticlesPerInit: c.MaxParticlesPerInit, MaxParticles: c.MaxParticles, MaxBytesPerInit: c.MaxDataPerInit, MaxBytes: c.MaxData,
			MaxKept: c.MaxKept, MaxKeptBytes: c.MaxKeptBytes}
}

// nodeSetting ties a setting's flag to its environment variable.
type nodeSetting struct {
	flag, env string
	list      bool // comma-separated in the environment; the flag may repeat
}

var nodeSettings = []nodeSetting{
	{"listen", "AQUANET_LISTEN", true},
	{"bootstrap", "AQUANET_BOOTSTRAP", true},
	{"data-dir", "AQUANET_DATA_DIR", false},
	{"http", "AQUANET_HTTP", false},
	{"log-format", "AQUANET_LOG_FORMAT", false},
	{"log-level", "AQUANET_LOG_LEVEL", false},
	{"max-particle-size", "AQUANET_MAX_PARTICLE_SIZE", false},
	{"max-frame-bytes-in-flight", "AQUANET_MAX_FRAME_BYTES_IN_FLIGHT", false},
	{"peer-particle-rate", "AQUANET_PEER_PARTICLE_RATE", false},
	{"peer-particle-burst", "AQUANET_PEER_PARTICLE_BURST", false},
	{"particle-rate", "AQUANET_PARTICLE_RATE", false},
	{"particle-burst", "AQUANET_PARTICLE_BURST", false},
	{"max-ttl", "AQUANET_MAX_TTL", false},
	{"max-steps", "AQUANET_MAX_STEPS", false},
	{"max-run-memory", "AQUANET_MAX_RUN_MEMORY", false},
	{"max-stream-size", "AQUANET_MAX_STREAM_SIZE", false},
	{"max-arrivals", "AQUANET_MAX_ARRIVALS", false},
	{"max-arrivals-per-sender", "AQUANET_MAX_ARRIVALS_PER_SENDER", false},
	{"max-particles-per-init", "AQUANET_MAX_PARTICLES_PER_INIT", false},
	{"max-particles", "AQUANET_MAX_PARTICLES", false},
	{"max-data-per-init", "AQUANET_MAX_DATA_PER_INIT", false},
	{"max-data", "AQUANET_MAX_DATA", false},
	{"max-kept-particles", "AQUANET_MAX_KEPT_PARTICLES", false},
	{"max-kept-particle-bytes", "AQUANET_MAX_KEPT_PARTICLE_BYTES", false},
	{"management-peer", "AQUANET_MANAGEMENT_PEER", false},
	{"wasm-open-deploy", "AQUANET_WASM_OPEN_DEPLOY", false},
	{"http-triggers", "AQUANET_HTTP_TRIGGERS", false},
	{"http-trigger-token", "AQUANET_HTTP_TRIGGER_TOKEN", false},
	{"http-trigger-rate", "AQUANET_HTTP_TRIGGER_RATE", false},
	{"http-trigger-timeout", "AQUANET_HTTP_TRIGGER_TIMEOUT", false},
	{"wasm-memory-pages", "AQUANET_WASM_MEMORY_PAGES", false},
	{"wasm-call-timeout", "AQUANET_WASM_CALL_TIMEOUT", false},
	{"wasm-pool-size", "AQUANET_WASM_POOL_SIZE", false},
	{"wasm-max-services-per-peer", "AQUANET_WASM_MAX_SERVICES_PER_PEER", false},
	{"ledger-genesis", "AQUANET_LEDGER_GENESIS", false},
}

// The smallest values of the limits: below them an ordinary node stops working (particles do
// not fit, scripts cannot finish, a TTL is shorter than a round trip).
const (
	minParticleSize = 4 << 10
	minTTL          = time.Second
	minSteps        = 1000
	minRunMemory    = 1 << 20
	minWasmPages    = 16 // 1 MiB: a Go guest's runtime needs more than that to start
	minWasmCall     = 10 * time.Millisecond
	maxWasmPool     = 256 // each instance is a module's memory: a bound, not a goal
)

// maxTTL is the longest TTL a particle can carry: the field is 32 bits of milliseconds.
const maxTTL = math.MaxUint32 * time.Millisecond

// maxConfigFile bounds the config file read.
const maxConfigFile = 1 << 20

// loadNodeConfig builds the configuration from the config file (if path is set), the
// environment (getenv) and the flags that were set on the command line.
func loadNodeConfig(path string, getenv func(string) string, flags *pflag.FlagSet) (nodeConfig, error) {
	cfg := defaultNodeConfig()
	if path != "" {
		if err := readConfigFile(path, &cfg); err != nil {
			return nodeConfig{}, err
		}
	}
	for _, s := range nodeSettings {
		v := getenv(s.env)
		if v == "" {
			continue
		}
		if s.list {
			cfg.setList(s.flag, splitList(v))
		} else if err := cfg.set(s.flag, v); err != nil {
			return nodeConfig{}, fmt.Errorf("%s: %w", s.env, err)
		}
	}
	var flagErr error
	flags.Visit(func(f *pflag.Flag) {
		for _, s := range nodeSettings {
			if s.flag != f.Name {
				continue
			}
			if s.list {
				vs, _ := flags.GetStringArray(f.Name)
				var all []string
				for _, v := range vs {
					all = append(all, splitList(v)...)
				}
				cfg.setList(s.flag, all)
			} else if err := cfg.set(s.flag, f.Value.String()); err != nil && flagErr == nil {
				flagErr = fmt.Errorf("--%s: %w", s.flag, err)
			}
		}
	})
	if flagErr != nil {
		return nodeConfig{}, flagErr
	}
	return cfg, cfg.check()
}

func readConfigFile(path string, cfg *nodeConfig) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if n, err := buf.ReadFrom(io.LimitReader(f, maxConfigFile+1)); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	} else if n > maxConfigFile {
		return fmt.Errorf("config file %s: over %d bytes", path, maxConfigFile)
	}
	dec := toml.NewDecoder(&buf).DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) && len(strict.Errors) > 0 {
			e := strict.Errors[0]
			row, col := e.Position()
			return fmt.Errorf("config file %s:%d:%d: unknown setting %q", path, row, col, strings.Join(e.Key(), "."))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return fmt.Errorf("config file %s:%d:%d: %v", path, row, col, de)
		}
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

func (c *nodeConfig) set(name, v string) error {
	switch name {
	case "data-dir":
		c.DataDir = v
	case "http":
		c.HTTP = v
	case "log-format":
		c.LogFormat = v
	case "log-level":
		c.LogLevel = v
	case "max-ttl", "wasm-call-timeout", "http-trigger-timeout":
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as \"10m\"", v)
		}
		switch name {
		case "max-ttl":
			c.MaxTTL = duration{d}
		case "wasm-call-timeout":
			c.WasmCallTimeout = duration{d}
		default:
			c.HTTPTriggerTimeout = duration{d}
		}
	case "http-trigger-token":
		c.HTTPTriggerToken = v
	case "http-triggers":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		c.HTTPTriggers = b
	case "management-peer":
		c.ManagementPeer = v
	case "ledger-genesis":
		c.LedgerGenesis = v
	case "wasm-open-deploy":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		c.WasmOpenDeploy = b
	default:
		p, unit := c.number(name)
		if p == nil {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a number of %s", v, unit)
		}
		*p = n
	}
	return nil
}

// number returns the field of a numeric setting and what it counts; nil for any other setting.
func (c *nodeConfig) number(name string) (*int, string) {
	switch name {
	case "max-particle-size":
		return &c.MaxParticleSize, "bytes"
	case "max-frame-bytes-in-flight":
		return &c.MaxFrameBytesInFlight, "bytes"
	case "peer-particle-rate":
		return &c.PeerParticleRate, "particles per second"
	case "peer-particle-burst":
		return &c.PeerParticleBurst, "particles"
	case "particle-rate":
		return &c.ParticleRate, "particles per second"
	case "particle-burst":
		return &c.ParticleBurst, "particles"
	case "max-steps":
		return &c.MaxSteps, "steps"
	case "max-run-memory":
		return &c.MaxRunMemory, "bytes"
	case "max-stream-size":
		return &c.MaxStreamSize, "values"
	case "max-arrivals":
		return &c.MaxArrivals, "arrivals"
	case "max-arrivals-per-sender":
		return &c.MaxArrivalsPerSender, "arrivals"
	case "max-particles-per-init":
		return &c.MaxParticlesPerInit, "particles"
	case "max-particles":
		return &c.MaxParticles, "particles"
	case "max-data-per-init":
		return &c.MaxDataPerInit, "bytes"
	case "max-data":
		return &c.MaxData, "bytes"
	case "max-kept-particles":
		return &c.MaxKept, "actors"
	case "max-kept-particle-bytes":
		return &c.MaxKeptBytes, "bytes"
	case "wasm-memory-pages":
		return &c.WasmMemoryPages, "pages"
	case "wasm-pool-size":
		return &c.WasmPoolSize, "instances"
	case "wasm-max-services-per-peer":
		return &c.WasmMaxServicesPerPeer, "services"
	case "http-trigger-rate":
		return &c.HTTPTriggerRate, "requests per second"
	}
	return nil, ""
}

func (c *nodeConfig) setList(name string, vs []string) {
	switch name {
	case "listen":
		c.Listen = vs
	case "bootstrap":
		c.Bootstrap = vs
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// check reports the first setting that cannot work, naming it.
func (c nodeConfig) check() error {
	if len(c.Listen) == 0 {
		return errors.New("listen: at least one address is needed")
	}
	for _, a := range c.Listen {
		if _, err := multiaddr.NewMultiaddr(a); err != nil {
			return fmt.Errorf("listen address %q: %v", a, err)
		}
	}
	for _, a := range c.Bootstrap {
		ma, err := multiaddr.NewMultiaddr(a)
		if err != nil {
			return fmt.Errorf("bootstrap address %q: %v", a, err)
		}
		if _, err := ma.ValueForProtocol(multiaddr.P_P2P); err != nil {
			return fmt.Errorf("bootstrap address %q: it must end in /p2p/<peer id>", a)
		}
	}
	if c.DataDir == "" {
		return errors.New("data-dir: empty")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log-format %q: want text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.MaxParticleSize < minParticleSize {
		return fmt.Errorf("max-particle-size %d: want at least %d bytes", c.MaxParticleSize, minParticleSize)
	}
	if c.MaxFrameBytesInFlight < 2*c.MaxParticleSize {
		return fmt.Errorf("max-frame-bytes-in-flight %d: want at least twice max-particle-size (%d bytes): a particle's buffer may briefly be held twice as it arrives",
			c.MaxFrameBytesInFlight, 2*c.MaxParticleSize)
	}
	peerRate, peerBurst := namedValue{"peer-particle-rate", c.PeerParticleRate}, namedValue{"peer-particle-burst", c.PeerParticleBurst}
	rate, burst := namedValue{"particle-rate", c.ParticleRate}, namedValue{"particle-burst", c.ParticleBurst}
	if err := atLeastOne(peerRate, peerBurst, rate, burst); err != nil {
		return err
	}
	if err := notAbove(peerRate, rate); err != nil {
		return err
	}
	if err := notAbove(peerBurst, burst); err != nil {
		return err
	}
	return c.checkLimits()
}

// namedValue is a numeric setting's name and value, for the checks that name it.
type namedValue struct {
	name  string
	value int
}

// atLeastOne reports the first of settings below 1.
func atLeastOne(settings ...namedValue) error {
	for _, n := range settings {
		if n.value < 1 {
			return fmt.Errorf("%s %d: want at least 1", n.name, n.value)
		}
	}
	return nil
}

// notAbove reports a share set above its whole: it would never be reached, and most likely the
// two were swapped.
func notAbove(share, whole namedValue) error {
	if share.value > whole.value {
		return fmt.Errorf("%s %d: want at most %s (%d)", share.name, share.value, whole.name, whole.value)
	}
	return nil
}

// checkLimits checks the limits of particles, runs and state; like check, it names the setting
// and its value.
func (c nodeConfig) checkLimits() error {
	if c.MaxTTL.Duration < minTTL {
		return fmt.Errorf("max-ttl %v: want at least %v", c.MaxTTL, minTTL)
	}
	if c.MaxTTL.Duration > maxTTL {
		return fmt.Errorf("max-ttl %v: want at most %v, the longest TTL a particle can carry (2^32-1 ms)", c.MaxTTL, maxTTL)
	}
	if c.MaxSteps < minSteps {
		return fmt.Errorf("max-steps %d: want at least %d: fewer would stop ordinary scripts", c.MaxSteps, minSteps)
	}
	if c.MaxRunMemory < minRunMemory {
		return fmt.Errorf("max-run-memory %d: want at least %d bytes (1 MiB)", c.MaxRunMemory, minRunMemory)
	}
	if c.MaxStreamSize < interpreter.StreamMaxSize {
		return fmt.Errorf("max-stream-size %d: want at least %d, the reference's bound, which scripts may rely on", c.MaxStreamSize, interpreter.StreamMaxSize)
	}
	arrivals, perSender := namedValue{"max-arrivals", c.MaxArrivals}, namedValue{"max-arrivals-per-sender", c.MaxArrivalsPerSender}
	particles, perInit := namedValue{"max-particles", c.MaxParticles}, namedValue{"max-particles-per-init", c.MaxParticlesPerInit}
	if err := atLeastOne(arrivals, perSender, perInit, particles,
		namedValue{"max-kept-particles", c.MaxKept}, namedValue{"max-kept-particle-bytes", c.MaxKeptBytes}); err != nil {
		return err
	}
	if err := notAbove(perSender, arrivals); err != nil {
		return err
	}
	if err := notAbove(perInit, particles); err != nil {
		return err
	}
	// An initiator's particle of the largest size must fit.
	if c.MaxDataPerInit < c.MaxParticleSize {
		return fmt.Errorf("max-data-per-init %d: want at least max-particle-size (%d bytes): a particle of that size could not be kept", c.MaxDataPerInit, c.MaxParticleSize)
	}
	if err := notAbove(namedValue{"max-data-per-init", c.MaxDataPerInit}, namedValue{"max-data", c.MaxData}); err != nil {
		return err
	}
	if c.ManagementPeer != "" {
		if _, err := peer.Decode(c.ManagementPeer); err != nil {
			return fmt.Errorf("management-peer %q: not a peer id: %v", c.ManagementPeer, err)
		}
	}
	if c.WasmMemoryPages < minWasmPages || c.WasmMemoryPages > 65536 {
		return fmt.Errorf("wasm-memory-pages %d: want %d to 65536 pages of 64 KiB", c.WasmMemoryPages, minWasmPages)
	}
	if c.WasmCallTimeout.Duration < minWasmCall {
		return fmt.Errorf("wasm-call-timeout %v: want at least %v", c.WasmCallTimeout, minWasmCall)
	}
	if c.WasmPoolSize < 1 || c.WasmPoolSize > maxWasmPool {
		return fmt.Errorf("wasm-pool-size %d: want 1 (one call at a time) to %d instances", c.WasmPoolSize, maxWasmPool)
	}
	if c.WasmMaxServicesPerPeer < 1 {
		return fmt.Errorf("wasm-max-services-per-peer %d: want at least 1", c.WasmMaxServicesPerPeer)
	}
	if c.HTTPTriggerRate < 1 {
		return fmt.Errorf("http-trigger-rate %d: want at least 1 request per second", c.HTTPTriggerRate)
	}
	if d := c.HTTPTriggerTimeout.Duration; d < 100*time.Millisecond || d > 10*time.Minute {
		return fmt.Errorf("http-trigger-timeout %v: want 100ms to 10m", d)
	}
	if c.HTTPTriggers && c.HTTP == "off" {
		return errors.New("http-triggers needs the HTTP server: http is \"off\"")
	}
	for _, id := range slices.Sorted(maps.Keys(c.TrustRoots)) {
		if _, err := trust.ParsePeer(id); err != nil {
			return fmt.Errorf("trust_roots: %w", err)
		}
		if m := c.TrustRoots[id]; m < 0 || m > trust.MaxChainLen {
			return fmt.Errorf("trust_roots.%s = %d: want a max chain length of 0 to %d", id, m, trust.MaxChainLen)
		}
	}
	return c.checkMountedBinaries()
}

// checkMountedBinaries checks each grant of a mounted binary: a module and a binary name, and
// an absolute path to a program that is there and executable now, so that a typo shows when
// the node starts rather than as a guest's failed call later.
func (c nodeConfig) checkMountedBinaries() error {
	for _, module := range slices.Sorted(maps.Keys(c.WasmMountedBinaries)) {
		if module == "" {
			return errors.New(`wasm_mounted_binaries."": a module name is needed`)
		}
		bins := c.WasmMountedBinaries[module]
		for _, name := range slices.Sorted(maps.Keys(bins)) {
			path := bins[name]
			key := fmt.Sprintf("wasm_mounted_binaries.%s.%s = %q", module, name, path)
			switch {
			case name == "":
				return fmt.Errorf("%s: a binary name is needed (the name the module imports)", key)
			case name == "log_utf8_string" || name == "get_call_parameters":
				return fmt.Errorf("%s: %s is Marine's host API, not a binary", key, name)
			case !filepath.IsAbs(path):
				return fmt.Errorf("%s: want the absolute path of the program", key)
			}
			fi, err := os.Stat(path)
			switch {
			case err != nil:
				return fmt.Errorf("%s: %w", key, err)
			case !fi.Mode().IsRegular():
				return fmt.Errorf("%s: not a program but a %s", key, fileKind(fi.Mode()))
			case fi.Mode().Perm()&0o111 == 0:
				return fmt.Errorf("%s: not executable (mode %v)", key, fi.Mode().Perm())
			}
		}
	}
	return nil
}

func fileKind(m os.FileMode) string {
	if m.IsDir() {
		return "directory"
	}
	return "special file (" + m.Type().String() + ")"
}
