package aqua

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// npmFiles are the package.json and package-lock.json that npm ci installs from: the exact
// versions and their integrity hashes, so what is installed is what was tested.
//
//go:embed npm/package.json npm/package-lock.json
var npmFiles embed.FS

// Names inside the install directory.
const (
	lockName    = ".install.lock"
	stagingGlob = ".install-*"
)

// pinned are the packages an install must hold, with their versions.
var pinned = []struct{ name, version string }{
	{"@fluencelabs/aqua-api", APIVersion},
	{"@fluencelabs/aqua-lib", LibVersion},
}

// installed reports whether dir/node_modules holds the pinned packages; the error says which
// is missing or of another version.
func installed(dir string) error {
	for _, p := range pinned {
		file := filepath.Join(dir, "node_modules", filepath.FromSlash(p.name), "package.json")
		data, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("%s is not installed in %s", p.name, dir)
		}
		var pkg struct{ Version string }
		if err := json.Unmarshal(data, &pkg); err != nil || pkg.Version != p.version {
			return fmt.Errorf("%s holds %s %q, not %s", dir, p.name, pkg.Version, p.version)
		}
	}
	return nil
}

// ensureInstalled installs the compiler into cfg.Dir unless it is there already.
func ensureInstalled(ctx context.Context, cfg Config) error {
	dir := cfg.Dir
	if installed(dir) == nil {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("%w; installing it needs npm, which is not on PATH: %s", ErrNoNode, howToGetNode)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.InstallTimeout)
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("installing the Aqua compiler: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, lockName), func() {
		fmt.Fprintf(cfg.Progress, "aquanet: waiting for another process that is installing the Aqua compiler into %s\n", dir)
	})
	if err != nil {
		return installError(ctx, cfg, fmt.Errorf("locking %s: %w", filepath.Join(dir, lockName), err))
	}
	defer unlock()
	if installed(dir) == nil { // the process we waited for installed it
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		// Not ours to replace: the directory may be someone's project.
		return fmt.Errorf("the Aqua compiler: %v; remove %s (or set %s to another directory) and aquanet installs it again",
			installed(dir), filepath.Join(dir, "node_modules"), EnvDir)
	}
	if locks {
		// We hold the lock: a staging directory left now is from an install that was killed.
		stale, _ := filepath.Glob(filepath.Join(dir, stagingGlob))
		for _, s := range stale {
			os.RemoveAll(s)
		}
	}

	fmt.Fprintf(cfg.Progress, "aquanet: installing the Aqua compiler (@fluencelabs/aqua-api %s, @fluencelabs/aqua-lib %s) into %s with npm; this happens once\n",
		APIVersion, LibVersion, dir)
	start := time.Now()
	if err := npmInstall(ctx, npm, dir); err != nil {
		return installError(ctx, cfg, err)
	}
	fmt.Fprintf(cfg.Progress, "aquanet: installed the Aqua compiler in %.1fs\n", time.Since(start).Seconds())
	return nil
}

// installError names the timeout when ctx ended, else wraps err.
func installError(ctx context.Context, cfg Config, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("installing the Aqua compiler into %s did not finish within %v: is the npm registry reachable (npm config get registry)? %w",
			cfg.Dir, cfg.InstallTimeout, err)
	}
	return fmt.Errorf("installing the Aqua compiler into %s: %w", cfg.Dir, err)
}

// npmInstall runs npm ci in a staging directory inside dir and moves its node_modules into dir.
func npmInstall(ctx context.Context, npm, dir string) error {
	staging, err := os.MkdirTemp(dir, stagingGlob)
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	for _, name := range []string{"package.json", "package-lock.json"} {
		data, _ := npmFiles.ReadFile("npm/" + name)
		if err := os.WriteFile(filepath.Join(staging, name), data, 0o644); err != nil {
			return err
		}
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = staging
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // npm's children may keep its output open after it is killed
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w; its output:\n%s", staging, err, tail(out.String(), 2048))
	}
	if err := installed(staging); err != nil {
		return fmt.Errorf("npm ci succeeded but %w", err)
	}
	if err := os.Rename(filepath.Join(staging, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		if installed(dir) == nil { // another process finished first (no lock on this system)
			return nil
		}
		return err
	}
	return nil
}

// tail returns the last max bytes of s, trimmed, or "(nothing)".
func tail(s string, max int) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "(nothing)"
	}
	if len(s) > max {
		s = "..." + s[len(s)-max:]
	}
	return s
}
