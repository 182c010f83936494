package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
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
	if len(ex.Listen) != 3 || ex.DataDir != "aquanet-data" || ex.MaxParticleSize != cfg.MaxParticleSize || ex.MaxFrameBytesInFlight != cfg.MaxFrameBytesInFlight {
		t.Fatalf("example: %+v", ex)
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
