// "Shrink": quantizes an F16/BF16/F32 GGUF on this device to the presets the user ticks, and
// measures each against the original on a held-out text — KL divergence and top-1 agreement per
// position (paired, so small differences are real) and perplexity with its standard error — shown
// in a table (cards on a phone) and a chart of size against KL. The input is checked from its
// header before anything loads. It runs on its own Engine (its own worker), so the chat's model
// stays loaded.
import { Engine } from '../js/index.js';
import { formatBytes } from './format.js';
import { drawShrinkChart } from './shrink_chart.js';

const $ = (selector) => document.querySelector(selector);

// llama-quantize's presets from largest to smallest; the ticked ones are a quick default that
// spans the range (Q2_K shows what the smallest costs).
const PRESETS = ['Q8_0', 'Q6_K', 'Q5_K_M', 'Q5_K_S', 'Q5_1', 'Q5_0', 'Q4_K_M', 'Q4_K_S', 'Q4_1', 'Q4_0',
                 'IQ4_NL', 'IQ4_XS', 'Q3_K_L', 'Q3_K_M', 'Q3_K_S', 'Q2_K'];
const DEFAULT_TICKED = new Set(['Q8_0', 'Q4_K_M', 'Q2_K']);
const RECOMMENDED = 'Q4_K_M';
const SAMPLE_TEXT_URL = new URL('data/eval-sample.txt', import.meta.url).href;
const SAMPLE_MODEL_URL = new URL('models/lexi-28m-f16.gguf', import.meta.url).href;
const ORIGINAL_TYPES = new Set(['f32', 'f16', 'bf16']);

