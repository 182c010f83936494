#!/usr/bin/env bash
# The project's test command: `scripts/test.sh [go test flags]`, e.g. `scripts/test.sh -race`.
#
# It prepares the AquaVM reference oracle (../shared/oracle, see its README.md) for the
# differential tests, then runs `go test "$@" ./...` from the repository root as its last step.
#
# scripts/oracle.sh says where the oracle comes from and where it is installed. Without node/npm
# or the source it warns once on stderr and runs the tests anyway: the differential tests then
# skip, unless AQUANET_REQUIRE_ORACLE=1 (CI), which makes them fail.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

. scripts/oracle.sh
setup_oracle

go test "$@" ./...
# The actor runtime runs on goroutines in production: its tests also run under the race detector.
go test -race "$@" ./actors/...
