#!/usr/bin/env bash
# End-to-end test of the `tapegrad serve` playground in headless Chromium.
#
# Installs what it needs when it is missing: Debian's chromium and chromium-driver (apt-get),
# and playwright-core from package-lock.json (npm ci; it drives the Debian browser and
# downloads none of its own). Builds the tapegrad binary, then runs playground.mjs against it.
# E2E_SCREENSHOTS=DIR keeps screenshots of each stage there.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "e2e: installing chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
if [ ! -d node_modules/playwright-core ]; then
  echo "e2e: installing playwright-core"
  npm ci --no-audit --no-fund --loglevel=error
fi

cargo build --quiet --bin tapegrad
TAPEGRAD_BIN="${CARGO_TARGET_DIR:-$(cd ../.. && pwd)/target}/debug/tapegrad" node playground.mjs
