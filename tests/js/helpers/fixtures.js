// Where the JavaScript tests find their inputs (the same rules as tests/test_paths.h):
//   vendored small fixtures   tests/fixtures/ (quants, chat-templates, eval-sample.txt)
//   tokenizer vectors         llama.cpp's models/ggml-vocab-*, in build/llama.cpp (scripts/setup.sh)
//   the 28M fixture models    $WEBGGUF_FIXTURES when set, else ../shared beside the repository
//   the wasm modules          $WEBGGUF_WASM_DIR when set (absolute, or relative to the current
//                             folder, as js/wasm_module.js reads it), else dist/wasm
// A clone without the fixtures folder skips the tests that need the models (`{ skip: needsModels }`)
// and says so once; a missing or stale wasm build is an error, never a skip.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const FIXTURES_DIR = process.env.WEBGGUF_FIXTURES ? resolve(process.env.WEBGGUF_FIXTURES) : resolve(ROOT, '../shared');

/** A fixture of the fixtures folder, named as under ../shared ('models/lexi-28m-f16.gguf'). */
export function sharedPath(relative) {
  return join(FIXTURES_DIR, relative);
}

/** A file of llama.cpp's source checkout ('models/ggml-vocab-qwen2.gguf'). */
export function llamaCppPath(relative) {
  return join(ROOT, 'build/llama.cpp', relative);
}

/** A small fixture vendored in tests/fixtures ('chat-templates/', 'eval-sample.txt'). */
export function vendoredPath(relative) {
  return join(ROOT, 'tests/fixtures', relative);
}

export const NEEDS_MODELS = 'needs the fixture models: set WEBGGUF_FIXTURES';

// A WEBGGUF_FIXTURES that names no folder fails the tests that read it, rather than skipping them.
const modelsPresent = Boolean(process.env.WEBGGUF_FIXTURES) || existsSync(FIXTURES_DIR);

/** `{ skip: needsModels }` on a test that reads the fixture models, their references or eval.txt. */
export const needsModels = modelsPresent ? false : NEEDS_MODELS;

export const WASM_DIR = process.env.WEBGGUF_WASM_DIR ? resolve(process.env.WEBGGUF_WASM_DIR) : join(ROOT, 'dist/wasm');

const SOURCE_FOLDERS = ['src', 'cmake'];
const SOURCE_FILES = ['CMakeLists.txt'];

function newestSource() {
  let newest = { file: '', mtimeMs: 0 };
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    } else if (stat.mtimeMs > newest.mtimeMs) {
      newest = { file: path, mtimeMs: stat.mtimeMs };
    }
  };
  for (const folder of SOURCE_FOLDERS) visit(join(ROOT, folder));
  for (const file of SOURCE_FILES) visit(join(ROOT, file));
  return newest;
}

/**
 * The path of a built wasm module file in WASM_DIR ('webgguf-st-node.cjs'); throws when it is missing
 * or older than a source file it is built from (dist/wasm/ copied from an older build).
 */
export function wasmModulePath(file) {
  const path = join(WASM_DIR, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (or set WEBGGUF_WASM_DIR)`);
  const newest = newestSource();
  if (statSync(path).mtimeMs < newest.mtimeMs) {
    throw new Error(`${path} is older than ${newest.file}: run \`npm run build\``);
  }
  return path;
}
