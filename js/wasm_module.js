/**
 * Finds and instantiates the wasm engine module: the threaded build (pthreads + SIMD) when
 * SharedArrayBuffer is usable (cross-origin-isolated pages, Node), else the single-threaded build.
 *
 * Node loads the CommonJS flavour through createRequire and hands it the .wasm bytes (Emscripten
 * 3.1.6 would otherwise try a fetch() of a file path); browsers import the ES module flavour.
 * @module wasm_module
 */

import { IS_NODE } from './worker_port.js';
import { WebggufError } from './errors.js';

/** Where the build puts the modules, relative to this file. */
export const DEFAULT_WASM_BASE_URL = new URL('../dist/wasm/', import.meta.url);

/**
 * @typedef {object} LoadedWasm
 * @property {any} module the Emscripten module (Embind classes, HEAPU8)
 * @property {'mt' | 'st'} variant
 * @property {string | undefined} fallbackReason why the threaded build was not used
 */

/**
 * @param {'mt' | 'st'} variant
 * @param {URL} baseUrl
 * @param {(text: string) => void} printErr receives what the native code writes to stderr
 * @returns {Promise<any>}
 */
async function instantiateNode(variant, baseUrl, printErr) {
  const [{ createRequire }, fs, { fileURLToPath }] = await Promise.all([
    import('node:module'), import('node:fs'), import('node:url'),
  ]);
  const scriptPath = fileURLToPath(new URL(`webgguf-${variant}-node.cjs`, baseUrl));
  const wasmPath = scriptPath.replace(/\.cjs$/, '.wasm');
  if (!fs.existsSync(scriptPath)) throw new WebggufError(`The wasm module ${scriptPath} is missing: build it with \`npm run build\`.`);
  const factory = createRequire(import.meta.url)(scriptPath);
  /** @type {Record<string, unknown>} */
  const options = { printErr };
  if (fs.existsSync(wasmPath)) options.wasmBinary = fs.readFileSync(wasmPath);
  return factory(options);
}

/**
 * @param {'mt' | 'st'} variant
 * @param {URL} baseUrl
 * @param {(text: string) => void} printErr receives what the native code writes to stderr
 * @returns {Promise<any>}
 */
async function instantiateWeb(variant, baseUrl, printErr) {
  const scriptUrl = new URL(`webgguf-${variant}-web.mjs`, baseUrl);
  const { default: factory } = await import(/* @vite-ignore */ scriptUrl.href);
  return factory({
    locateFile: (/** @type {string} */ file) => new URL(file, baseUrl).href,
    mainScriptUrlOrBlob: scriptUrl.href, // pthread workers import the main script from here
    printErr,
  });
}

/**
 * In Node, WEBGGUF_WASM_DIR (a folder: absolute, or relative to the current folder) points the
 * package at another build of the modules, e.g. a developer's own build folder; the tests read it
 * the same way (tests/js/helpers/fixtures.js). Browsers have no such override.
 * @returns {URL | undefined}
 */
function nodeWasmDirOverride() {
  const dir = IS_NODE ? globalThis.process?.env?.WEBGGUF_WASM_DIR : undefined;
  if (!dir) return undefined;
  return new URL(`file://${dir.startsWith('/') ? '' : `${globalThis.process.cwd()}/`}${dir.replace(/\/?$/, '/')}`);
}

/**
 * Loads the best wasm build for this environment.
 * @param {{ threads: number, wasmBaseUrl?: string | URL, printErr?: (text: string) => void }} options
 *   printErr: where the native code's stderr lines go (pthreads' too; default console.error)
 * @returns {Promise<LoadedWasm>}
 */
export async function loadWasmModule({ threads, wasmBaseUrl, printErr = (text) => console.error(text) }) {
  const baseUrl = new URL(wasmBaseUrl ?? nodeWasmDirOverride() ?? DEFAULT_WASM_BASE_URL);
  if (!baseUrl.href.endsWith('/')) baseUrl.pathname += '/';
  const instantiate = IS_NODE ? instantiateNode : instantiateWeb;
  const canThread = typeof SharedArrayBuffer !== 'undefined' && (IS_NODE || globalThis.crossOriginIsolated === true);
  /** @type {string | undefined} */
  let fallbackReason;
  if (threads > 1 && canThread) {
    try {
      return { module: await instantiate('mt', baseUrl, printErr), variant: 'mt', fallbackReason };
    } catch (error) {
      fallbackReason = `threaded build unavailable (${/** @type {Error} */ (error).message})`;
    }
  } else if (threads > 1) {
    fallbackReason = 'threads need a cross-origin-isolated page (COOP/COEP headers)';
  }
  return { module: await instantiate('st', baseUrl, printErr), variant: 'st', fallbackReason };
}
