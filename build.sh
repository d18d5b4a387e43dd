#!/usr/bin/env bash
# AutoChat's one build script.
#   ./build.sh              build the extension into dist/ and the store zip, installing what is missing
#   ./build.sh test         every check and test: fmt, clippy, native tests, the protocol's types,
#                           JavaScript lint, build, Firefox package lint, end-to-end in
#                           Chromium and Firefox ESR
#   ./build.sh bench        build, then run the benchmark (not part of the tests)
#   ./build.sh screenshots  build, then refresh README's screenshots in docs/screenshots/
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
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/tsc ] || [ ! -x node_modules/.bin/biome ] || [ ! -d node_modules/standardwebhooks ] \
    || [ ! -x node_modules/.bin/addons-linter ] || [ ! -d node_modules/puppeteer-core ]; then
    say "Installing build and test tools from npm (binaryen, playwright-core, puppeteer-core, typescript, biome, addons-linter, standardwebhooks)"
    npm ci --no-audit --no-fund
  fi
}

# The version comes from the workspace's Cargo.toml alone; dist/manifest.json gets it written in.
version() {
  awk -F'"' '/^\[workspace.package\]/ { inside = 1 } inside && /^version = / { print $2; exit }' Cargo.toml
}

# package DIR [CARGO_FEATURES] [EXTRA_HOSTS] [DROPPED_PERMISSIONS] [BROWSER]: compiles the web crate
# to wasm and lays out a loadable extension; EXTRA_HOSTS (space-separated match patterns) are
# granted up front, and DROPPED_PERMISSIONS (space-separated) are left out. BROWSER=firefox
# applies manifest.firefox.json, the one place where the browsers differ, as a JSON merge patch
# (RFC 7396: a null removes a key).
package() {
  local dir=$1 features=${2:-} hosts=${3:-} dropped=${4:-} browser=${5:-chromium}
  cargo build --release --locked --target wasm32-unknown-unknown -p autochat-web ${features:+--features "$features"}
  rm -rf "$dir"
  mkdir -p "$dir/pkg"
  # The reset function lets the worker start a fresh instance of the same module: after a trap,
  # and to give back the memory a burst grew (wasm memory never shrinks).
  wasm-bindgen --target web --no-typescript --experimental-reset-state-function --out-dir "$dir/pkg" \
    target/wasm32-unknown-unknown/release/autochat.wasm
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$dir/pkg/autochat_bg.wasm" -o "$dir/pkg/autochat_bg.wasm"
  cp -r background content popup options icons _locales "$dir/"
  cp PRIVACY.md "$dir/PRIVACY.txt" # shown as text by the options page's link
  node -e '
    const fs = require("fs");
    const [source, target, version, hosts, dropped, patchFile] = process.argv.slice(1);
    const merge = (base, patch) => {
      if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
      const out = base && typeof base === "object" && !Array.isArray(base) ? { ...base } : {};
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete out[key];
        else out[key] = merge(out[key], value);
      }
      return out;
    };
    let manifest = JSON.parse(fs.readFileSync(source, "utf8"));
    if (patchFile) manifest = merge(manifest, JSON.parse(fs.readFileSync(patchFile, "utf8")));
    const extra = hosts.split(" ").filter(Boolean);
    manifest.host_permissions = [...manifest.host_permissions, ...extra];
    const gone = dropped.split(" ").filter(Boolean);
    manifest.permissions = manifest.permissions.filter((p) => !gone.includes(p));
    fs.writeFileSync(target, JSON.stringify({ ...manifest, version }, null, 2) + "\n");
  ' manifest.json "$dir/manifest.json" "$(version)" "$hosts" "$dropped" \
    "$([ "$browser" = firefox ] && echo manifest.firefox.json || true)"
}

# zip DIR FILE: the store package, byte for byte the same for the same sources: entries sorted,
# one fixed timestamp and mode, no extra fields.
zip_dir() {
  rm -f "$2"
  python3 - "$1" "$2" <<'PY2'
import os, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
paths = sorted(
    os.path.relpath(os.path.join(root, f), source)
    for root, _, files in os.walk(source) for f in files
)
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for rel in paths:
        info = zipfile.ZipInfo(rel.replace(os.sep, "/"), date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.create_system = 3
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(source, rel), "rb") as f:
            z.writestr(info, f.read(), compresslevel=9)
PY2
}

build() {
  ensure_tools
  say "Compiling the core to wasm"
  package dist
  say "Laying out the Firefox package"
  package dist-firefox "" "" "" firefox
  local zip firefox_zip
  zip="autochat-$(version).zip"
  firefox_zip="autochat-$(version)-firefox.zip"
  zip_dir dist "$zip"
  zip_dir dist-firefox "$firefox_zip"
  say "Building the local webhook inspector"
  cargo build --release --locked -p autochat-listen
  local wasm=dist/pkg/autochat_bg.wasm glue=dist/pkg/autochat.js
  say "Built dist/ and dist-firefox/ (load them unpacked), the store zips and target/release/autochat-listen"
  printf '  %-34s %8s bytes  sha256 %s\n' \
    "$zip" "$(stat -c %s "$zip")" "$(sha256sum "$zip" | cut -c1-16)" \
    "$firefox_zip" "$(stat -c %s "$firefox_zip")" "$(sha256sum "$firefox_zip" | cut -c1-16)"
  printf '  %-34s %8s bytes raw  %8s bytes gzipped\n' \
    "$wasm" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)" \
    "$glue" "$(stat -c %s "$glue")" "$(gzip -9 -c "$glue" | wc -c)"
}

