#!/usr/bin/env bash
# Build the npm package into pkg/.
#
#   scripts/build.sh          release build: cargo --release, wasm-bindgen, wasm-opt -Oz
#   scripts/build.sh --dev    fast build: dev profile, no wasm-opt (not for publishing)
#
# Steps: scripts/setup.sh (skip with SKIP_SETUP=1); cargo build of the cdylib for
# wasm32-unknown-unknown; wasm-bindgen --target web into pkg/ (out-name
# letta_wasm: pkg/letta_wasm.js, letta_wasm_bg.wasm, *.d.ts); wasm-opt in place;
# copy pkg-template/ (minus test-support/) over it; check the package
# (scripts/check-pkg.mjs); size report (table + target/size-report.json).
#
# Env: SKIP_SETUP=1, WASM_BINDGEN_FLAGS="..." (extra wasm-bindgen flags),
#      WASM_OPT_FLAGS="..." (replaces the default -Oz optimisation flags).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DEV=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

die() { echo "build: ERROR: $*" >&2; exit 1; }
step() { echo "build: $*"; }
trap 'echo "build: FAILED (line $LINENO, exit $?)" >&2' ERR

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

# Fail before the slow part if the package template is not there.
[ -d pkg-template ] || die "pkg-template/ missing"
[ -f pkg-template/package.json ] || die "pkg-template/package.json missing: the package needs its manifest"

[ "${SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh

CRATE_LIB=letta_wasm          # [lib] name of the crate (crate `letta-wasm`)
OUT_NAME=letta_wasm           # wasm-bindgen --out-name: pkg/letta_wasm.js + letta_wasm_bg.wasm
OUT_DIR=pkg
TARGET=wasm32-unknown-unknown
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
LOCKED=()
# In CI, a committed Cargo.lock must be up to date (no silent re-resolution).
if [ "${CI:-}" = true ] && [ -f Cargo.lock ] && git ls-files --error-unmatch Cargo.lock >/dev/null 2>&1; then
  LOCKED=(--locked)
fi

# Features rustc 1.95 enables by default for wasm32-unknown-unknown
# (`rustc --print cfg --target wasm32-unknown-unknown`): bulk-memory,
# multivalue, mutable-globals, nontrapping-fptoint, reference-types, sign-ext;
# LLVM's bulk-memory implies bulk-memory-opt and reference-types implies
# call-indirect-overlong. wasm-opt must be told exactly these: with fewer it
# rejects the module (e.g. "memory.fill operations require bulk memory");
# with --all-features it may emit instructions (GC, SIMD, ...) that some
# runtimes lack. (When the module still has its target_features section,
# i.e. Cargo.toml's profile does not `strip = true`, wasm-opt would detect the
# same set; passing it explicitly works either way.)
WASM_FEATURES=(
  --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-multivalue
  --enable-reference-types --enable-call-indirect-overlong
)
read -r -a WASM_OPT_OPT <<< "${WASM_OPT_FLAGS:--Oz --strip-debug --strip-producers --strip-target-features}"
read -r -a WB_EXTRA <<< "${WASM_BINDGEN_FLAGS:-}"

t0=$SECONDS
if [ "$DEV" = 1 ]; then
  PROFILE_DIR=debug
  step "cargo build --lib --target $TARGET (dev profile)"
  cargo build "${LOCKED[@]}" --lib --target "$TARGET"
else
  PROFILE_DIR=release
  step "cargo build --lib --release --target $TARGET"
  cargo build "${LOCKED[@]}" --lib --release --target "$TARGET"
fi
WASM_IN="$TARGET_DIR/$TARGET/$PROFILE_DIR/$CRATE_LIB.wasm"
[ -f "$WASM_IN" ] || die "$WASM_IN not found after cargo build (is [lib] crate-type cdylib?)"
t_cargo=$((SECONDS - t0))

# No --omit-default-module-path: entry/slim.js documents that `init()` with no
# input fetches letta_wasm_bg.wasm next to the glue, which is exactly the
# glue's default `new URL('letta_wasm_bg.wasm', import.meta.url)`. The other
# entries always pass the module/bytes, so the default costs them nothing.
step "wasm-bindgen --target web --out-dir $OUT_DIR --out-name $OUT_NAME${WB_EXTRA[*]:+ ${WB_EXTRA[*]}}"
rm -rf "$OUT_DIR"
wasm-bindgen --target web --out-dir "$OUT_DIR" --out-name "$OUT_NAME" "${WB_EXTRA[@]}" "$WASM_IN"
[ -f "$OUT_DIR/${OUT_NAME}_bg.wasm" ] || die "wasm-bindgen wrote no $OUT_DIR/${OUT_NAME}_bg.wasm"

if [ "$DEV" = 1 ]; then
  step "wasm-opt skipped (--dev)"
else
  WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
  [ -x "$WASM_OPT" ] || die "$WASM_OPT missing: run scripts/setup.sh"
  before=$(stat -c %s "$OUT_DIR/${OUT_NAME}_bg.wasm")
  step "wasm-opt ${WASM_OPT_OPT[*]} ${WASM_FEATURES[*]}"
  "$WASM_OPT" "${WASM_OPT_OPT[@]}" "${WASM_FEATURES[@]}" \
    "$OUT_DIR/${OUT_NAME}_bg.wasm" -o "$OUT_DIR/${OUT_NAME}_bg.wasm.opt"
  mv "$OUT_DIR/${OUT_NAME}_bg.wasm.opt" "$OUT_DIR/${OUT_NAME}_bg.wasm"
  after=$(stat -c %s "$OUT_DIR/${OUT_NAME}_bg.wasm")
  step "wasm-opt: $before -> $after bytes"
fi

# wasm-bindgen's CLI writes no package.json/.gitignore (wasm-pack does); make
# sure none survives, so pkg-template's package.json is the only one and no
# stray .gitignore makes npm pack skip files.
rm -f "$OUT_DIR/package.json" "$OUT_DIR/.gitignore"

step "copying pkg-template/ (without test-support/) into $OUT_DIR/"
# tar keeps the tree, dotfiles and modes; pkg-template's files win over
# wasm-bindgen's on a name clash.
tar -C pkg-template --exclude=./test-support -cf - . | tar -C "$OUT_DIR" -xf -

node scripts/check-pkg.mjs "$OUT_DIR" --out-name "$OUT_NAME"

if [ "$DEV" = 1 ]; then
  step "done in $((SECONDS - t0))s (cargo ${t_cargo}s) [dev build: unoptimised, not for publishing]"
  REPORT="$TARGET_DIR/size-report-dev.json"
else
  step "done in $((SECONDS - t0))s (cargo ${t_cargo}s)"
  REPORT="$TARGET_DIR/size-report.json"
fi
node scripts/size-report.mjs "$OUT_DIR" --json "$REPORT"
