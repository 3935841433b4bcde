// Choosing and loading a model: the bundled one, a URL (Hugging Face resolve/ links, split
// sets) or a local file (picker or drag-and-drop); progress with bytes, rate and ETA; the
// cached-models manager.
import { formatBytes, formatDuration } from './format.js';

export const BUNDLED_MODEL_URL = new URL('models/lexi-28m-chat-Q4_K_M.gguf', import.meta.url).href;

const PHASE_LABELS = { probe: 'Reading the header', download: 'Downloading', cache: 'Loading from cache', read: 'Reading' };

export class ModelPanel {
  // onLoad(source, { onProgress, signal }) performs the load and returns the model info.
  constructor(root, { onLoad, listCached, deleteCached }) {
    this.root = root;
    this.onLoad = onLoad;
    this.listCached = listCached;
    this.deleteCached = deleteCached;
    this.form = root.querySelector('#model-form');
    this.status = root.querySelector('#model-status');
    this.progress = root.querySelector('#progress');
    this.progressBar = root.querySelector('#progress-bar');
    this.progressText = root.querySelector('#progress-text');
    this.cancelButton = root.querySelector('#cancel-load');
    this.loadButton = root.querySelector('#load-button');
    this.controller = null;

    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const source = this.selectedSource();
      if (source) this.load(source);
    });
    this.form.elements.url.addEventListener('focus', () => { this.form.elements.source.value = 'url'; });
    this.form.elements.file.addEventListener('change', () => {
      this.form.elements.source.value = 'file';
      const file = this.form.elements.file.files[0];
      if (file) this.load(file);
    });
    this.cancelButton.addEventListener('click', () => this.controller?.abort());
    document.addEventListener('dragover', (event) => event.preventDefault());
    document.addEventListener('drop', (event) => {
      event.preventDefault();
      const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.name.endsWith('.gguf'));
      if (file) this.load(file);
    });
    root.querySelector('#cache-panel').addEventListener('toggle', () => this.refreshCache());
  }

  selectedSource() {
    const kind = this.form.elements.source.value;
    if (kind === 'bundled') return BUNDLED_MODEL_URL;
    if (kind === 'url') {
      const url = this.form.elements.url.value.trim();
      if (!url) this.setStatus('Enter the URL of a .gguf file.', true);
      return url || null;
    }
    const file = this.form.elements.file.files[0];
    if (!file) this.setStatus('Pick a .gguf file.', true);
    return file ?? null;
  }

  setStatus(text, isError = false) {
    this.status.textContent = text;
    this.status.classList.toggle('error', isError);
  }

  showProgress({ phase, loaded, total, rate }) {
    this.progress.hidden = false;
    this.progressBar.value = total ? loaded / total : 0;
    const eta = rate > 0 && total ? ` · ${formatDuration((total - loaded) / rate)} left` : '';
    const speed = rate > 0 ? ` · ${formatBytes(rate)}/s` : '';
    this.progressText.textContent =
        `${PHASE_LABELS[phase] ?? phase}: ${formatBytes(loaded)} of ${formatBytes(total)}${speed}${eta}`;
  }

  async load(source) {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const name = typeof source === 'string' ? decodeURIComponent(source.split('/').pop()) : source.name;
    this.setStatus(`Loading ${name}…`);
    this.cancelButton.hidden = false;
    this.loadButton.disabled = true;
    try {
      const info = await this.onLoad(source, { onProgress: (p) => this.showProgress(p), signal: controller.signal });
      this.setStatus(`Loaded ${name}${info.from_cache ? ' from the cache' : ''} in ${(info.load_ms / 1000).toFixed(1)} s.`);
      this.root.querySelector('#model-name').textContent = `${info.name || name} (${info.quantization})`;
      this.root.open = false;
      return info;
    } catch (error) {
      this.setStatus(error.name === 'AbortError' ? 'Loading cancelled.' : error.message, error.name !== 'AbortError');
      return null;
    } finally {
      if (this.controller === controller) this.controller = null;
      this.cancelButton.hidden = true;
      this.loadButton.disabled = false;
      this.progress.hidden = true;
      this.refreshCache();
    }
  }

  async refreshCache() {
    const body = this.root.querySelector('#cache-table tbody');
    const models = await this.listCached().catch(() => []);
    body.replaceChildren(...models.map((model) => {
      const row = document.createElement('tr');
      const name = document.createElement('td');
      name.textContent = decodeURIComponent(model.url.split('/').pop());
      name.title = model.url;
      const size = document.createElement('td');
      size.textContent = formatBytes(model.size);
      const actions = document.createElement('td');
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.addEventListener('click', async () => {
        await this.deleteCached(model.url);
        this.refreshCache();
      });
      actions.append(remove);
      row.append(name, size, actions);
      return row;
    }));
    const usage = this.root.querySelector('#storage-usage');
    const estimate = await navigator.storage?.estimate?.().catch(() => null);
    usage.textContent = estimate
      ? `${models.length} cached model(s). Storage used ${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)} available to this site.`
      : `${models.length} cached model(s).`;
  }
}
