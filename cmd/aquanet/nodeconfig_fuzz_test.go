package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// checkErr matches the errors of nodeConfig.check: each starts with the setting it is about.
var checkErr = regexp.MustCompile(`^(listen|listen address|bootstrap address|data-dir|log-format|log-level)[ :]`)

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
			if !atPos && !checkErr.MatchString(msg) {
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
		if !slices.Equal(back.Listen, cfg.Listen) || !slices.Equal(back.Bootstrap, cfg.Bootstrap) ||
			back.DataDir != cfg.DataDir || back.HTTP != cfg.HTTP || back.LogFormat != cfg.LogFormat || back.LogLevel != cfg.LogLevel {
			t.Fatalf("the config written back loads differently:\n%+v\n%+v\n%s", cfg, back, out)
		}
		if strings.TrimSpace(text) == "" && !slices.Equal(cfg.Listen, defaultNodeConfig().Listen) {
			t.Fatalf("an empty file changed the defaults: %+v", cfg)
		}
	})
}
