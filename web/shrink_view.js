// "Shrink": quantizes an F16/BF16/F32 GGUF on this device to the presets the user ticks, measures
// each one's perplexity on a held-out text, and shows size against quality in a table and a chart.
// It runs on its own Engine (its own worker), so the chat's model stays loaded.
import { Engine } from '../js/index.js';
import { formatBytes } from './format.js';
import { drawShrinkChart } from './shrink_chart.js';

const $ = (selector) => document.querySelector(selector);

// llama-quantize's presets from largest to smallest; the ticked ones are a quick default.
const PRESETS = ['Q8_0', 'Q6_K', 'Q5_K_M', 'Q5_K_S', 'Q5_1', 'Q5_0', 'Q4_K_M', 'Q4_K_S', 'Q4_1', 'Q4_0',
                 'IQ4_NL', 'IQ4_XS', 'Q3_K_L', 'Q3_K_M', 'Q3_K_S', 'Q2_K'];
const DEFAULT_TICKED = new Set(['Q8_0', 'Q5_K_M', 'Q4_K_M', 'Q3_K_M']);
const RECOMMENDED = 'Q4_K_M';
const SAMPLE_TEXT_URL = new URL('data/eval-sample.txt', import.meta.url).href;

function cell(content) {
  const td = document.createElement('td');
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

// "lexi-28m-f16.gguf" -> "lexi-28m": the stem the outputs are named after.
function modelStem(source) {
  const name = typeof source === 'string' ? decodeURIComponent(source.split(/[?#]/)[0].split('/').pop()) : source.name;
  return (name || 'model').replace(/\.gguf$/i, '').replace(/[-_.](f16|bf16|f32)$/i, '');
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
    $('#shrink-cancel').addEventListener('click', () => this.controller?.abort());
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

  async run() {
    const source = this.selectedSource();
    const presets = [...this.form.querySelectorAll('input[name="preset"]:checked')].map((input) => input.value);
    if (!source) { this.say('Pick a model file or enter its URL.', true); return; }
    if (presets.length === 0) { this.say('Tick at least one preset.', true); return; }
    const ctx = Number(this.form.elements.ctx.value);
    const chunks = Math.max(2, Number(this.form.elements.chunks.value) || 2);
    const controller = new AbortController();
    this.controller = controller;
    const signal = controller.signal;
    this.setBusy(true);
    this.rows = [];
    this.render();
    try {
      this.engine ??= await Engine.create({ threads: this.settings.threads > 0 ? this.settings.threads : 'auto' });
      const engine = this.engine;
      // The original first: its perplexity is what every preset is compared with.
      this.setProgress(0, 'Loading the original…');
      const original = await engine.load(source, {
        cache: false, n_ctx: ctx, signal,
        onProgress: (p) => this.setProgress(p.total ? p.loaded / p.total : 0, `Loading the original: ${formatBytes(p.loaded)} of ${formatBytes(p.total)}`),
      });
      const text = await this.limitText(await this.selectedText(), ctx, chunks);
      const originalPpl = await this.measure(engine, text, ctx, original.quantization || 'original', signal);
      const inputSize = await this.fileSize(source);
      this.rows.push({ preset: `${original.quantization || 'original'} (original)`, size: inputSize, ppl: originalPpl, original: true });
      this.render();
      for (const preset of presets) {
        const result = await engine.quantize(source, preset, {
          signal,
          onProgress: (p) => this.setProgress(p.bytesTotal ? p.bytesDone / p.bytesTotal : 0,
            `Quantizing to ${preset}: tensor ${p.tensorsDone} of ${p.tensorCount}, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`),
        });
        this.setProgress(1, `Loading ${preset}…`);
        await engine.load(result.blob, { cache: false, n_ctx: ctx, signal });
        const ppl = await this.measure(engine, text, ctx, preset, signal);
        this.rows.push({ preset, size: result.size, ppl, blob: result.blob, fileName: `${modelStem(source)}-${preset}.gguf` });
        this.render();
      }
      await engine.unload();
      this.say(`Done: ${presets.length} preset${presets.length > 1 ? 's' : ''} measured on ${chunks} chunks of ${ctx} tokens. Lower perplexity is better.`);
    } catch (error) {
      this.say(error.name === 'AbortError' ? 'Cancelled.' : error.message, error.name !== 'AbortError');
      throw error;
    } finally {
      this.controller = null;
      this.setBusy(false);
      $('#shrink-progress').hidden = true;
    }
  }

  async fileSize(source) {
    if (source instanceof Blob) return source.size;
    return (await this.engine.inspect(source)).fileSize;
  }

  // The first `chunks` chunks of `ctx` tokens of the text (with room for tokenization to shift).
  async limitText(text, ctx, chunks) {
    const ids = await this.engine.tokenize(text);
    const wanted = chunks * ctx + Math.floor(ctx / 2);
    if (ids.length <= wanted) return text;
    return this.engine.detokenize(ids.slice(0, wanted));
  }

  async measure(engine, text, ctx, label, signal) {
    const result = await engine.perplexity(text, {
      ctx, signal, onProgress: (p) => this.setProgress(p.n_chunks ? p.chunk / p.n_chunks : 0,
        `Perplexity of ${label}: chunk ${p.chunk} of ${p.n_chunks} (${p.ppl.toFixed(3)} so far)`),
    });
    return result.ppl;
  }

  setBusy(busy) {
    this.form.querySelector('button[type="submit"]').disabled = busy;
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
      const delta = original ? row.ppl - original.ppl : NaN;
      let link = '';
      if (row.href) {
        link = document.createElement('a');
        Object.assign(link, { href: row.href, download: row.fileName, textContent: 'download' });
      }
      tr.append(cell(row.preset + (row.preset === RECOMMENDED ? ' ★ recommended' : '')), cell(formatBytes(row.size)),
                cell(Number.isFinite(percent) ? `${percent.toFixed(1)}%` : '?'), cell(row.ppl.toFixed(3)),
                cell(row.original ? '—' : `${delta >= 0 ? '+' : ''}${delta.toFixed(3)} (${((100 * delta) / original.ppl).toFixed(2)}%)`),
                cell(link));
      return tr;
    }));
    $('#shrink-table').hidden = this.rows.length === 0;
    const chart = $('#shrink-chart');
    chart.toggleAttribute('hidden', this.rows.length === 0);  // an SVG element has no .hidden property
    if (original) {
      drawShrinkChart(chart, this.rows.map((row) => ({
        preset: row.original ? 'original' : row.preset, percent: (100 * row.size) / original.size, ppl: row.ppl,
        recommended: row.preset === RECOMMENDED, original: row.original,
      })));
    }
  }
}
