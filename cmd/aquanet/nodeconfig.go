package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/multiformats/go-multiaddr"
	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/pflag"

	"github.com/aquanet/aquanet/actors/p2p"
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
}

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
	}
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
}

// minParticleSize is the smallest max-particle-size: below it, ordinary particles would not fit.
const minParticleSize = 4 << 10

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
	case "max-particle-size", "max-frame-bytes-in-flight":
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a number of bytes", v)
		}
		if name == "max-particle-size" {
			c.MaxParticleSize = n
		} else {
			c.MaxFrameBytesInFlight = n
		}
	}
	return nil
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
	return nil
}
