// GGUF inspector: reads only the header of a picked file (growing the prefix until the
// wasm reader is satisfied) and shows its metadata and tensor table.
const threaded = globalThis.crossOriginIsolated === true;
const runtime = document.getElementById('runtime');
const status = document.getElementById('inspect-status');

const { default: createModule } = await import('../dist/wasm/webgguf-st-web.mjs');
const wasm = await createModule();
runtime.textContent = threaded
  ? 'Engine ready. Cross-origin isolated: threads are available.'
  : 'Engine ready. Not cross-origin isolated: single-threaded.';

async function readHeader(file) {
  let length = Math.min(file.size, 1 << 20);
  for (;;) {
    const bytes = new Uint8Array(await file.slice(0, length).arrayBuffer());
    const header = wasm.parseGgufHeader(bytes, file.size);
    if (header.status !== 'need_more') return header;
    if (length >= file.size) return { status: 'error', error: 'file ends inside the GGUF header' };
    length = Math.min(file.size, Math.max(header.bytesNeeded, length * 2));
  }
}

function formatValue(value) {
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map((v) => JSON.stringify(v)).join(', ');
    return `[${shown}${value.length > 8 ? `, … (${value.length} items)` : ''}]`;
  }
  if (value && typeof value === 'object' && 'length' in value) return `[${value.type} × ${value.length}]`;
  return String(value);
}

function fillTable(table, rows) {
  const body = table.querySelector('tbody');
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      td.textContent = cell;  // text, never HTML: metadata comes from untrusted files
      tr.append(td);
    }
    return tr;
  }));
}

document.getElementById('gguf-file').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  status.classList.remove('error');
  status.textContent = `Reading the header of ${file.name}…`;
  const header = await readHeader(file);
  const result = document.getElementById('inspect-result');
  if (header.status !== 'ok') {
    status.classList.add('error');
    status.textContent = `${file.name}: ${header.error}`;
    result.hidden = true;
    return;
  }
  status.textContent = `${file.name}: GGUF v${header.version}, ${Object.keys(header.metadata).length} keys, ${header.tensors.length} tensors.`;
  fillTable(document.getElementById('metadata-table'),
      Object.entries(header.metadata).map(([key, value]) => [key, formatValue(value)]));
  fillTable(document.getElementById('tensor-table'),
      header.tensors.map((t, i) => [i, t.name, t.type, `[${t.shape.join(', ')}]`, t.size]));
  result.hidden = false;
});
