package main

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/actors/wasmsvc"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/wasmhost"
)

func TestNodeConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "node.toml")
	os.WriteFile(file, []byte(`listen = ["/ip4/127.0.0.1/tcp/1"]
data_dir = "from-file"
http = "127.0.0.1:1"
log_format = "json"
max_particle_size = 1000000
max_frame_bytes_in_flight = 3000000
`), 0o600)
	env := map[string]string{"AQUANET_DATA_DIR": "from-env", "AQUANET_HTTP": "127.0.0.1:2", "AQUANET_MAX_PARTICLE_SIZE": "1048576",
		"AQUANET_BOOTSTRAP": "/ip4/127.0.0.1/tcp/9/p2p/12D3KooWKbUZwkD18jfVFX2qtrNGsGVJZCRPRS7aB6jqNvZS62hb"}
	cmd := newNodeCmd()
	if err := cmd.ParseFlags([]string{"--http", "127.0.0.1:3", "--max-frame-bytes-in-flight", "8388608", "--listen", "/ip4/127.0.0.1/tcp/4,/ip4/127.0.0.1/tcp/5", "--listen", "/ip4/127.0.0.1/tcp/6"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadNodeConfig(file, func(k string) string { return env[k] }, cmd.Flags())
	if err != nil {
		t.Fatal(err)
	}
	want := nodeConfig{
		Listen:    []string{"/ip4/127.0.0.1/tcp/4", "/ip4/127.0.0.1/tcp/5", "/ip4/127.0.0.1/tcp/6"}, // flag over file
		Bootstrap: []string{env["AQUANET_BOOTSTRAP"]},                                               // env
		DataDir:   "from-env",                                                                       // env over file
		HTTP:      "127.0.0.1:3",                                                                    // flag over env over file
		LogFormat: "json",                                                                           // file
		LogLevel:  "info",                                                                           // default

		MaxParticleSize:       1 << 20, // env over file
		MaxFrameBytesInFlight: 8 << 20, // flag over file
	}
	// The other limits, their defaults (TestNodeConfigLimitsPrecedence sets them).
	want.MaxTTL, want.MaxSteps, want.MaxRunMemory, want.MaxStreamSize = duration{particle.DefaultMaxTTL}, interpreter.DefaultMaxSteps, interpreter.DefaultMaxMemory, interpreter.StreamMaxSize
	want.MaxArrivals, want.MaxArrivalsPerSender = router.DefaultMaxArrivals, router.DefaultMaxArrivalsPerSender
	want.MaxParticlesPerInit, want.MaxParticles = router.DefaultMaxParticlesPerInit, router.DefaultMaxParticles
	want.MaxDataPerInit, want.MaxData = router.DefaultMaxBytesPerInit, router.DefaultMaxBytes
	want.MaxKept, want.MaxKeptBytes = router.DefaultMaxKept, router.DefaultMaxKeptBytes
	want.PeerParticleRate, want.PeerParticleBurst, want.ParticleRate, want.ParticleBurst = p2p.DefaultRate, p2p.DefaultBurst, p2p.DefaultGlobalRate, p2p.DefaultGlobalBurst
	want.WasmMemoryPages, want.WasmCallTimeout = wasmhost.DefaultMemoryLimitPages, duration{wasmhost.DefaultCallTimeout}
	want.WasmPoolSize, want.WasmMaxServicesPerPeer = runtime.NumCPU(), wasmsvc.DefaultMaxServicesPerPeer
	want.HTTPTriggerRate, want.HTTPTriggerTimeout = defaultHTTPTriggerRate, duration{defaultHTTPTriggerTimeout}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("config\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestNodeConfigDefaultsAndExample(t *testing.T) {
	none := func(string) string { return "" }
	cfg, err := loadNodeConfig("", none, newNodeCmd().Flags())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, defaultNodeConfig()) || !strings.HasSuffix(cfg.DataDir, ".aquanet") || len(cfg.Listen) != 2 {
		t.Fatalf("defaults: %+v", cfg)
	}
	// The example in the repository is a valid config.
	ex, err := loadNodeConfig("../../node.example.toml", none, newNodeCmd().Flags())
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Listen) != 3 || ex.DataDir != "aquanet-data" {
		t.Fatalf("example: %+v", ex)
	}
	// Its other settings are the defaults, as its comments say.
	ex.Listen, ex.Bootstrap, ex.DataDir = cfg.Listen, cfg.Bootstrap, cfg.DataDir
	if !reflect.DeepEqual(ex, cfg) {
		t.Fatalf("example\n%+v\ndefaults\n%+v", ex, cfg)
	}
}

func TestNodeConfigErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	none := func(string) string { return "" }
	for name, tc := range map[string]struct {
		file string
		env  map[string]string
		want string
	}{
		"unknown setting":      {write("typo.toml", "listne = []\n"), nil, "unknown setting"},
		"toml syntax":          {write("bad.toml", "listen = [\n"), nil, "bad.toml:"},
		"missing file":         {filepath.Join(dir, "nope.toml"), nil, "config file"},
		"bad listen address":   {"", map[string]string{"AQUANET_LISTEN": "127.0.0.1:7770"}, `listen address "127.0.0.1:7770"`},
		"bootstrap without id": {"", map[string]string{"AQUANET_BOOTSTRAP": "/ip4/127.0.0.1/tcp/7770"}, "must end in /p2p/<peer id>"},
		"log format":           {"", map[string]string{"AQUANET_LOG_FORMAT": "xml"}, `log-format "xml"`},
		"log level":            {"", map[string]string{"AQUANET_LOG_LEVEL": "loud"}, `log-level "loud"`},
		"size not a number":    {"", map[string]string{"AQUANET_MAX_PARTICLE_SIZE": "4MiB"}, `AQUANET_MAX_PARTICLE_SIZE: "4MiB" is not a number of bytes`},
		"size too small":       {write("small.toml", "max_particle_size = 10\n"), nil, "max-particle-size 10: want at least"},
		"in flight too small":  {write("flight.toml", "max_frame_bytes_in_flight = 4194304\n"), nil, "max-frame-bytes-in-flight 4194304: want at least twice max-particle-size"},
		"size as a string":     {write("string.toml", "max_particle_size = \"4MiB\"\n"), nil, "string.toml:1"},

		"ttl without a unit":            {"", map[string]string{"AQUANET_MAX_TTL": "600"}, `AQUANET_MAX_TTL: "600" is not a duration such as "10m"`},
		"ttl a number in the file":      {write("ttlnum.toml", "max_ttl = 600\n"), nil, `max-ttl "600": want a duration with its unit, as a string`},
		"ttl not a duration":            {write("ttlstr.toml", "log_level = \"info\"\nmax_ttl = \"ten minutes\"\n"), nil, `ttlstr.toml:2:11: toml: max-ttl "ten minutes"`},
		"ttl too short":                 {"", map[string]string{"AQUANET_MAX_TTL": "999ms"}, "max-ttl 999ms: want at least 1s"},
		"ttl negative":                  {write("ttlneg.toml", "max_ttl = \"-10m\"\n"), nil, "max-ttl -10m0s: want at least 1s"},
		"ttl over the protocol's":       {write("ttllong.toml", "max_ttl = \"1193h2m47.296s\"\n"), nil, "max-ttl 1193h2m47.296s: want at most 1193h2m47.295s, the longest TTL a particle can carry"},
		"steps not a number":            {"", map[string]string{"AQUANET_MAX_STEPS": "1e6"}, `AQUANET_MAX_STEPS: "1e6" is not a number of steps`},
		"steps too few":                 {write("steps.toml", "max_steps = 999\n"), nil, "max-steps 999: want at least 1000"},
		"run memory too small":          {"", map[string]string{"AQUANET_MAX_RUN_MEMORY": "1048575"}, "max-run-memory 1048575: want at least 1048576 bytes (1 MiB)"},
		"streams below the reference's": {"", map[string]string{"AQUANET_MAX_STREAM_SIZE": "1000"}, "max-stream-size 1000: want at least 1024, the reference's bound, which scripts may rely on"},
		"run memory not a number":       {"", map[string]string{"AQUANET_MAX_RUN_MEMORY": "256MiB"}, `AQUANET_MAX_RUN_MEMORY: "256MiB" is not a number of bytes`},
		"no arrivals":                   {write("arrivals.toml", "max_arrivals = 0\n"), nil, "max-arrivals 0: want at least 1"},
		"negative per sender":           {"", map[string]string{"AQUANET_MAX_ARRIVALS_PER_SENDER": "-1"}, "max-arrivals-per-sender -1: want at least 1"},
		"no particles per init":         {"", map[string]string{"AQUANET_MAX_PARTICLES_PER_INIT": "0"}, "max-particles-per-init 0: want at least 1"},
		"no particles":                  {write("particles.toml", "max_particles = 0\n"), nil, "max-particles 0: want at least 1"},
		"no kept particles":             {write("kept.toml", "max_kept_particles = 0\n"), nil, "max-kept-particles 0: want at least 1"},
		"negative kept bytes":           {"", map[string]string{"AQUANET_MAX_KEPT_PARTICLE_BYTES": "-5"}, "max-kept-particle-bytes -5: want at least 1"},
		"particles not a number":        {"", map[string]string{"AQUANET_MAX_PARTICLES": "100k"}, `AQUANET_MAX_PARTICLES: "100k" is not a number of particles`},
		"per sender over arrivals":      {write("share.toml", "max_arrivals = 10\n"), nil, "max-arrivals-per-sender 512: want at most max-arrivals (10)"},
		"per init over particles":       {"", map[string]string{"AQUANET_MAX_PARTICLES": "100"}, "max-particles-per-init 1024: want at most max-particles (100)"},
		"arrivals not a number":         {"", map[string]string{"AQUANET_MAX_ARRIVALS": "lots"}, `AQUANET_MAX_ARRIVALS: "lots" is not a number of arrivals`},
		"data per init too small":       {write("data.toml", "max_data_per_init = 4194303\n"), nil, "max-data-per-init 4194303: want at least max-particle-size (4194304 bytes)"},
		"data per init over data":       {"", map[string]string{"AQUANET_MAX_DATA": "100000000"}, "max-data-per-init 268435456: want at most max-data (100000000)"},
		"data not a number":             {"", map[string]string{"AQUANET_MAX_DATA": "4GiB"}, `AQUANET_MAX_DATA: "4GiB" is not a number of bytes`},
		"no peer particle rate":         {write("rate.toml", "peer_particle_rate = 0\n"), nil, "peer-particle-rate 0: want at least 1"},
		"negative particle burst":       {"", map[string]string{"AQUANET_PARTICLE_BURST": "-1"}, "particle-burst -1: want at least 1"},
		"peer rate over all peers'":     {"", map[string]string{"AQUANET_PARTICLE_RATE": "1000"}, "peer-particle-rate 2000: want at most particle-rate (1000)"},
		"peer burst over all peers'":    {write("burst.toml", "peer_particle_burst = 30000\n"), nil, "peer-particle-burst 30000: want at most particle-burst (20000)"},
		"rate not a number":             {"", map[string]string{"AQUANET_PEER_PARTICLE_RATE": "2k"}, `AQUANET_PEER_PARTICLE_RATE: "2k" is not a number of particles per second`},
	} {
		t.Run(name, func(t *testing.T) {
			getenv := none
			if tc.env != nil {
				getenv = func(k string) string { return tc.env[k] }
			}
			_, err := loadNodeConfig(tc.file, getenv, newNodeCmd().Flags())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A limit given as a flag is checked like one from the file; a flag that is not of its type
// does not parse.
func TestNodeConfigLimitFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--max-ttl", "0s"}, "max-ttl 0s: want at least 1s"},
		{[]string{"--max-ttl", "2000h"}, "max-ttl 2000h0m0s: want at most"},
		{[]string{"--max-steps", "10"}, "max-steps 10: want at least 1000"},
		{[]string{"--max-arrivals", "8", "--max-arrivals-per-sender", "9"}, "max-arrivals-per-sender 9: want at most max-arrivals (8)"},
	} {
		cmd := newNodeCmd()
		if err := cmd.ParseFlags(tc.flags); err != nil {
			t.Fatal(err)
		}
		_, err := loadNodeConfig("", func(string) string { return "" }, cmd.Flags())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want one containing %q", tc.flags, err, tc.want)
		}
	}
	for _, flags := range [][]string{{"--max-ttl", "600"}, {"--max-steps", "1e6"}} {
		if err := newNodeCmd().ParseFlags(flags); err == nil || !strings.Contains(err.Error(), flags[0]) {
			t.Errorf("%v: err %v, want one naming %s", flags, err, flags[0])
		}
	}
}