function cell(content, label, className = '') {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (className) td.className = className;
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

// "lexi-28m-f16.gguf" -> "lexi-28m": the stem the outputs are named after.
function modelStem(source) {
  const name = typeof source === 'string' ? decodeURIComponent(source.split(/[?#]/)[0].split('/').pop()) : source.name;
  return (name || 'model').replace(/\.gguf$/i, '').replace(/[-_.](f16|bf16|f32)$/i, '');
}

// KL values span decades: 3 significant digits in exponent form below 0.001.
export function formatKl(value) {
  if (!Number.isFinite(value)) return '?';
  return value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential(2) : value.toFixed(4);
}

export class ShrinkView {
  constructor(settings) {
    this.settings = settings;
    /** @type {Engine | null} created on first use: a second worker costs memory */
    this.engine = null;
    this.controller = null;
    this.rows = [];
    this.form = $('#shrink-form');
    this.status = $('#shrink-status');
    this.renderPresetChoices();
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run().catch(() => {});
    });
    // A new choice makes the last message stale.
    this.form.addEventListener('input', () => { if (!this.controller) this.say(''); });
    $('#shrink-cancel').addEventListener('click', () => this.controller?.abort());
    $('#shrink-sample').addEventListener('click', () => {
      this.form.elements.file.value = '';
      this.form.elements.url.value = SAMPLE_MODEL_URL;
      this.run().catch(() => {});
    });
    // The sample is offered where the site serves it (npm start does; a static host may not).
    fetch(SAMPLE_MODEL_URL, { method: 'HEAD' })
      .then((response) => { $('#shrink-sample-row').hidden = !response.ok; })
      .catch(() => {});
  }

  renderPresetChoices() {
    const box = $('#shrink-presets');
    for (const preset of PRESETS) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      Object.assign(input, { type: 'checkbox', name: 'preset', value: preset, checked: DEFAULT_TICKED.has(preset) });
      label.append(input, ` ${preset}${preset === RECOMMENDED ? ' ★' : ''}`);
      box.append(label);
    }
  }

  selectedSource() {
    const file = this.form.elements.file.files?.[0];
    if (file) return file;
    const url = this.form.elements.url.value.trim();
    return url ? new URL(url, location.href).href : null;
  }

  async selectedText() {
    const file = this.form.elements.text_file.files?.[0];
    if (file) return file.text();
    const response = await fetch(SAMPLE_TEXT_URL);
    if (!response.ok) throw new Error(`The bundled text could not be read (HTTP ${response.status}).`);
    return response.text();
  }

  setProgress(fraction, text) {
    $('#shrink-progress').hidden = false;
    $('#shrink-progress-bar').value = fraction;
    $('#shrink-progress-text').textContent = text;
  }

  say(text, isError = false) {
    this.status.textContent = text;
    this.status.classList.toggle('error', isError);
  }

  // Refuses, from the header alone, an input that is already quantized or that the engine cannot
  // run (planQuantization names unsupported architectures and non-GGUF files).
  async checkInput(engine, source, ctx, signal) {
    const plan = await engine.planQuantization(source, { n_ctx: ctx, signal });
    const header = await engine.inspect(source, { signal });
    const quantized = header.tensors.filter((t) => t.shape.length >= 2 && !ORIGINAL_TYPES.has(t.type));
    if (quantized.length > 0) {
      const types = [...new Set(quantized.map((t) => t.type))].join(', ');
      throw new Error(`${plan.name || modelStem(source)} is already quantized (${plan.presets[0]?.preset ?? types}; ` +
          `tensors in ${types}): Shrink needs the F16, BF16 or F32 original it was made from.`);
    }
    return { plan, size: header.fileSize };
  }

  async run() {
    const source = this.selectedSource();
    const presets = [...this.form.querySelectorAll('input[name="preset"]:checked')].map((input) => input.value);
    this.say('');
    if (!source) { this.say('Pick a model file or enter its URL.', true); return; }
    if (presets.length === 0) { this.say('Tick at least one preset.', true); return; }
    const ctx = Number(this.form.elements.ctx.value);
    const chunks = Math.max(1, Number(this.form.elements.chunks.value) || 1);
    const controller = new AbortController();
    this.controller = controller;
    const signal = controller.signal;
    this.setBusy(true);
    this.rows = [];
    this.render();
    try {
      this.engine ??= await Engine.create({ threads: this.settings.threads > 0 ? this.settings.threads : 'auto' });
      const engine = this.engine;
      this.setProgress(0, 'Reading the header…');
      const { plan, size } = await this.checkInput(engine, source, ctx, signal);
      const text = await this.selectedText();
      const original = { preset: 'original', size, original: true, name: plan.name };
      this.rows.push(original);
      for (const preset of presets) {
        const result = await engine.quantize(source, preset, {
          signal,
          onProgress: (p) => this.setProgress(p.bytesTotal ? p.bytesDone / p.bytesTotal : 0,
            `Quantizing to ${preset}: tensor ${p.tensorsDone} of ${p.tensorCount}, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`),
        });
        this.setProgress(1, `Loading ${preset}…`);
        await engine.load(result.blob, { cache: false, n_ctx: ctx, signal });
        const kl = await engine.klDivergence(source, text, {
          ctx, chunks, signal, onProgress: (p) => this.setProgress(p.n_chunks ? p.chunk / p.n_chunks : 0,
            `Comparing ${preset} with the original: chunk ${p.chunk} of ${p.n_chunks} (KL ${formatKl(p.kl)} so far)`),
        });
        await engine.unload();
        Object.assign(original, { ppl: kl.base_ppl, ppl_error: kl.base_ppl_error, chunks: kl.n_chunks, positions: kl.positions });
        this.rows.push({ preset, size: result.size, kl, blob: result.blob, fileName: `${modelStem(source)}-${preset}.gguf` });
        this.render();
      }
      this.say(`Done: ${presets.length} preset${presets.length > 1 ? 's' : ''} compared with the original on ` +
          `${original.chunks} chunks of ${ctx} tokens (${original.positions} scored positions).`);
    } catch (error) {
      this.say(error.name === 'AbortError' ? 'Cancelled.' : error.message, error.name !== 'AbortError');
      throw error;
    } finally {
      this.controller = null;
      this.setBusy(false);
      $('#shrink-progress').hidden = true;
    }
  }

  setBusy(busy) {
    this.form.querySelector('button[type="submit"]').disabled = busy;
    $('#shrink-sample').disabled = busy;
    $('#shrink-cancel').hidden = !busy;
  }

  render() {
    const original = this.rows.find((row) => row.original);
    const body = $('#shrink-table tbody');
    for (const row of this.rows) if (row.blob && !row.href) row.href = URL.createObjectURL(row.blob);
    body.replaceChildren(...this.rows.map((row) => {
      const tr = document.createElement('tr');
      tr.dataset.preset = row.preset;
      if (row.preset === RECOMMENDED) tr.className = 'recommended';
      const percent = original ? (100 * row.size) / original.size : NaN;
      let link = '';
      if (row.href) {
        link = document.createElement('a');
        Object.assign(link, { href: row.href, download: row.fileName, textContent: 'download' });
      }
      const ppl = row.original ? [row.ppl, row.ppl_error] : [row.kl.ppl, row.kl.ppl_error];
      tr.append(
        cell(row.original ? `original${original.name ? ` (${original.name})` : ''}` : row.preset + (row.preset === RECOMMENDED ? ' ★ recommended' : ''), 'preset'),
        cell(formatBytes(row.size), 'size', 'num'),
        cell(Number.isFinite(percent) ? `${percent.toFixed(1)}%` : '?', '% of original', 'num'),
        cell(row.original ? '0 (reference)' : `${formatKl(row.kl.kl)} ± ${formatKl(row.kl.kl_error)}`, 'KL divergence', 'num'),
        cell(row.original ? '100%' : `${(100 * row.kl.same_top).toFixed(1)} ± ${(100 * row.kl.same_top_error).toFixed(1)}%`, 'same top token', 'num'),
        cell(Number.isFinite(ppl[0]) ? `${ppl[0].toFixed(2)} ± ${ppl[1].toFixed(2)}` : 'measured with the first preset', 'perplexity', 'num'),
        cell(link, 'file'));
      return tr;
    }));
    $('#shrink-table').hidden = this.rows.length === 0;
    const points = this.rows.filter((row) => !row.original).map((row) => ({
      preset: row.preset, sizeBytes: row.size, kl: row.kl.kl, klError: row.kl.kl_error, recommended: row.preset === RECOMMENDED,
    }));
    const chart = $('#shrink-chart');
    chart.toggleAttribute('hidden', points.length === 0);  // an SVG element has no .hidden property
    if (points.length > 0) drawShrinkChart(chart, points, original.size);
  }
}
