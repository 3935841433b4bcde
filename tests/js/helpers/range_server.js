// A local HTTP file server for loader tests: Range support (or not), byte accounting, and faults
// (dropped connections mid-body, slow bodies, missing files).
import http from 'node:http';

/**
 * @param {Record<string, Uint8Array>} files path ('/model.gguf') -> content
 * @param {{ ranges?: boolean, dropAfter?: number, drops?: number, bytesPerSecond?: number, headers?: Record<string, string>, etagFor?: (requestNumber: number) => string }} [options]
 *   dropAfter/drops: the first `drops` body responses are cut after `dropAfter` bytes;
 *   etagFor: the ETag of the n-th request (1-based), to simulate a file replaced mid-download.
 */
export async function startRangeServer(files, options = {}) {
  const state = { bytesServed: 0, requests: [], dropsLeft: options.drops ?? 0 };
  const server = http.createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    state.requests.push({ method: req.method, path, range: req.headers.range });
    const file = files[path];
    if (!file) { res.writeHead(404).end('not found'); return; }
    const etag = options.etagFor ? options.etagFor(state.requests.length) : '"v1"';
    const headers = { 'accept-ranges': options.ranges === false ? 'none' : 'bytes', etag, ...options.headers };
    let start = 0;
    let end = file.length - 1;
    let status = 200;
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (match && options.ranges !== false) {
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), file.length - 1) : file.length - 1;
      if (start >= file.length) { res.writeHead(416, { 'content-range': `bytes */${file.length}` }).end(); return; }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${file.length}`;
    }
    headers['content-length'] = String(end - start + 1);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') { res.end(); return; }
    const drop = state.dropsLeft > 0 && options.dropAfter !== undefined;
    if (drop) state.dropsLeft--;
    const chunkBytes = 16384;
    let sent = 0;
    for (let position = start; position <= end; position += chunkBytes) {
      if (res.destroyed) return;
      let chunk = file.subarray(position, Math.min(end + 1, position + chunkBytes));
      if (drop && sent + chunk.length > options.dropAfter) {
        chunk = chunk.subarray(0, options.dropAfter - sent);
        state.bytesServed += chunk.length;
        res.write(chunk, () => res.destroy()); // the connection dies mid-body
        return;
      }
      sent += chunk.length;
      state.bytesServed += chunk.length;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      if (options.bytesPerSecond) await new Promise((resolve) => setTimeout(resolve, (chunk.length / options.bytesPerSecond) * 1000));
    }
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    state,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
