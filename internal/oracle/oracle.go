// Package oracle runs Fluence's reference AIR implementation, AquaVM 0.62, so that tests can
// compare aquanet against it (differential tests).
//
// The reference is a wasm build driven from Node.js 20; its sources and setup live in
// ../shared/oracle (see its README.md). A usable copy is an "installed oracle directory": a
// writable copy of that folder in which `npm install` has run. Tests find it through the
// environment variable AQUANET_ORACLE_DIR, which scripts/test.sh prepares and exports.
//
// Tests call [Require] to get the directory: without an oracle they are skipped, unless
// AQUANET_REQUIRE_ORACLE=1 (set by CI), in which case they fail, so that the differential tests
// can never be skipped silently.
//
// [Parse] runs the reference parser over many scripts in a single node process, using the
// embedded driver ast-batch.mjs.
package oracle

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Environment variables read by this package.
const (
	// EnvDir names the installed oracle directory.
	EnvDir = "AQUANET_ORACLE_DIR"
	// EnvRequire, set to "1", turns a missing oracle from a skip into a test failure.
	EnvRequire = "AQUANET_REQUIRE_ORACLE"
)

// howToEnable is the advice given when the oracle is unavailable.
const howToEnable = "run scripts/test.sh, or set " + EnvDir +
	" to a copy of ../shared/oracle where npm install has run"

// batchDriver is the node program that parses a JSON array of scripts read from stdin; see the
// comment at its top for the protocol.
//
//go:embed ast-batch.mjs
var batchDriver []byte

// Dir returns the installed oracle directory named by AQUANET_ORACLE_DIR. The error says what is
// missing: the variable, the directory, its node_modules (npm install has not run there) or its
// avm-lib.mjs, or node on PATH.
func Dir() (string, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return "", fmt.Errorf("oracle: %s is not set", EnvDir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("oracle: %s=%q: %w", EnvDir, dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("oracle: %s=%q: %w", EnvDir, dir, err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("oracle: %s=%q is not a directory", EnvDir, dir)
	}
	if fi, err := os.Stat(filepath.Join(abs, "node_modules")); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("oracle: %s=%q has no node_modules directory (run npm install there)", EnvDir, dir)
	}
	if _, err := os.Stat(filepath.Join(abs, "avm-lib.mjs")); err != nil {
		return "", fmt.Errorf("oracle: %s=%q has no avm-lib.mjs (not a copy of ../shared/oracle?)", EnvDir, dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("oracle: node is not on PATH (need Node.js 20): %w", err)
	}
	return abs, nil
}

// Require returns the installed oracle directory for a test. When there is none it skips the
// test, saying how to enable it, or fails the test if AQUANET_REQUIRE_ORACLE=1.
func Require(t testing.TB) string {
	t.Helper()
	dir, err := Dir()
	if err == nil {
		return dir
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%v; %s=1 requires the AquaVM oracle: %s", err, EnvRequire, howToEnable)
		return ""
	}
	t.Skipf("AquaVM oracle unavailable (%v): %s", err, howToEnable)
	return ""
}

// ParseResult is the reference parser's verdict on one script.
type ParseResult struct {
	// OK reports whether AquaVM parsed and validated the script.
	OK bool `json:"ok"`
	// AST is AquaVM's AST JSON, byte for byte as AquaVM printed it, when OK.
	AST json.RawMessage `json:"ast,omitempty"`
	// Error is AquaVM's error text (a rendered diagnostic) when not OK.
	Error string `json:"error,omitempty"`
	// Trap reports that AquaVM crashed on the script (a wasm trap: stack exhaustion on very deep
	// nesting, or a Rust panic, e.g. on a lens field name ending in a non-ASCII letter) instead of
	// giving a verdict; Error holds the trap. A reference peer could never run such a script.
	Trap bool `json:"trap,omitempty"`
}

// Parse runs the reference parser over scripts in one node process and returns one result per
// script, in order. dir is an installed oracle directory, as returned by [Dir]. The error reports
// a failure of the oracle itself (node failing), with node's stderr. A script the reference
// rejects is a result with OK false, not an error; one it crashes on has Trap set as well.
func Parse(ctx context.Context, dir string, scripts []string) ([]ParseResult, error) {
	if len(scripts) == 0 {
		return []ParseResult{}, nil
	}
	input, err := json.Marshal(scripts)
	if err != nil {
		return nil, fmt.Errorf("oracle: encoding scripts: %w", err)
	}

	out, err := runDriver(ctx, dir, "ast-batch", batchDriver, input)
	if err != nil {
		return nil, fmt.Errorf("oracle: node over %d scripts: %w", len(scripts), err)
	}

	var results []ParseResult
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("oracle: decoding the driver's output (%d bytes): %w", len(out), err)
	}
	if len(results) != len(scripts) {
		return nil, fmt.Errorf("oracle: driver returned %d results for %d scripts", len(results), len(scripts))
	}
	for i, r := range results {
		if r.OK && len(r.AST) == 0 {
			return nil, fmt.Errorf("oracle: result %d is ok but has no AST", i)
		}
		if !r.OK && r.Error == "" {
			return nil, fmt.Errorf("oracle: result %d is not ok but has no error text", i)
		}
	}
	return results, nil
}
