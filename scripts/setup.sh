#!/usr/bin/env bash
# Install the tools that build and test letta-wasm. Idempotent: checks each
# tool first and installs only what is missing or at the wrong version, saying
# what it installs. Prints one line when everything is already present.
#
#   scripts/setup.sh             Rust wasm32 target, wasm-bindgen-cli, root npm dev tools
#   scripts/setup.sh --browser   also Debian's chromium + chromium-driver (apt)
#
# No network except crates.io, npm, PyPI and Debian mirrors is assumed:
#   - wasm-bindgen-cli is built with `cargo install` WITHOUT --locked (a pinned
#     dependency of the CLI's own lockfile is missing from the registry mirror);
#   - wasm-opt comes from the npm package `binaryen` (root package.json), since
#     Debian's binaryen (108) is too old for rustc's output;
#   - browsers come from apt only, never from a test tool's downloader.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WANT_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --browser) WANT_BROWSER=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust with rustup)"
command -v node >/dev/null 2>&1 || die "node not found"
command -v npm >/dev/null 2>&1 || die "npm not found"

installed=()

# --- 1. Rust target ---------------------------------------------------------
TARGET=wasm32-unknown-unknown
if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    say "installing Rust target $TARGET (rustup, ~1 min)"
    rustup target add "$TARGET"
    installed+=("$TARGET")
  fi
else
  # Without rustup, the sysroot must already hold the target's std.
  sysroot="$(rustc --print sysroot)"
  [ -d "$sysroot/lib/rustlib/$TARGET" ] || die "no rustup and no $TARGET std in $sysroot"
fi

# --- 2. wasm-bindgen-cli at exactly the crate's wasm-bindgen version --------
# Cargo.lock is the truth; on a clone without a lockfile, fall back to the
# exact pin `wasm-bindgen = "=X.Y.Z"` in Cargo.toml.
wb_version_from_lock() {
  [ -f Cargo.lock ] || return 0
  awk '
    /^\[\[package\]\]/ { inpkg = 0; next }
    /^name = "wasm-bindgen"$/ { inpkg = 1; next }
    inpkg && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock
}
wb_version_from_toml() {
  # matches: wasm-bindgen = "=0.2.130"  or  wasm-bindgen = { version = "=0.2.130", ... }
  sed -nE 's/^[[:space:]]*wasm-bindgen[[:space:]]*=[[:space:]]*(\{[^}]*version[[:space:]]*=[[:space:]]*)?"=?([0-9]+\.[0-9]+\.[0-9]+)".*/\2/p' Cargo.toml | head -n1
}
if [ ! -f Cargo.lock ]; then
  # cargo would write it at the first build anyway; resolving now gives the
  # exact version. Ignore failure (e.g. src/ not there yet): Cargo.toml's pin.
  cargo generate-lockfile --quiet 2>/dev/null || true
fi
WB_VERSION="$(wb_version_from_lock)"
WB_SOURCE=Cargo.lock
if [ -z "$WB_VERSION" ]; then
  WB_VERSION="$(wb_version_from_toml)"
  WB_SOURCE=Cargo.toml
fi
[ -n "$WB_VERSION" ] || die "cannot find the wasm-bindgen version in Cargo.lock or Cargo.toml"

tool_version() { # prints the version a tool reports, or nothing
  "$1" --version 2>/dev/null | awk '{print $2; exit}' || true
}
have_wb="$(command -v wasm-bindgen >/dev/null 2>&1 && tool_version wasm-bindgen || true)"
have_runner="$(command -v wasm-bindgen-test-runner >/dev/null 2>&1 && tool_version wasm-bindgen-test-runner || true)"
if [ "$have_wb" != "$WB_VERSION" ] || [ "$have_runner" != "$WB_VERSION" ]; then
  say "installing wasm-bindgen-cli $WB_VERSION (from $WB_SOURCE; found '${have_wb:-none}'; cargo install, ~5 min on 2 cores)"
  # No --locked: see the header. --force replaces another installed version.
  cargo install wasm-bindgen-cli --version "=$WB_VERSION" --force
  hash -r
  have_wb="$(tool_version wasm-bindgen)"
  [ "$have_wb" = "$WB_VERSION" ] || die "wasm-bindgen reports '$have_wb' after install, wanted $WB_VERSION (is another wasm-bindgen earlier on PATH? $(command -v wasm-bindgen))"
  installed+=("wasm-bindgen-cli $WB_VERSION")
fi

# --- 3. root npm dev tools (binaryen -> wasm-opt, typescript -> tsc) --------
# Skipped when node_modules was installed from the current package.json and
# package-lock.json (a content stamp) and the binaries are there.
[ -f package.json ] || die "no package.json at the repo root"
STAMP=node_modules/.letta-wasm-setup-stamp
npm_stamp() {
  { cat package.json; [ -f package-lock.json ] && cat package-lock.json; node --version; } | sha256sum | awk '{print $1}'
}
want_stamp="$(npm_stamp)"
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/tsc ] \
   || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want_stamp" ]; then
  if [ -f package-lock.json ]; then
    say "installing root npm dev tools (npm ci: binaryen/wasm-opt, typescript)"
    npm ci --no-audit --no-fund
  else
    say "installing root npm dev tools (npm install, no package-lock.json yet)"
    npm install --no-audit --no-fund
  fi
  [ -x node_modules/.bin/wasm-opt ] || die "node_modules/.bin/wasm-opt missing after npm install"
  [ -x node_modules/.bin/tsc ] || die "node_modules/.bin/tsc missing after npm install"
  npm_stamp > "$STAMP"   # after install: npm install may have written the lockfile
  installed+=("npm dev tools")
fi

# --- 4. optional: Chromium + ChromeDriver from Debian -----------------------
if [ "$WANT_BROWSER" = 1 ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null 2>&1 || die "need root or sudo to apt-get install chromium"
      SUDO="sudo"
    fi
    say "installing chromium + chromium-driver (apt-get, a few minutes)"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || die "chromium/chromedriver missing after apt-get install"
    installed+=("chromium")
  fi
fi

if [ ${#installed[@]} -eq 0 ]; then
  say "ok (wasm-bindgen $WB_VERSION, $TARGET, npm dev tools$([ "$WANT_BROWSER" = 1 ] && echo ", chromium") already present)"
else
  say "installed: ${installed[*]}"
fi
