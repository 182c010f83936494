// Package aquatest gives tests the Aqua compiler of package aqua, installed once per machine.
package aquatest

import (
	"os"
	"testing"

	"github.com/aquanet/aquanet/internal/aqua"
)

// Require returns the compiler for a test, installing it into the default directory on first
// use (one install per machine, shared by every test and process; see aqua.Shared). Without
// Node.js, or when the install fails, it skips the test saying why, or fails it if
// AQUANET_REQUIRE_ORACLE=1.
func Require(t testing.TB) *aqua.Compiler {
	t.Helper()
	c, err := aqua.Shared()
	if err == nil {
		return c
	}
	if os.Getenv(aqua.EnvRequire) == "1" {
		t.Fatalf("%v; %s=1 requires the Aqua compiler", err, aqua.EnvRequire)
		return nil
	}
	t.Skipf("Aqua compiler unavailable: %v", err)
	return nil
}