// Each limit comes from the file, the environment over it, the flag over both; left out, it is
// the package's default.
func TestNodeConfigLimitsPrecedence(t *testing.T) {
	for _, s := range []struct {
		key                              string // TOML
		file, env, flag                  string // the values each source gives
		def, fromFile, fromEnv, fromFlag string // the value the config then has, as get writes it
		get                              func(nodeConfig) string
	}{
		{"max_ttl", `"2m"`, "90s", "1h", "10m0s", "2m0s", "1m30s", "1h0m0s", func(c nodeConfig) string { return c.MaxTTL.String() }},
		{"max_steps", "2000", "3000", "4000", "1000000", "2000", "3000", "4000", func(c nodeConfig) string { return strconv.Itoa(c.MaxSteps) }},
		{"max_run_memory", "2097152", "3145728", "4194304", "268435456", "2097152", "3145728", "4194304", func(c nodeConfig) string { return strconv.Itoa(c.MaxRunMemory) }},
		{"max_stream_size", "2000", "3000", "4000", "1024", "2000", "3000", "4000", func(c nodeConfig) string { return strconv.Itoa(c.MaxStreamSize) }},
		{"max_arrivals", "600", "700", "800", "1024", "600", "700", "800", func(c nodeConfig) string { return strconv.Itoa(c.MaxArrivals) }},
		{"max_arrivals_per_sender", "10", "20", "30", "512", "10", "20", "30", func(c nodeConfig) string { return strconv.Itoa(c.MaxArrivalsPerSender) }},
		{"max_particles_per_init", "11", "22", "33", "1024", "11", "22", "33", func(c nodeConfig) string { return strconv.Itoa(c.MaxParticlesPerInit) }},
		{"max_particles", "5000", "6000", "7000", "100000", "5000", "6000", "7000", func(c nodeConfig) string { return strconv.Itoa(c.MaxParticles) }},
		{"max_data_per_init", "5000000", "6000000", "7000000", "268435456", "5000000", "6000000", "7000000", func(c nodeConfig) string { return strconv.Itoa(c.MaxDataPerInit) }},
		{"max_data", "500000000", "600000000", "700000000", "4294967296", "500000000", "600000000", "700000000", func(c nodeConfig) string { return strconv.Itoa(c.MaxData) }},
		{"max_kept_particles", "4", "5", "6", "32", "4", "5", "6", func(c nodeConfig) string { return strconv.Itoa(c.MaxKept) }},
		{"max_kept_particle_bytes", "1000000", "2000000", "3000000", "67108864", "1000000", "2000000", "3000000", func(c nodeConfig) string { return strconv.Itoa(c.MaxKeptBytes) }},
		{"peer_particle_rate", "500", "600", "700", "2000", "500", "600", "700", func(c nodeConfig) string { return strconv.Itoa(c.PeerParticleRate) }},
		{"peer_particle_burst", "100", "200", "300", "4000", "100", "200", "300", func(c nodeConfig) string { return strconv.Itoa(c.PeerParticleBurst) }},
		{"particle_rate", "3000", "4000", "5000", "10000", "3000", "4000", "5000", func(c nodeConfig) string { return strconv.Itoa(c.ParticleRate) }},
		{"particle_burst", "5000", "6000", "7000", "20000", "5000", "6000", "7000", func(c nodeConfig) string { return strconv.Itoa(c.ParticleBurst) }},
	} {
		t.Run(s.key, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "node.toml")
			os.WriteFile(file, []byte(s.key+" = "+s.file+"\n"), 0o600)
			flag := strings.ReplaceAll(s.key, "_", "-")
			env := map[string]string{"AQUANET_" + strings.ToUpper(s.key): s.env}
			none := map[string]string{}
			for _, tc := range []struct {
				name  string
				file  string
				env   map[string]string
				flags []string
				want  string
			}{
				{"default", "", none, nil, s.def},
				{"file", file, none, nil, s.fromFile},
				{"env over file", file, env, nil, s.fromEnv},
				{"flag over env over file", file, env, []string{"--" + flag, s.flag}, s.fromFlag},
				{"flag over file", file, none, []string{"--" + flag, s.flag}, s.fromFlag},
				{"env", "", env, nil, s.fromEnv},
			} {
				cmd := newNodeCmd()
				if err := cmd.ParseFlags(tc.flags); err != nil {
					t.Fatal(err)
				}
				cfg, err := loadNodeConfig(tc.file, func(k string) string { return tc.env[k] }, cmd.Flags())
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if got := s.get(cfg); got != tc.want {
					t.Errorf("%s: %s is %s, want %s", tc.name, s.key, got, tc.want)
				}
			}
		})
	}
}

