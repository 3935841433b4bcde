// "Inspect a file": reads only the header of a picked GGUF (in the engine's worker) and shows
// its metadata and tensor table.
const $ = (selector) => document.querySelector(selector);

function formatValue(value) {
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map((v) => JSON.stringify(v)).join(', ');
    return `[${shown}${value.length > 8 ? `, … (${value.length} items)` : ''}]`;
  }
  if (value && typeof value === 'object' && 'length' in value) return `[${value.type} × ${value.length}]`;
  return String(value);
}

function fillTable(table, rows) {
  table.querySelector('tbody').replaceChildren(...rows.map((cells) => {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      td.textContent = cell;  // text, never HTML: metadata comes from untrusted files
      tr.append(td);
    }
    return tr;
  }));
}

export function initInspector(engine) {
  const status = $('#inspect-status');
  const result = $('#inspect-result');
  $('#gguf-file').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    status.classList.remove('error');
    status.textContent = `Reading the header of ${file.name}…`;
    try {
      const header = await engine.inspect(file);
      status.textContent = `${file.name}: GGUF v${header.version}, ${Object.keys(header.metadata).length} keys, ` +
          `${header.tensors.length} tensors.`;
      fillTable($('#metadata-table'), Object.entries(header.metadata).map(([key, value]) => [key, formatValue(value)]));
      fillTable($('#tensor-table'),
          header.tensors.map((t, i) => [i, t.name, t.type, `[${t.shape.join(', ')}]`, t.size]));
      result.hidden = false;
    } catch (error) {
      status.classList.add('error');
      status.textContent = `${file.name}: ${error.message}`;
      result.hidden = true;
    }
  });
}
