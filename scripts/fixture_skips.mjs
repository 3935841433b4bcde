// Counts the tests skipped because the fixture models are absent (tests/test_paths.h,
// tests/js/helpers/fixtures.js) in gtest JSON reports (*.json) and node --test TAP reports (*.tap),
// and prints the one line a clone without them shows. Prints nothing when none was skipped.
//   node scripts/fixture_skips.mjs REPORT_OR_FOLDER...
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TAP_SKIP = /^\s*ok \d+ - .* # SKIP needs the fixture models/;

function reports(path) {
  if (!existsSync(path)) throw new Error(`fixture_skips: ${path} is missing: did the tests run?`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => reports(join(path, name)));
}

function skippedInGtestJson(text) {
  const report = JSON.parse(text);
  return report.testsuites.flatMap((suite) => suite.testsuite)
    .filter((test) => test.result === 'SKIPPED' && test.needs_fixture_models === 'true').length;
}

let count = 0;
for (const file of process.argv.slice(2).flatMap(reports)) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) count += skippedInGtestJson(text);
  else if (file.endsWith('.tap')) count += text.split('\n').filter((line) => TAP_SKIP.test(line)).length;
}
if (count > 0) console.log(`${count} tests need the fixture models: set WEBGGUF_FIXTURES`);
