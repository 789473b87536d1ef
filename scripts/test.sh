#!/usr/bin/env bash
# Run every test of letta-wasm, failing fast:
#   1. native    cargo test (all Rust tests, host target)
#      doors     node --test pkg-template/test-support/*.test.mjs (JS doors on a fake
#                engine; no wasm; only if such files exist)
#   2. build     scripts/build.sh (release package in pkg/, size report)
#   3. types     tsc --noEmit over the package's .d.ts files
#   4. wasm      wasm-bindgen tests in Node: cargo test --target wasm32-unknown-unknown --test wasm_node
#                (only if tests/wasm_node.rs exists)
#   5. browser   the same in headless Chromium: --test wasm_browser
#                (only if tests/wasm_browser.rs exists; needs `scripts/setup.sh --browser`)
#   6. js        npm pack pkg/ into target/pack/, install the tarball into tests/js/
#                and run `node --test` over tests/js/*.test.mjs (only if tests/js/package.json exists)
#
#   scripts/test.sh [--dev] [--skip-build]
#     --dev         build the package with `build.sh --dev` (fast, unoptimised)
#     --skip-build  use the pkg/ already built (same as SKIP_BUILD=1)
# Env to skip steps for local iteration: SKIP_NATIVE=1 SKIP_DOORS=1 SKIP_BUILD=1 SKIP_TYPES=1
#   SKIP_WASM=1 SKIP_BROWSER=1 SKIP_JS=1. Extra `node --test` args: NODE_TEST_ARGS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD_ARGS=()
for arg in "$@"; do
  case "$arg" in
    --dev) BUILD_ARGS+=(--dev) ;;
    --skip-build) SKIP_BUILD=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

T_START=$SECONDS
CURRENT=""
T_STEP=0
SUMMARY=()
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
LOCKED=()
if [ "${CI:-}" = true ] && [ -f Cargo.lock ] && git ls-files --error-unmatch Cargo.lock >/dev/null 2>&1; then
  LOCKED=(--locked)
fi

begin() { # begin <name> <description>
  CURRENT="$1"
  T_STEP=$SECONDS
  echo
  echo "==================== [$1] $2 ===================="
}
end() { SUMMARY+=("$CURRENT ok ($((SECONDS - T_STEP))s)"); CURRENT=""; }
skip() { # skip <name> <reason>
  echo
  echo "==================== [$1] SKIPPED: $2 ===================="
  SUMMARY+=("$1 skipped")
}
on_exit() {
  local rc=$?
  echo
  if [ "$rc" -ne 0 ]; then
    [ -n "$CURRENT" ] && SUMMARY+=("$CURRENT FAILED ($((SECONDS - T_STEP))s)")
    echo "test: FAILED (exit $rc) — ${SUMMARY[*]/%/;} total $((SECONDS - T_START))s"
  else
    echo "test: ALL PASSED — ${SUMMARY[*]/%/;} total $((SECONDS - T_START))s"
  fi
}
trap on_exit EXIT

# 0. tools: everything the steps below need, installed once (idempotent; fast when present).
# The browser tests need Debian's Chromium; .ci/run has already done this (SKIP_SETUP=1).
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  SETUP_ARGS=()
  if [ -f tests/wasm_browser.rs ] || [ -d tests/e2e ] || [ -d tests/packaging ]; then
    SETUP_ARGS+=(--browser)
  fi
  scripts/setup.sh "${SETUP_ARGS[@]}"
  export SKIP_SETUP=1 # build.sh need not run it again
fi

# 1. native Rust tests --------------------------------------------------------
if [ "${SKIP_NATIVE:-0}" = 1 ]; then
  skip native "SKIP_NATIVE=1"
else
  begin native "cargo test (host)"
  cargo test "${LOCKED[@]}"
  end
fi

