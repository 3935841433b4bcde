// "Which quantization?": reads only a model's header (Range probe), asks the engine what each
// preset's file would weigh and what the chosen context costs, and recommends one (with the
// longest context that fits it).
import { advise } from '../js/advisor.js';
import { formatBytes } from './format.js';

const $ = (selector) => document.querySelector(selector);

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

export function initAdvisor(engine) {
  const status = $('#advisor-status');
  $('#advisor-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const url = form.elements.url.value.trim();
    const n_ctx = Number(form.elements.n_ctx.value);
    status.classList.remove('error');
    status.textContent = 'Reading the model header…';
    try {
      const plan = await engine.planQuantization(url, { n_ctx });
      // The advice also says how long a context fits with a q8_0 KV cache (half of f16's bytes,
      // no visible loss: the README's table).
      const result = advise({ presets: plan.presets, context_bytes: plan.context_bytes,
                              deviceMemoryGB: navigator.deviceMemory, cache_types: plan.cache_types,
                              n_ctx: plan.n_ctx, n_ctx_train: plan.n_ctx_train, cache_type: 'q8_0' });
      const body = $('#advisor-table tbody');
      body.replaceChildren(...result.rows.map((row) => {
        const tr = document.createElement('tr');
        tr.className = `${row.fits ? 'fits-yes' : 'fits-no'}${row.recommended ? ' recommended' : ''}`;
        tr.dataset.preset = row.preset;
        const percent = Math.round(100 * row.file_bytes / plan.original_bytes);
        tr.append(cell(row.preset + (row.recommended ? ' ★' : '')),
                  cell(`${formatBytes(row.file_bytes)} (${percent}%)`),
                  cell(formatBytes(row.memory_bytes)), cell(row.fits ? 'yes' : 'no'), cell(row.note));
        return tr;
      }));
      $('#advisor-table').hidden = false;
      const device = navigator.deviceMemory ? `${navigator.deviceMemory} GB device` : 'device memory unknown';
      status.textContent = `${plan.name || url.split('/').pop()}: ${formatBytes(plan.original_bytes)} now; ` +
          `budget ${formatBytes(result.budget_bytes)} (${device}, 4 GB wasm ceiling).`;
      $('#advisor-advice').textContent = result.advice;
    } catch (error) {
      status.classList.add('error');
      status.textContent = error.message;
      $('#advisor-table').hidden = true;
    }
  });
}