// The smallest values allowed, and the longest TTL, are accepted: the bounds are not off by one.
func TestNodeConfigLimitsAtTheirBounds(t *testing.T) {
	file := filepath.Join(t.TempDir(), "node.toml")
	os.WriteFile(file, []byte(`max_ttl = "1s"
max_steps = 1000
max_run_memory = 1048576
max_arrivals = 1
max_arrivals_per_sender = 1
max_particles_per_init = 1
max_particles = 1
max_particle_size = 4096
max_data_per_init = 4096
max_data = 4096
`), 0o600)
	cfg, err := loadNodeConfig(file, func(string) string { return "" }, newNodeCmd().Flags())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxTTL.Duration != time.Second || cfg.MaxSteps != 1000 || cfg.MaxRunMemory != 1<<20 || cfg.MaxArrivals != 1 ||
		cfg.MaxArrivalsPerSender != 1 || cfg.MaxParticlesPerInit != 1 || cfg.MaxParticles != 1 || cfg.MaxDataPerInit != 4096 || cfg.MaxData != 4096 {
		t.Fatalf("the smallest limits: %+v", cfg)
	}
	longest := map[string]string{"AQUANET_MAX_TTL": "1193h2m47.295s"}
	cfg, err = loadNodeConfig("", func(k string) string { return longest[k] }, newNodeCmd().Flags())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxTTL.Milliseconds() != math.MaxUint32 {
		t.Fatalf("the longest TTL: %v", cfg.MaxTTL)
	}
}

