#!/usr/bin/env bash
# Sets up, type-checks the package, builds and runs every test: native C++ (ctest), the same C++ tests compiled to wasm
# and run under Node (ctest), and the JavaScript tests (node --test).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scripts/setup.sh
echo "== type check of the package (tsc: js/ with checkJs against js/index.d.ts)"
node_modules/.bin/tsc -p tsconfig.json
scripts/build.sh native wasm

# Reports of this run only: the line counting the tests skipped without the fixture models reads them.
rm -rf build/native/test-reports build/wasm-st/test-reports build/js-test-reports
mkdir -p build/js-test-reports

echo "== native C++ tests"
ctest --test-dir build/native --output-on-failure -j 2
echo "== wasm C++ tests (Node)"
ctest --test-dir build/wasm-st --output-on-failure -j 2
echo "== JavaScript tests"
node --test --test-reporter=spec --test-reporter-destination=stdout \
     --test-reporter=tap --test-reporter-destination=build/js-test-reports/js.tap tests/js/ tests/browser/
node scripts/fixture_skips.mjs build/native/test-reports build/wasm-st/test-reports build/js-test-reports
echo "== all tests passed in $(( SECONDS - start )) s"
