#!/usr/bin/env bash
# Serve the demo page (www/) with the package (pkg/) on http://127.0.0.1:8080/.
#
#   scripts/serve-www.sh [--port N]
#
# Builds pkg/ first (scripts/build.sh) when it is missing or older than the sources
# (src/, pkg-template/, Cargo.toml, Cargo.lock). Env: PORT (default 8080).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WASM=pkg/letta_wasm_bg.wasm
if [ ! -f pkg/package.json ] || [ ! -f "$WASM" ] \
   || [ -n "$(find src pkg-template Cargo.toml Cargo.lock -newer "$WASM" -type f -print -quit 2>/dev/null)" ]; then
  echo "serve-www: pkg/ is missing or stale: building it (scripts/build.sh)"
  scripts/build.sh
fi
PORT_ARG=("--port" "${PORT:-8080}")
[ "${1:-}" = --port ] && PORT_ARG=("--port" "$2")
exec node www/serve.mjs "${PORT_ARG[@]}" --host 127.0.0.1
