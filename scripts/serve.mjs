// Static file server for the demo. It serves only the site: the page (web/) at /, the package at
// /js/ and /dist/wasm/, and the one dependency file the page's import map names — the layout a
// static host gets. Everything else (.git, build/, the rest of node_modules/, package.json, ../shared)
// answers 404. Headers make the page cross-origin isolated (COOP/COEP: SharedArrayBuffer and the
// threaded wasm build); HTTP Range support lets models be probed and resumed.
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1]   (--lan: listen on every interface)
import { createServer } from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.cjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json',
  '.gguf': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8',
};

export const DEFAULT_HOST = '127.0.0.1';

export function parseArgs(argv, env = process.env) {
  const options = { port: Number(env.PORT || 8080), host: env.HOST || DEFAULT_HOST };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') options.port = Number(argv[++i]);
    else if (argv[i] === '--host') options.host = argv[++i];
    else if (argv[i] === '--lan') options.host = '0.0.0.0';
    else throw new Error(`serve: unknown option ${argv[i]} (options: --port N, --host ADDRESS, --lan)`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`serve: --port must be an integer from 0 to 65535, not ${options.port}`);
  }
  return options;
}

// Parses "bytes=a-b" / "bytes=a-" / "bytes=-n" against a file size; null when unsatisfiable.
export function parseRange(header, size) {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start, end;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : null;
}

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');

/**
 * What the site consists of: URL prefix -> folder. A request is served from the first mount whose
 * prefix it starts with and whose folder holds the file. The page's import map names
 * node_modules/@huggingface/jinja/dist/index.js; that folder is the only part of node_modules served.
 * A mount with `file` instead of `dir` serves that one file at exactly `prefix`.
 * @type {Array<{ prefix: string, dir?: string, file?: string }>}
 */
export const siteMounts = [
  // The Shrink tab's one-click F16 sample: the lexi-28m F16 of the shared fixtures (56.8 MB), the
  // model the bundled held-out text was cut from. Only this one file of ../shared is served; a
  // static host without it answers 404 and the page hides the sample button.
  { prefix: '/models/lexi-28m-f16.gguf', file: join(repoRoot, '../shared/models/lexi-28m-f16.gguf') },
  { prefix: '/js/', dir: join(repoRoot, 'js') },
  { prefix: '/dist/wasm/', dir: join(repoRoot, 'dist/wasm') },
  { prefix: '/node_modules/@huggingface/jinja/dist/', dir: join(repoRoot, 'node_modules/@huggingface/jinja/dist') },
  // The README's browser examples (pages of their own, using /js/ the same way); the openai SDK
  // example imports the SDK's ES build (a devDependency) by an import map.
  { prefix: '/examples/browser-minimal/', dir: join(repoRoot, 'examples/browser-minimal') },
  { prefix: '/examples/quantize-in-browser/', dir: join(repoRoot, 'examples/quantize-in-browser') },
  { prefix: '/examples/openai-sdk/', dir: join(repoRoot, 'examples/openai-sdk') },
  { prefix: '/node_modules/openai/', dir: join(repoRoot, 'node_modules/openai') },
  { prefix: '/', dir: join(repoRoot, 'web') },
];

// The mount and file for a URL path; null when no mount holds it (or the path escapes its folder).
async function locate(mounts, pathname) {
  for (const { prefix, dir, file } of mounts) {
    if (file ? pathname !== prefix : !pathname.startsWith(prefix)) continue;
    const path = file ?? normalize(join(dir, pathname.slice(prefix.length)));
    if (!file && path !== dir && !path.startsWith(dir + sep)) continue;
    // No dot-files or dot-folders (.git, .DS_Store) even inside a served folder.
    if (pathname.split('/').some((part) => part.startsWith('.'))) continue;
    try {
      const stat = await fs.stat(path);
      if (stat.isFile()) return { path, stat };
    } catch {
      // not in this mount: try the next
    }
  }
  return null;
}

/** @param {Array<{ prefix: string, dir?: string, file?: string }>} mounts */
export function createStaticServer(mounts = siteMounts) {
  return createServer(async (request, response) => {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Accept-Ranges', 'bytes');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    } catch {
      response.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request');
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const found = pathname.includes('\0') ? null : await locate(mounts, pathname);
    if (!found) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const { path, stat } = found;
    const headers = {
      'Content-Type': MIME_TYPES[extname(path)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    };
    const range = request.headers.range ? parseRange(request.headers.range, stat.size) : undefined;
    if (range === null) {
      response.writeHead(416, { 'Content-Range': `bytes */${stat.size}` }).end();
      return;
    }
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${stat.size}`;
      headers['Content-Length'] = range.end - range.start + 1;
      response.writeHead(206, headers);
    } else {
      headers['Content-Length'] = stat.size;
      response.writeHead(200, headers);
    }
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(path, range ?? {}).pipe(response);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port, host } = parseArgs(process.argv.slice(2));
  const server = createStaticServer();
  server.listen(port, host, () => {
    const shown = host === '0.0.0.0' ? 'every interface' : host;
    console.log(`webgguf demo: http://${host === '0.0.0.0' ? 'localhost' : host}:${server.address().port}/  ` +
                `(listening on ${shown}; cross-origin isolated: threads on)`);
  });
}
