#!/usr/bin/env bash
# Run the example team (examples/team.mjs): a coordinator, a researcher and a writer that
# coordinate through shared memory blocks, on built-in scripted models (no network, no API key).
#
#   scripts/team.sh ["goal"] [--json] [--scripted]
#
# Builds pkg/ first (scripts/build.sh, which installs the toolchain on a fresh machine) if it is
# missing or older than src/ or pkg-template/. Exit code: 0 if the team's outcome checks pass,
# 1 if not, 2 if a hosted model (OPENAI_API_KEY / ANTHROPIC_API_KEY set) is not available.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

stale() {
  [ -f pkg/entry/node.js ] && [ -f pkg/letta_wasm_bg.wasm ] || return 0
  # Anything in the sources newer than the built wasm?
  [ -n "$(find src pkg-template Cargo.toml -newer pkg/letta_wasm_bg.wasm -print -quit)" ]
}

if stale; then
  echo "team: pkg/ is missing or older than the sources; building it (scripts/build.sh)" >&2
  bash scripts/build.sh >&2
fi

exec node examples/team.mjs "$@"
