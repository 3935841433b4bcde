// An import map for npm packages in a page without a bundler: follows every bare import from the
// given packages' ES module builds (package.json "exports" with the browser/import conditions),
// and maps each (importing package, specifier) pair, with scopes where a package has its own
// nested copy of a dependency. URLs are /node_modules/… on the repository's static server.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

const CONDITIONS = ['browser', 'import', 'module', 'default'];
// Static imports and re-exports at the start of a line (so that prose in comments never counts),
// side-effect imports, and dynamic import("…"). Group 1: the specifier.
const IMPORT = /^\s*(?:(?:import|export)\b[^;'"]*?\bfrom\s*|import\s*)["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;

/** @param {string} specifier @returns {[string, string]} package name and subpath ('.' or './x') */
function splitSpecifier(specifier) {
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(length).join('/');
  return [parts.slice(0, length).join('/'), rest ? `./${rest}` : '.'];
}

/** @param {unknown} target */
function pickCondition(target) {
  if (typeof target === 'string') return target;
  if (!target || typeof target !== 'object') return null;
  for (const condition of CONDITIONS) {
    if (condition in target) {
      const picked = pickCondition(/** @type {any} */ (target)[condition]);
      if (picked) return picked;
    }
  }
  return null;
}

/** The package directory `name` resolves to from `fromDir` (Node's node_modules walk). */
function packageDir(name, fromDir, root) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return null;
  }
}

/** @param {string} dir @param {string} subpath */
function entryFile(dir, subpath) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  let target = null;
  if (manifest.exports) {
    const exportsMap = typeof manifest.exports === 'string' || !Object.keys(manifest.exports).some((k) => k.startsWith('.'))
      ? { '.': manifest.exports } : manifest.exports;
    target = pickCondition(exportsMap[subpath]);
  } else if (subpath === '.') {
    target = manifest.module ?? manifest.main ?? 'index.js';
  } else {
    target = subpath;
  }
  if (!target) throw new Error(`${dir}: no ES module entry for ${subpath}`);
  return join(dir, target);
}

/** Files an ES module imports relatively, recursively, and the bare specifiers they use. */
function crawl(file, seen, bare) {
  if (seen.has(file)) return;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (specifier.startsWith('.')) {
      const next = join(dirname(file), specifier);
      if (existsSync(next)) crawl(next, seen, bare);
    } else {
      bare.push([file, specifier]);
    }
  }
}

/**
 * @param {string} root the repository root (its node_modules is served as /node_modules/)
 * @param {string[]} specifiers what the page imports, e.g. ['openai', 'ai']
 * @param {Record<string, string>} [overrides] specifiers mapped to a given URL (and not followed)
 * @returns {{ imports: Record<string, string>, scopes: Record<string, Record<string, string>> }}
 */
export function importMapFor(root, specifiers, overrides = {}) {
  const url = (/** @type {string} */ file) => `/${relative(root, file).split(sep).join('/')}`;
  /** @type {Record<string, string>} */
  const imports = { ...overrides };
  /** @type {Record<string, Record<string, string>>} */
  const scopes = {};
  const seen = new Set();
  /** @type {Array<[string, string]>} */
  const queue = specifiers.map((s) => [join(root, 'page.js'), s]);
  const done = new Set();
  while (queue.length > 0) {
    const [from, specifier] = /** @type {[string, string]} */ (queue.shift());
    if (specifier in overrides) continue;
    if (specifier.startsWith('node:') || specifier === 'ws') continue; // Node-only paths, never reached in a page
    const [name, subpath] = splitSpecifier(specifier);
    const dir = packageDir(name, dirname(from), root);
    if (!dir) throw new Error(`${specifier} (imported by ${from}) is not installed`);
    const file = entryFile(dir, subpath);
    // A dependency nested under the importing package is that package's own copy: a scope.
    const nestedIn = dirname(dir).endsWith(`${sep}node_modules`) ? dirname(dirname(dir)) : dirname(dirname(dirname(dir)));
    if (nestedIn !== root) {
      (scopes[`${url(nestedIn)}/`] ??= {})[specifier] = url(file);
    } else {
      imports[specifier] ??= url(file);
    }
    const key = `${dir}|${subpath}`;
    if (done.has(key)) continue;
    done.add(key);
    /** @type {Array<[string, string]>} */
    const bare = [];
    crawl(file, seen, bare);
    queue.push(...bare);
  }
  return { imports, scopes };
}
