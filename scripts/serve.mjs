// Static file server for the demo: serves the repository root with the headers that make a page
// cross-origin isolated (COOP/COEP), so SharedArrayBuffer and the threaded wasm build are
// available, and with HTTP Range support so models can be probed and resumed.
//   node scripts/serve.mjs [--port 8080] [--root DIR]
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
  const options = { port: 8080, root: resolve(fileURLToPath(import.meta.url), '../..') };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--port') options.port = Number(argv[i + 1]);
    else if (argv[i] === '--root') options.root = resolve(argv[i + 1]);
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

export function createStaticServer(root) {
  return createServer(async (request, response) => {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Accept-Ranges', 'bytes');
    let pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    if (pathname === '/') {
      response.writeHead(302, { Location: '/web/' });
      response.end();
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const path = normalize(join(root, pathname));
    if (path !== root && !path.startsWith(root + sep)) {
      response.writeHead(403).end('forbidden');
      return;
    }
    let stat;
    try {
      stat = await fs.stat(path);
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    if (stat.isDirectory()) {
      response.writeHead(302, { Location: pathname + '/' }).end();
      return;
    }
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
  const { port, root } = parseArgs(process.argv.slice(2));
  createStaticServer(root).listen(port, () => {
    console.log(`webgguf demo: http://localhost:${port}/  (serving ${root}, cross-origin isolated)`);
  });
}