// The limits reach the node's Env as the fields of particle, interpreter and router they set.
func TestNodeConfigLimitsForTheNode(t *testing.T) {
	cfg := defaultNodeConfig()
	cfg.MaxTTL, cfg.MaxSteps, cfg.MaxRunMemory, cfg.MaxStreamSize = duration{time.Minute}, 2000, 3<<20, 20_000
	cfg.MaxArrivals, cfg.MaxArrivalsPerSender, cfg.MaxParticlesPerInit, cfg.MaxParticles = 40, 5, 60, 700
	cfg.MaxDataPerInit, cfg.MaxData = 5<<20, 50<<20
	cfg.MaxKept, cfg.MaxKeptBytes = 3, 1<<20
	limits, budget, bounds := cfg.limits()
	if want := (particle.Limits{MaxTTL: time.Minute}); limits != want {
		t.Errorf("limits %+v, want %+v", limits, want)
	}
	if want := (interpreter.Limits{MaxSteps: 2000, MaxMemory: 3 << 20, MaxStreamSize: 20_000}); budget != want {
		t.Errorf("budget %+v, want %+v", budget, want)
	}
	if want := (router.Bounds{MaxArrivals: 40, MaxArrivalsPerSender: 5, MaxParticlesPerInit: 60, MaxParticles: 700,
		MaxBytesPerInit: 5 << 20, MaxBytes: 50 << 20, MaxKept: 3, MaxKeptBytes: 1 << 20}); bounds != want {
		t.Errorf("bounds %+v, want %+v", bounds, want)
	}
}

