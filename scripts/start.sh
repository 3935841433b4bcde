#!/usr/bin/env bash
# Sets up, builds the wasm modules, and serves the demo page on http://127.0.0.1:8080 with
# COOP/COEP headers (threads enabled). Only this machine can reach it; `npm start -- --lan`
# (or HOST=0.0.0.0) serves it to the local network. PORT changes the port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh wasm
exec node scripts/serve.mjs "$@"