# The end-to-end suite's build: the shipped sources with the `e2e` policies (campaign waits down to
# 0.1 s), the chat services' hosts granted up front (no permission prompt can be answered
# headless; the tests map those names to fakes on 127.0.0.1), and without unlimitedStorage, so a
# test can fill the 10 MB quota and watch AutoChat keep its promises. It is never packaged.
E2E_HOSTS="https://hooks.slack.com/* https://discord.com/* https://*.environment.api.powerplatform.com/* https://chat.googleapis.com/* https://api.telegram.org/*"
build_for_tests() {
  say "Building dist-test/ and dist-firefox-test/ for the end-to-end tests"
  package dist-test e2e "$E2E_HOSTS" unlimitedStorage
  package dist-firefox-test e2e "" unlimitedStorage firefox
}

# Mozilla's addons-linter (what `web-ext lint` runs) on the Firefox package: no errors, and no
# warnings either.
lint_firefox_package() {
  say "Linting the Firefox package with addons-linter"
  node_modules/.bin/addons-linter --warnings-as-errors --output text dist-firefox
}

# The store zips are reproducible: packing a copy of dist/ whose files all carry other times
# must give the same bytes.
check_reproducible_zips() {
  local copy zip
  copy=$(mktemp -d)
  for dir in dist dist-firefox; do
    zip="autochat-$(version)$([ "$dir" = dist-firefox ] && echo -firefox || true).zip"
    rm -rf "$copy/$dir"
    cp -r "$dir" "$copy/$dir"
    find "$copy/$dir" -exec touch -d '2001-02-03 04:05:06' {} +
    zip_dir "$copy/$dir" "$copy/$dir.zip"
    cmp -s "$zip" "$copy/$dir.zip" || die "$zip is not reproducible: packing the same files again gave other bytes"
  done
  rm -rf "$copy"
  echo "The store zips are reproducible (the same files give the same bytes)."
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

ensure_firefox() {
  if [ -n "${FIREFOX:-}" ]; then return; fi
  export FIREFOX=/usr/bin/firefox-esr
  if [ ! -x "$FIREFOX" ]; then
    [ "$(id -u)" = 0 ] || die "Firefox is needed for the end-to-end tests: sudo apt-get install firefox-esr (or set FIREFOX=/path/to/firefox)"
    say "Installing Firefox ESR from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null
  fi
}

# README's protocol table must name every command in the generated declarations, and no other.
check_readme_protocol() {
  node -e '
    const fs = require("fs");
    const types = fs.readFileSync("types/protocol.d.ts", "utf8");
    const table = types.slice(types.indexOf("export interface Replies"));
    const declared = [...table.matchAll(/^  (\w+): (\w+);$/gm)].map((m) => `${m[1]} → ${m[2]}`);
    const readme = fs.readFileSync("README.md", "utf8");
    const documented = [...readme.matchAll(/^\| `(\w+)` \|.*\| `(\w+)` \|$/gm)].map((m) => `${m[1]} → ${m[2]}`);
    const missing = declared.filter((d) => !documented.includes(d));
    const stale = documented.filter((d) => !declared.includes(d));
    if (missing.length || stale.length) {
      console.error("README.md protocol table is out of step with the Rust protocol:");
      for (const m of missing) console.error("  missing: " + m);
      for (const s of stale) console.error("  stale:   " + s);
      process.exit(1);
    }
    console.log(`README protocol table matches the ${declared.length} commands.`);
  '
}

run_tests() {
  ensure_tools
  say "Formatting and lints"
  cargo fmt --all --check
  cargo clippy --locked --workspace --all-targets -- -D warnings
  cargo clippy --locked -p autochat-web --target wasm32-unknown-unknown -- -D warnings
  node_modules/.bin/biome ci .
  say "Translations against each other and against the pages"
  node --test --test-reporter=spec tests/unit/
  say "Native tests (and the protocol's TypeScript declarations, types/protocol.d.ts)"
  cargo test --locked --workspace --features autochat-core/ts
  build
  say "Type-checking the pages and scripts against the protocol"
  wasm-bindgen --target web --experimental-reset-state-function --out-dir types/pkg \
    target/wasm32-unknown-unknown/release/autochat.wasm
  node_modules/.bin/tsc -p .
  check_readme_protocol
  check_reproducible_zips
  lint_firefox_package
  build_for_tests
  ensure_chromium
  ensure_firefox
  say "End-to-end tests in Chromium and Firefox"
  node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
}

case "${1:-build}" in
  build) build ;;
  test) run_tests ;;
  bench) build; ensure_chromium; AUTOCHAT_DIST=dist node bench/run.mjs ;;
  screenshots) build; build_for_tests; ensure_chromium; SCREENSHOTS=docs/screenshots node --test --test-concurrency=1 tests/e2e/ui.test.mjs tests/e2e/campaign.test.mjs tests/e2e/i18n.test.mjs ;;
  *) die "unknown command '$1' (use: build, test, bench or screenshots)" ;;
esac
