#!/usr/bin/env bash
# Sets up, builds the wasm modules, and serves the demo page on http://localhost:8080
# with COOP/COEP headers (threads enabled).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh wasm
exec node scripts/serve.mjs --port "${PORT:-8080}"
