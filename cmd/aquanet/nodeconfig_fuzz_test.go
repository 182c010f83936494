package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// checkErr matches the errors of nodeConfig.check, and of a max_ttl that is not a string: each
// starts with the setting it is about.
var checkErr = regexp.MustCompile(`^(listen|listen address|bootstrap address|data-dir|log-format|log-level|` +
	`max-particle-size|max-frame-bytes-in-flight|peer-particle-rate|peer-particle-burst|particle-rate|particle-burst|max-ttl|max-steps|max-run-memory|max-stream-size|` +
	`max-arrivals|max-arrivals-per-sender|max-particles-per-init|max-particles|max-data-per-init|max-data)[ :]`)

// FuzzNodeConfig loads arbitrary text as a config file. It must never panic; it either fails
// with an error that says where in the file (line and column) or which setting is wrong, or
// yields a config that passes check and that, written back as TOML, loads as the same config.
func FuzzNodeConfig(f *testing.F) {
	example, err := os.ReadFile("../../node.example.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	f.Add("")
	f.Add("listen = []\n")
	f.Add("listne = []\n")
	f.Add("listen = [\n")
	f.Add("listen = 7\n")
	f.Add("listen = [1, 2]\n")
	f.Add("log_level = \"loud\"\n")
	f.Add("[listen]\nx = 1\n")
	f.Add("bootstrap = [\"/ip4/127.0.0.1/tcp/9/p2p/12D3KooWKbUZwkD18jfVFX2qtrNGsGVJZCRPRS7aB6jqNvZS62hb\"]\n")
	f.Add("data_dir = \"\"\nhttp = \"off\"\n")
	f.Add("a.b.c = 1\n")
	f.Add("max_particle_size = 10\n")
	f.Add("max_ttl = \"90s\"\nmax_steps = 1000\nmax_run_memory = 1048576\n")
	f.Add("max_ttl = 600\n")
	f.Add("max_ttl = 1.5\n")
	f.Add("max_ttl = \"1193h2m47.296s\"\n")
	f.Add("max_ttl = \"1h\"\nmax_ttl = \"2h\"\n")
	f.Add("max_ttl = {}\n")
	f.Add("max_ttl = [\"1m\"]\n")
	f.Add("max_ttl = 1979-05-27T07:32:00Z\n")
	f.Add("max_steps = \"1000000\"\n")
	f.Add("max_arrivals = 1\nmax_arrivals_per_sender = 1\nmax_particles_per_init = 1\nmax_particles = 1\n")
	f.Add("max_arrivals = 8\nmax_arrivals_per_sender = 9\n")
	f.Add("max_particles = 0\n")
	f.Add("max_particles_per_init = -1\n")
	f.Add("max_particles = 9223372036854775807\nmax_run_memory = 9223372036854775807\n")
	f.Add("max_steps = 9223372036854775808\n")
	f.Add("max_data_per_init = 4096\nmax_data = 4096\nmax_particle_size = 4096\n")
	f.Add("max_particle_size = 536870912\nmax_frame_bytes_in_flight = 1073741824\n")
	none := func(string) string { return "" }
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "node.toml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadNodeConfig(path, none, newNodeCmd().Flags())
		if err != nil {
			msg := err.Error()
			atPos := regexp.MustCompile(`^config file ` + regexp.QuoteMeta(path) + `:\d+:\d+: `).MatchString(msg)
			inFile, found := strings.CutPrefix(msg, "config file "+path+": ")
			if !atPos && !checkErr.MatchString(msg) && !(found && checkErr.MatchString(inFile)) {
				t.Fatalf("error %q names neither a position in the file nor a setting", msg)
			}
			return
		}
		if err := cfg.check(); err != nil {
			t.Fatalf("a loaded config does not check: %v", err)
		}
		out, err := toml.Marshal(cfg)
		if err != nil {
			t.Fatalf("a loaded config does not marshal: %v\n%+v", err, cfg)
		}
		again := filepath.Join(t.TempDir(), "again.toml")
		if err := os.WriteFile(again, out, 0o600); err != nil {
			t.Fatal(err)
		}
		back, err := loadNodeConfig(again, none, newNodeCmd().Flags())
		if err != nil {
			t.Fatalf("the config written back does not load: %v\n%s", err, out)
		}
		// The lists compared as lists (an empty one may come back nil), the rest as a whole.
		rest, backRest := cfg, back
		rest.Listen, rest.Bootstrap, backRest.Listen, backRest.Bootstrap = nil, nil, nil, nil
		if !slices.Equal(back.Listen, cfg.Listen) || !slices.Equal(back.Bootstrap, cfg.Bootstrap) || !reflect.DeepEqual(backRest, rest) {
			t.Fatalf("the config written back loads differently:\n%+v\n%+v\n%s", cfg, back, out)
		}
		if strings.TrimSpace(text) == "" && !slices.Equal(cfg.Listen, defaultNodeConfig().Listen) {
			t.Fatalf("an empty file changed the defaults: %+v", cfg)
		}
	})
}