// The management peer and the Wasm settings come from the file, the environment and the flags
// like the others, and values that cannot work are refused with the setting's name.
func TestNodeConfigManagementAndWasm(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "node.toml")
	const mgmt = "12D3KooWKbUZwkD18jfVFX2qtrNGsGVJZCRPRS7aB6jqNvZS62hb"
	os.WriteFile(file, []byte(`management_peer = "`+mgmt+`"
wasm_memory_pages = 100
wasm_call_timeout = "3s"
wasm_pool_size = 3
`), 0o600)
	env := map[string]string{"AQUANET_WASM_OPEN_DEPLOY": "true", "AQUANET_WASM_MEMORY_PAGES": "200", "AQUANET_WASM_MAX_SERVICES_PER_PEER": "5"}
	cmd := newNodeCmd()
	if err := cmd.ParseFlags([]string{"--wasm-call-timeout", "2s"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadNodeConfig(file, func(k string) string { return env[k] }, cmd.Flags())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WasmPoolSize != 3 || cfg.WasmMaxServicesPerPeer != 5 {
		t.Errorf("pool size %d, services per peer %d; want the file's 3 and the env's 5", cfg.WasmPoolSize, cfg.WasmMaxServicesPerPeer)
	}
	if cfg.ManagementPeer != mgmt || !cfg.WasmOpenDeploy || cfg.WasmMemoryPages != 200 || cfg.WasmCallTimeout.Duration != 2*time.Second {
		t.Errorf("got management %q, open deploy %v, pages %d, timeout %v; want the file's peer, the env's true and 200, the flag's 2s",
			cfg.ManagementPeer, cfg.WasmOpenDeploy, cfg.WasmMemoryPages, cfg.WasmCallTimeout)
	}
	for _, tc := range []struct{ env, value, want string }{
		{"AQUANET_MANAGEMENT_PEER", "alice", "management-peer \"alice\": not a peer id"},
		{"AQUANET_WASM_OPEN_DEPLOY", "maybe", "is not true or false"},
		{"AQUANET_WASM_MEMORY_PAGES", "1", "wasm-memory-pages 1: want 16 to 65536"},
		{"AQUANET_WASM_MEMORY_PAGES", "70000", "wasm-memory-pages 70000"},
		{"AQUANET_WASM_CALL_TIMEOUT", "1ms", "wasm-call-timeout 1ms: want at least 10ms"},
		{"AQUANET_WASM_POOL_SIZE", "0", "wasm-pool-size 0: want 1"},
		{"AQUANET_WASM_POOL_SIZE", "1000", "wasm-pool-size 1000"},
		{"AQUANET_WASM_MAX_SERVICES_PER_PEER", "0", "wasm-max-services-per-peer 0: want at least 1"},
	} {
		_, err := loadNodeConfig("", func(k string) string {
			if k == tc.env {
				return tc.value
			}
			return ""
		}, newNodeCmd().Flags())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v, want an error saying %q", tc.env, tc.value, err, tc.want)
		}
	}
}

// `aquanet node --help` documents every setting's flag with its default.
func TestNodeHelpListsEverySetting(t *testing.T) {
	flags := newNodeCmd().Flags()
	for _, s := range nodeSettings {
		f := flags.Lookup(s.flag)
		if f == nil {
			t.Errorf("setting %s has no flag", s.flag)
			continue
		}
		if !s.list && !strings.Contains(f.Usage, "(default ") {
			t.Errorf("--%s does not say its default: %q", s.flag, f.Usage)
		}
	}
	code, out, _ := aquanet(t, "", "node", "--help")
	for _, want := range []string{"--max-ttl duration", "(default 10m0s;", "--max-steps int", "--max-particles int", "AQUANET_MAX_TTL", "docs/SECURITY.md"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("node --help (exit %d) does not say %q:\n%s", code, want, out)
		}
	}
}