# 1b. JS doors against a fake engine (no wasm needed) ----------------------------
shopt -s nullglob
DOOR_TESTS=(pkg-template/test-support/*.test.mjs)
shopt -u nullglob
if [ "${SKIP_DOORS:-0}" = 1 ]; then
  skip doors "SKIP_DOORS=1"
elif [ ${#DOOR_TESTS[@]} -eq 0 ]; then
  skip doors "no pkg-template/test-support/*.test.mjs"
else
  begin doors "node --test pkg-template/test-support/ (JS doors, fake engine, ${#DOOR_TESTS[@]} file(s))"
  # shellcheck disable=SC2086  # NODE_TEST_ARGS is a list of flags
  node --test ${NODE_TEST_ARGS:-} "${DOOR_TESTS[@]}"
  end
fi

# 2. package build ------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" = 1 ]; then
  skip build "SKIP_BUILD=1, using the existing pkg/"
  [ -f pkg/package.json ] || { echo "test: pkg/ is not built; run without SKIP_BUILD" >&2; exit 1; }
else
  begin build "scripts/build.sh${BUILD_ARGS[*]:+ ${BUILD_ARGS[*]}}"
  scripts/build.sh "${BUILD_ARGS[@]}"
  end
fi

# 3. TypeScript declarations ----------------------------------------------------
mapfile -t DTS < <(cd pkg && find . -name '*.d.ts' -not -path './node_modules/*' | sort)
if [ "${SKIP_TYPES:-0}" = 1 ]; then
  skip types "SKIP_TYPES=1"
elif [ ${#DTS[@]} -eq 0 ]; then
  skip types "no .d.ts files in pkg/"
else
  begin types "tsc --noEmit over ${#DTS[@]} .d.ts file(s) in pkg/"
  # Declarations are checked as a consumer sees them: strict, NodeNext
  # resolution, lib ES2022 + DOM (fetch, Request, Response, WebAssembly) +
  # esnext.disposable (wasm-bindgen declares [Symbol.dispose]()).
  (cd pkg && "$ROOT/node_modules/.bin/tsc" --noEmit --strict \
     --target es2022 --module nodenext --moduleResolution nodenext --lib es2022,esnext.disposable,dom \
     "${DTS[@]}")
  end
fi

# 4. wasm-bindgen tests in Node -------------------------------------------------
if [ "${SKIP_WASM:-0}" = 1 ]; then
  skip wasm "SKIP_WASM=1"
elif [ ! -f tests/wasm_node.rs ]; then
  skip wasm "no tests/wasm_node.rs"
else
  begin wasm "cargo test --target wasm32-unknown-unknown --test wasm_node (Node)"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test "${LOCKED[@]}" --target wasm32-unknown-unknown --test wasm_node
  end
fi

# 5. wasm-bindgen tests in headless Chromium -----------------------------------
if [ "${SKIP_BROWSER:-0}" = 1 ]; then
  skip browser "SKIP_BROWSER=1"
elif [ ! -f tests/wasm_browser.rs ]; then
  skip browser "no tests/wasm_browser.rs"
elif [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
  if [ "${CI:-}" = true ]; then
    echo "test: tests/wasm_browser.rs exists but chromium/chromedriver are missing: run scripts/setup.sh --browser" >&2
    exit 1
  fi
  skip browser "chromium/chromedriver missing (scripts/setup.sh --browser)"
else
  begin browser "cargo test --target wasm32-unknown-unknown --test wasm_browser (headless Chromium)"
  # The runner adds --headless --no-sandbox --disable-dev-shm-usage itself;
  # these keep Chromium off the closed network and out of $HOME.
  mkdir -p "$TARGET_DIR"
  WDJ="$ROOT/$TARGET_DIR/webdriver.json"
  PROFILE="$ROOT/$TARGET_DIR/chromium-profile"   # fresh every run
  rm -rf "$PROFILE"
  mkdir -p "$PROFILE"
  cat > "$WDJ" <<EOF
{ "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": [
  "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--user-data-dir=$PROFILE" ] } }
EOF
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$WDJ" CHROMEDRIVER=/usr/bin/chromedriver \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test "${LOCKED[@]}" --target wasm32-unknown-unknown --test wasm_browser
  end
fi

# 6. JS tests against the packed package ----------------------------------------
if [ "${SKIP_JS:-0}" = 1 ]; then
  skip js "SKIP_JS=1"
elif [ ! -f tests/js/package.json ]; then
  skip js "no tests/js/package.json"
else
  shopt -s nullglob
  JS_TESTS=(tests/js/*.test.mjs)
  shopt -u nullglob
  if [ ${#JS_TESTS[@]} -eq 0 ]; then
    skip js "no tests/js/*.test.mjs"
  else
    begin js "npm pack pkg/ -> $TARGET_DIR/pack/, install into tests/js/, node --test (${#JS_TESTS[@]} file(s))"
    PACK_DIR="$ROOT/$TARGET_DIR/pack"
    rm -rf "$PACK_DIR"
    mkdir -p "$PACK_DIR"
    TARBALL="$(cd pkg && npm pack --silent --ignore-scripts --pack-destination "$PACK_DIR" | tail -n1)"
    TARBALL="$PACK_DIR/$TARBALL"
    [ -f "$TARBALL" ] || { echo "test: npm pack produced no tarball ($TARBALL)" >&2; exit 1; }
    echo "packed: $TARBALL ($(stat -c %s "$TARBALL") bytes)"
    PKG_NAME="$(node -p 'require("./pkg/package.json").name')"
    # Drop any earlier install so the new tarball always replaces it.
    rm -rf "tests/js/node_modules/$PKG_NAME"
    (cd tests/js && npm install --no-save --no-audit --no-fund "$TARBALL")
    # shellcheck disable=SC2086  # NODE_TEST_ARGS is a list of flags
    (cd tests/js && node --test ${NODE_TEST_ARGS:-} "${JS_TESTS[@]#tests/js/}")
    end
  fi
fi

# 7. The team example (the README's first command) checks its own outcome ------
if [ "${SKIP_EXAMPLES:-0}" = 1 ]; then
  skip examples "SKIP_EXAMPLES=1"
elif [ ! -f examples/team.mjs ]; then
  skip examples "no examples/team.mjs"
else
  begin examples "node examples/team.mjs --scripted (exits non-zero unless the team did its job)"
  node examples/team.mjs --scripted >"$ROOT/$TARGET_DIR/team-example.log" 2>&1 \
    || { cat "$ROOT/$TARGET_DIR/team-example.log"; echo "test: the team example failed" >&2; exit 1; }
  tail -n 3 "$ROOT/$TARGET_DIR/team-example.log"
  end
fi

# ==== 8. tests/sdk: the HTTP door and the 1.x door against the official SDKs ======================
# (section maintained with tests/sdk/; keep it self-contained)
# The official @letta-ai/letta-client 1.12.1 and 0.1.211, the Python letta-client (PyPI) over loopback
# HTTP, the Worker example in workerd (miniflare), and the 1.x types, all against the packed package.
# Idempotent: `npm ci` only when tests/sdk/package-lock.json changed since the last install; the Python
# client goes into $TARGET_DIR/venv only when missing.
if [ "${SKIP_SDK:-0}" = 1 ]; then
  skip sdk "SKIP_SDK=1"
elif [ ! -f tests/sdk/package.json ]; then
  skip sdk "no tests/sdk/package.json"
else
  begin sdk "official Letta SDKs (JS 1.x + 0.x, Python) and workerd against the fetch handler (tests/sdk)"
  SDK_DIR="$ROOT/tests/sdk"
  if ! cmp -s "$SDK_DIR/package-lock.json" "$SDK_DIR/node_modules/.letta-ci-lock"; then
    (cd "$SDK_DIR" && npm ci --no-audit --no-fund)
    cp "$SDK_DIR/package-lock.json" "$SDK_DIR/node_modules/.letta-ci-lock"
  fi
  SDK_VENV="$ROOT/$TARGET_DIR/venv"
  if ! "$SDK_VENV/bin/python" -c 'import letta_client' >/dev/null 2>&1; then
    python3 -m venv "$SDK_VENV"
    "$SDK_VENV/bin/pip" install --quiet --disable-pip-version-check 'letta-client==1.12.1'
  fi
  SDK_PACK="$ROOT/$TARGET_DIR/pack-sdk"
  rm -rf "$SDK_PACK"
  mkdir -p "$SDK_PACK"
  (cd pkg && npm pack --silent --ignore-scripts --pack-destination "$SDK_PACK" >/dev/null)
  SDK_TARBALL="$(ls "$SDK_PACK"/*.tgz | head -n1)"
  [ -f "$SDK_TARBALL" ] || { echo "test: npm pack produced no tarball in $SDK_PACK" >&2; exit 1; }
  rm -rf "$SDK_DIR/node_modules/letta-wasm"
  (cd "$SDK_DIR" && npm install --no-save --no-audit --no-fund "$SDK_TARBALL")
  # shellcheck disable=SC2086  # NODE_TEST_ARGS is a list of flags
  (cd "$SDK_DIR" && LETTA_SDK_PYTHON="$SDK_VENV/bin/python" node --test ${NODE_TEST_ARGS:-} ./*.test.mjs)
  end
fi
# ==== end of section 8 (tests/sdk) =================================================================

# ==== 9. tests/packaging: the packed package in every runtime, and the www/ demo end to end ========
# (section maintained with tests/packaging/ and www/; keep it self-contained)
# npm pack of pkg/ installed into tests/packaging/, then node --test: a Node ESM script, a page bundled
# with Vite, a plain <script type="module"> page, a module Web Worker (headless Chromium via
# playwright-core, /usr/bin/chromium), a Cloudflare Worker in workerd (miniflare), and the demo (www/)
# on the scripted team with a reload and a reset (screenshot: $TARGET_DIR/screenshots/www-demo.png).
# Idempotent: `npm ci` only when tests/packaging/package-lock.json changed since the last install.
# Skip with SKIP_PACKAGING=1.
if [ "${SKIP_PACKAGING:-0}" = 1 ]; then
  skip packaging "SKIP_PACKAGING=1"
elif [ ! -f tests/packaging/package.json ]; then
  skip packaging "no tests/packaging/package.json"
else
  begin packaging "packed package in Node, Vite, <script type=module>, Web Worker, workerd; www/ demo e2e (tests/packaging)"
  PKGT_DIR="$ROOT/tests/packaging"
  if ! cmp -s "$PKGT_DIR/package-lock.json" "$PKGT_DIR/node_modules/.letta-ci-lock"; then
    (cd "$PKGT_DIR" && npm ci --no-audit --no-fund)
    cp "$PKGT_DIR/package-lock.json" "$PKGT_DIR/node_modules/.letta-ci-lock"
  fi
  PKGT_PACK="$ROOT/$TARGET_DIR/pack-packaging"
  rm -rf "$PKGT_PACK"
  mkdir -p "$PKGT_PACK"
  (cd pkg && npm pack --silent --ignore-scripts --pack-destination "$PKGT_PACK" >/dev/null)
  PKGT_TARBALL="$(ls "$PKGT_PACK"/*.tgz | head -n1)"
  [ -f "$PKGT_TARBALL" ] || { echo "test: npm pack produced no tarball in $PKGT_PACK" >&2; exit 1; }
  rm -rf "$PKGT_DIR/node_modules/letta-wasm"
  (cd "$PKGT_DIR" && npm install --no-save --no-audit --no-fund "$PKGT_TARBALL")
  # shellcheck disable=SC2086  # NODE_TEST_ARGS is a list of flags
  (cd "$PKGT_DIR" && node --test ${NODE_TEST_ARGS:-} ./*.test.mjs)
  end
fi
# ==== end of section 9 (tests/packaging) ===========================================================

# ==== 10. tests/e2e: persistence end to end (Chromium, workerd) =====================================
# (section maintained with tests/e2e/; keep it self-contained)
# Debian's Chromium driven by playwright-core against pages served from 127.0.0.1 (pkg/ and
# tests/e2e/pages/): a team survives a reload (its queued agent message runs after it), two tabs edit
# one shared block with nothing lost, a page closed mid-run leaves the last committed step, storage
# failures (no IndexedDB, newer schema, blocked upgrade, quota) give clear errors; the host store in
# Node; examples/durable-object/ in workerd (miniflare) across restarts of the runtime.
# `npm ci` only when tests/e2e/package-lock.json changed since the last install (playwright-core
# downloads no browser; Chromium comes from `scripts/setup.sh --browser`). Skip with SKIP_E2E=1.
if [ "${SKIP_E2E:-0}" = 1 ]; then
  skip e2e "SKIP_E2E=1"
elif [ ! -f tests/e2e/package.json ]; then
  skip e2e "no tests/e2e/package.json"
else
  begin e2e "persistence end to end: Chromium (playwright-core) + workerd (miniflare) (tests/e2e)"
  # Without Chromium the browser tests skip themselves (locally); CI must run them.
  if [ ! -x /usr/bin/chromium ]; then
    if [ "${CI:-}" = true ]; then
      echo "test: tests/e2e needs /usr/bin/chromium: run scripts/setup.sh --browser" >&2
      exit 1
    fi
    echo "test: /usr/bin/chromium missing: the browser tests of tests/e2e are skipped (scripts/setup.sh --browser)"
  fi
  E2E_DIR="$ROOT/tests/e2e"
  if ! cmp -s "$E2E_DIR/package-lock.json" "$E2E_DIR/node_modules/.letta-ci-lock"; then
    (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
    cp "$E2E_DIR/package-lock.json" "$E2E_DIR/node_modules/.letta-ci-lock"
  fi
  # Bounded: every test has a timeout, and a file whose test leaves a handle open (a browser or workerd
  # that failed to stop) still ends.
  # shellcheck disable=SC2086  # NODE_TEST_ARGS is a list of flags
  (cd "$E2E_DIR" && LETTA_PKG_DIR="$ROOT/pkg" node --test --test-force-exit --test-timeout=180000 ${NODE_TEST_ARGS:-} ./*.test.mjs)
  end
fi
# ==== end of section 10 (tests/e2e) ================================================================
