// Service worker: keeps the app shell and the wasm engine available offline, and adds the
// COOP/COEP headers that make the page cross-origin isolated (SharedArrayBuffer → threads) on
// static hosts that cannot set headers themselves (e.g. GitHub Pages).
// Models are not cached here: the model store keeps them in OPFS / the Cache API itself.
const SHELL_CACHE = 'webgguf-shell-v2';
// Everything the page and its engine worker load (tests/js/service_worker.test.js checks that
// every file of web/ and js/ is listed).
const SHELL_FILES = [
  './', 'index.html', 'app.js', 'style.css', 'markdown.js', 'settings.js', 'chat_view.js', 'format.js',
  'model_panel.js', 'model_catalog.js', 'conversation_store.js', 'conversation_list.js', 'advisor_view.js', 'inspector.js', 'shrink_view.js', 'shrink_chart.js', 'data/eval-sample.txt',
  'manifest.webmanifest',
  'icons/icon.svg', 'icons/icon-192.png', 'icons/icon-512.png',
  'js/advisor.js', 'js/byte_sources.js', 'js/chat_template.js', 'js/completions.js', 'js/engine.js',
  'js/errors.js', 'js/index.js', 'js/model_loader.js', 'js/model_store.js', 'js/protocol.js', 'js/quantize.js',
  'js/sha256.js', 'js/wasm_module.js', 'js/worker.js', 'js/worker_port.js',
  'js/chat_reply.js', 'js/chat_request.js', 'js/json_schema_grammar.js', 'js/json_schema_integers.js',
  'js/json_schema_pattern.js', 'js/openai_fetch.js', 'js/reasoning.js',
  'js/tool_calls/families.js', 'js/tool_calls/json_scan.js', 'js/tool_calls/pythonic.js',
  'dist/wasm/webgguf-st-web.mjs', 'dist/wasm/webgguf-st-web.wasm',
  'dist/wasm/webgguf-mt-web.mjs', 'dist/wasm/webgguf-mt-web.wasm', 'dist/wasm/webgguf-mt-web.worker.js',
  'node_modules/@huggingface/jinja/dist/index.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(SHELL_FILES.map((file) => new Request(file, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('webgguf-shell-') && key !== SHELL_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function withIsolationHeaders(response) {
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function isAppFile(url) {
  return url.origin === self.location.origin && !url.pathname.endsWith('.gguf') &&
         !url.searchParams.has('nocache');
}

// Network first (so a deployed update shows at once), the cache when offline.
self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || !isAppFile(url) || request.headers.has('range')) return;
  event.respondWith((async () => {
    const cache = await caches.open(SHELL_CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return withIsolationHeaders(response);
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: true });
      if (cached) return withIsolationHeaders(cached);
      throw error;
    }
  })());
});