// [wasm_mounted_binaries.<module>] grants a module host programs by name; the node's wasmhost
// config carries the grant, so that the module's import of it is allowed, and only for it.
func TestNodeConfigMountedBinaries(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "echo")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "node.toml")
	os.WriteFile(file, []byte(`wasm_call_timeout = "3s"

[wasm_mounted_binaries.binary]
echo = "`+prog+`"

[wasm_mounted_binaries."curl adapter"]
curl = "`+prog+`"
`), 0o600)
	none := func(string) string { return "" }
	cfg, err := loadNodeConfig(file, none, newNodeCmd().Flags())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{"binary": {"echo": prog}, "curl adapter": {"curl": prog}}
	if !reflect.DeepEqual(cfg.WasmMountedBinaries, want) {
		t.Fatalf("mounted binaries %v, want %v", cfg.WasmMountedBinaries, want)
	}

	// The grant reaches wasmhost: a Marine module named binary that imports echo links with
	// it, and is denied without it.
	wasm, err := os.ReadFile("../../wasmhost/internal/marine/testdata/binary.wasm")
	if err != nil {
		t.Fatal(err)
	}
	check := func(cfg nodeConfig, module string) error {
		h, err := wasmhost.New(cfg.wasm())
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close(context.Background())
		return h.Check(wasmhost.ServiceSpec{ServiceID: "s", Modules: []wasmhost.ModuleSource{{Name: module, Wasm: wasm}}})
	}
	if err := check(cfg, "binary"); err != nil {
		t.Errorf("with the grant: %v", err)
	}
	var denied *wasmhost.DeniedError
	if err := check(cfg, "curl adapter"); !errors.As(err, &denied) {
		t.Errorf("a module granted curl, not echo: %v, want a DeniedError", err)
	}
	if err := check(defaultNodeConfig(), "binary"); !errors.As(err, &denied) {
		t.Errorf("no grant: %v, want a DeniedError", err)
	}

	notExec := filepath.Join(dir, "plain")
	os.WriteFile(notExec, []byte("data"), 0o644)
	for name, tc := range map[string]struct{ body, want string }{
		"relative path":  {"[wasm_mounted_binaries.m]\ncurl = \"bin/curl\"\n", `wasm_mounted_binaries.m.curl = "bin/curl": want the absolute path of the program`},
		"missing":        {"[wasm_mounted_binaries.m]\ncurl = \"" + dir + "/nope\"\n", "wasm_mounted_binaries.m.curl = \"" + dir + "/nope\": stat " + dir + "/nope: no such file"},
		"a directory":    {"[wasm_mounted_binaries.m]\ncurl = \"" + dir + "\"\n", "not a program but a directory"},
		"not executable": {"[wasm_mounted_binaries.m]\ncurl = \"" + notExec + "\"\n", "not executable (mode -rw-r--r--)"},
		"no binary name": {"[wasm_mounted_binaries.m]\n\"\" = \"" + prog + "\"\n", "a binary name is needed"},
		"no module name": {"[wasm_mounted_binaries.\"\"]\ncurl = \"" + prog + "\"\n", "a module name is needed"},
		"host API name":  {"[wasm_mounted_binaries.m]\nlog_utf8_string = \"" + prog + "\"\n", "log_utf8_string is Marine's host API, not a binary"},
		"not a string":   {"[wasm_mounted_binaries.m]\ncurl = 1\n", "bad.toml:2"},
		"not a table":    {"wasm_mounted_binaries = [\"/usr/bin/curl\"]\n", "bad.toml:1"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.toml")
			os.WriteFile(bad, []byte(tc.body), 0o600)
			_, err := loadNodeConfig(bad, none, newNodeCmd().Flags())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The TrustGraph's roots and certificate files come from the config file; a root that is not
// a peer id, a chain length out of range, or a certificate file that is missing or not a
// certificate is refused, naming it.
func TestNodeConfigTrust(t *testing.T) {
	dir := t.TempDir()
	const root = "12D3KooWKbUZwkD18jfVFX2qtrNGsGVJZCRPRS7aB6jqNvZS62hb"
	write := func(body string) string {
		f := filepath.Join(dir, "node.toml")
		os.WriteFile(f, []byte(body), 0o600)
		return f
	}
	none := func(string) string { return "" }
	cfg, err := loadNodeConfig(write("[trust_roots]\n\""+root+"\" = 5\n"), none, newNodeCmd().Flags())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TrustRoots[root] != 5 {
		t.Fatalf("trust roots %v", cfg.TrustRoots)
	}
	for body, want := range map[string]string{
		"[trust_roots]\nalice = 5\n":             `"alice" is not a peer id`,
		"[trust_roots]\n\"" + root + "\" = 17\n": "want a max chain length of 0 to 16",
		"[trust_roots]\n\"" + root + "\" = -1\n": "want a max chain length of 0 to 16",
	} {
		if _, err := loadNodeConfig(write(body), none, newNodeCmd().Flags()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", body, err, want)
		}
	}
	bad := filepath.Join(dir, "bad.cert")
	os.WriteFile(bad, []byte("not a certificate\n"), 0o600)
	for _, files := range [][]string{{filepath.Join(dir, "missing.cert")}, {bad}} {
		c := nodeConfig{TrustCertificates: files}
		if _, err := c.trustCertificates(); err == nil || !strings.Contains(err.Error(), "trust_certificates") {
			t.Errorf("certificates %v: %v", files, err)
		}
	}
}
