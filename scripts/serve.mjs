// Static file server for the demo: the site is web/ laid over the repository root (so the page
// is at / and the package at /js/ and /dist/, the layout a static host gets), with the headers
// that make a page cross-origin isolated (COOP/COEP: SharedArrayBuffer and the threaded wasm
// build) and HTTP Range support so models can be probed and resumed.
//   node scripts/serve.mjs [--port 8080]
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

function parseArgs(argv) {
  const options = { port: 8080 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--port') options.port = Number(argv[i + 1]);
    else throw new Error(`serve: unknown option ${argv[i]}`);
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
export const siteRoots = [join(repoRoot, 'web'), repoRoot];

// The first root holding the path wins; null when none does (or the path escapes the roots).
async function locate(roots, pathname) {
  for (const root of roots) {
    const path = normalize(join(root, pathname));
    if (path !== root && !path.startsWith(root + sep)) return null;
    try {
      const stat = await fs.stat(path);
      if (stat.isFile()) return { path, stat };
    } catch {
      // not under this root: try the next
    }
  }
  return null;
}

export function createStaticServer(roots = siteRoots) {
  return createServer(async (request, response) => {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Accept-Ranges', 'bytes');
    let pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    if (pathname.endsWith('/')) pathname += 'index.html';
    const found = await locate(roots, pathname);
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
  const { port } = parseArgs(process.argv.slice(2));
  createStaticServer().listen(port, () => {
    console.log(`webgguf demo: http://localhost:${port}/  (cross-origin isolated: threads on)`);
  });
}
