# Sourced, not run: `. scripts/oracle.sh; setup_oracle` from the repository's root prepares the
# AquaVM reference oracle (../shared/oracle, see its README.md) and exports AQUANET_ORACLE_DIR,
# which the differential tests (scripts/test.sh) and scripts/perf.sh read.
#
# Oracle source, first found: $AQUANET_ORACLE_SRC, <repo>/../shared/oracle, /work/shared/oracle.
# It is copied to ${XDG_CACHE_HOME:-$HOME/.cache}/aquanet/oracle-<first 12 hex of sha256 of its
# package.json>, `npm install` runs there once (only while node_modules is missing), and
# AQUANET_ORACLE_DIR points at it. An AQUANET_ORACLE_DIR already set is used as is. Without
# node/npm or the source it warns once on stderr and exports nothing.

warn() { echo "${0##*/}: warning: $*" >&2; }

# is_oracle_src DIR: DIR looks like a copy of ../shared/oracle.
is_oracle_src() { [ -f "$1/package.json" ] && [ -f "$1/avm-lib.mjs" ]; }

sha256_12() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -c1-12
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -c1-12
  else
    openssl dgst -sha256 -r "$1" | cut -c1-12
  fi
}

# copy_sources SRC DST: the top-level files of the oracle (everything but node_modules), writable.
copy_sources() {
  local src=$1 dst=$2 entry name
  mkdir -p "$dst"
  for entry in "$src"/* "$src"/.[!.]*; do
    [ -e "$entry" ] || continue
    name=$(basename "$entry")
    case "$name" in node_modules | package-lock.json) continue ;; esac
    # Leave files that are already up to date alone: another run may be using them.
    if [ -f "$entry" ] && [ -f "$dst/$name" ] && command -v cmp >/dev/null 2>&1 &&
      cmp -s "$entry" "$dst/$name"; then
      continue
    fi
    rm -rf "${dst:?}/$name"
    cp -R "$entry" "$dst/"
    chmod -R u+w "$dst/$name" # the shared source is read-only, and cp keeps its modes
  done
}

setup_oracle() {
  if [ -n "${AQUANET_ORACLE_DIR:-}" ]; then
    return 0
  fi
  local repo
  repo=$(pwd -P)

  local src="" candidate
  if [ -n "${AQUANET_ORACLE_SRC:-}" ] && ! is_oracle_src "$AQUANET_ORACLE_SRC"; then
    warn "AQUANET_ORACLE_SRC=$AQUANET_ORACLE_SRC has no package.json and avm-lib.mjs; looking elsewhere"
  fi
  for candidate in "${AQUANET_ORACLE_SRC:-}" "$repo/../shared/oracle" /work/shared/oracle; do
    if [ -n "$candidate" ] && is_oracle_src "$candidate"; then
      src=$(cd "$candidate" && pwd -P)
      break
    fi
  done
  if [ -z "$src" ]; then
    warn "AquaVM oracle source not found (\$AQUANET_ORACLE_SRC, $repo/../shared/oracle, /work/shared/oracle); differential tests will skip"
    return 0
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    warn "node and npm (Node.js 20) are needed for the AquaVM oracle but are not on PATH; differential tests will skip"
    return 0
  fi

  local cache="${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/aquanet"
  local dir
  dir="$cache/oracle-$(sha256_12 "$src/package.json")"
  copy_sources "$src" "$dir"

  if [ ! -d "$dir/node_modules" ]; then
    echo "test.sh: installing the AquaVM oracle into $dir (npm install, once)" >&2
    # Install in a private staging copy and move node_modules in whole, so that an interrupted
    # or concurrent run never leaves a half-installed node_modules behind.
    local staging
    staging=$(mktemp -d "$cache/.oracle-install.XXXXXX")
    copy_sources "$src" "$staging"
    if ! (cd "$staging" && npm install --no-audit --no-fund 1>&2); then
      rm -rf "$staging"
      warn "npm install of the AquaVM oracle failed in $staging; differential tests will skip"
      return 0
    fi
    if [ ! -d "$dir/node_modules" ]; then
      mv "$staging/node_modules" "$dir/node_modules"
      [ -f "$staging/package-lock.json" ] && cp "$staging/package-lock.json" "$dir/"
    fi
    rm -rf "$staging"
  fi
  export AQUANET_ORACLE_DIR="$dir"
}
