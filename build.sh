#!/usr/bin/env bash
# AutoChat's one build script.
#   ./build.sh          build the extension into dist/ and the store zip, installing what is missing
#   ./build.sh test     every check and test: fmt, clippy, native tests, build, end-to-end in Chromium
#   ./build.sh bench    build, then run the benchmark (not part of the tests)
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen CLI must match the crate exactly; the version comes from Cargo.lock.
bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_tools() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup (https://rustup.rs)"
  command -v npm >/dev/null || die "npm is missing: install Node.js 20 or newer"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want have
  want=$(bindgen_version)
  [ -n "$want" ] || die "Cargo.lock does not pin wasm-bindgen"
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "Installing wasm-bindgen-cli $want (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ]; then
    say "Installing build and test tools from npm (binaryen, playwright-core)"
    npm ci --no-audit --no-fund
  fi
}

build() {
  ensure_tools
  say "Compiling the core to wasm"
  cargo build --release --locked --target wasm32-unknown-unknown
  rm -rf dist
  mkdir -p dist/pkg
  wasm-bindgen --target web --no-typescript --out-dir dist/pkg target/wasm32-unknown-unknown/release/autochat.wasm
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    dist/pkg/autochat_bg.wasm -o dist/pkg/autochat_bg.wasm
  cp -r manifest.json background content popup options icons dist/
  local version zip
  version=$(node -p 'require("./manifest.json").version')
  zip="autochat-$version.zip"
  rm -f "$zip"
  python3 - "$zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in sorted(os.walk("dist")):
        for f in sorted(files):
            path = os.path.join(root, f)
            z.write(path, os.path.relpath(path, "dist"))
PY
  local wasm=dist/pkg/autochat_bg.wasm glue=dist/pkg/autochat.js
  say "Built dist/ (load it unpacked) and $zip (for the store)"
  printf '  %-28s %8s bytes raw  %8s bytes gzipped\n' \
    "$wasm" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)" \
    "$glue" "$(stat -c %s "$glue")" "$(gzip -9 -c "$glue" | wc -c)"
}

ensure_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then return; fi
  export CHROMIUM=/usr/bin/chromium
  if [ ! -x "$CHROMIUM" ]; then
    [ "$(id -u)" = 0 ] || die "Chromium is needed for the end-to-end tests: sudo apt-get install chromium (or set CHROMIUM=/path/to/chrome)"
    say "Installing Chromium from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
  fi
}

run_tests() {
  ensure_tools
  say "Formatting and lints"
  cargo fmt --check
  cargo clippy --locked --all-targets -- -D warnings
  cargo clippy --locked --target wasm32-unknown-unknown -- -D warnings
  say "Native tests"
  cargo test --locked
  build
  ensure_chromium
  say "End-to-end tests in Chromium"
  node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
}

case "${1:-build}" in
  build) build ;;
  test) run_tests ;;
  bench) build; ensure_chromium; node bench/run.mjs ;;
  *) die "unknown command '$1' (use: build, test or bench)" ;;
esac
