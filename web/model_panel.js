// Choosing and loading a model: the picker of catalog models (size, memory at the chosen context,
// a one-line description), a URL (Hugging Face resolve/ links, split sets) or a local file (picker
// or drag-and-drop); progress with bytes, rate and ETA; the cached-models manager. The last loaded
// model is selected again after a reload.
import { formatBytes, formatDuration } from './format.js';
import { BUNDLED_ID, catalog } from './model_catalog.js';

const LAST_MODEL_KEY = 'webgguf.lastModel';
const PHASE_LABELS = { probe: 'Reading the header', download: 'Downloading', cache: 'Loading from cache', read: 'Reading' };

export const BUNDLED_MODEL_URL = catalog().find((entry) => entry.id === BUNDLED_ID).url;

export class ModelPanel {
  // onLoad(source, { onProgress, signal, entry }) performs the load and returns the model info;
  // planMemory(url) returns { memory_bytes, file_bytes, fits, n_ctx } at contextSize() tokens.
  constructor(root, { onLoad, listCached, deleteCached, planMemory, contextSize, storage = globalThis.localStorage }) {
    Object.assign(this, { root, onLoad, listCached, deleteCached, planMemory, contextSize, storage });
    this.entries = catalog();
    this.form = root.querySelector('#model-form');
    this.status = root.querySelector('#model-status');
    this.progress = root.querySelector('#progress');
    this.progressBar = root.querySelector('#progress-bar');
    this.progressText = root.querySelector('#progress-text');
    this.cancelButton = root.querySelector('#cancel-load');
    this.loadButton = root.querySelector('#load-button');
    this.controller = null;
    this.memoryChecks = new Map();  // url -> memory text at the context it was checked for
    this.renderPicker();

    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const source = this.selectedSource();
      if (source) this.load(source, this.selectedEntry());
    });
    this.form.addEventListener('change', (event) => {
      if (event.target.name !== 'source') return;
      this.setStatus('');
      this.checkMemory();
    });
    this.form.elements.url.addEventListener('focus', () => { this.form.elements.source.value = 'url'; });
    this.form.elements.file.addEventListener('change', () => {
      this.form.elements.source.value = 'file';
      const file = this.form.elements.file.files[0];
      if (file) this.load(file, null);
    });
    this.cancelButton.addEventListener('click', () => this.controller?.abort());
    document.addEventListener('dragover', (event) => event.preventDefault());
    document.addEventListener('drop', (event) => {
      event.preventDefault();
      const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.name.endsWith('.gguf'));
      if (file) this.load(file, null);
    });
    root.querySelector('#cache-panel').addEventListener('toggle', () => this.refreshCache());
    this.restoreLastModel();
  }

  renderPicker() {
    const box = this.root.querySelector('#model-choices');
    box.replaceChildren(...this.entries.map((entry) => {
      const label = document.createElement('label');
      label.className = 'model-choice';
      label.dataset.id = entry.id;
      const input = document.createElement('input');
      Object.assign(input, { type: 'radio', name: 'source', value: entry.id, checked: entry.id === BUNDLED_ID });
      const name = document.createElement('strong');
      name.textContent = entry.name;
      const facts = document.createElement('span');
      facts.className = 'facts';
      facts.textContent = `${entry.quantization} · ${entry.sizeBytes ? formatBytes(entry.sizeBytes) : 'size read when picked'}`;
      const memory = document.createElement('span');
      memory.className = 'memory';
      // Only the picked model's header is read (a few MB for a large vocabulary), not all of them.
      memory.textContent = 'memory: pick it to read its header';
      const description = document.createElement('span');
      description.className = 'description';
      description.textContent = entry.description;
      label.append(input, name, facts, memory, description);
      return label;
    }));
  }

  selectedEntry() {
    return this.entries.find((entry) => entry.id === this.form.elements.source.value) ?? null;
  }

  // The source to load; null (with a message) when the chosen kind has nothing to load. Text in
  // the URL field is ignored unless "From a URL" is chosen (the form is novalidate for that).
  selectedSource() {
    const kind = this.form.elements.source.value;
    const entry = this.selectedEntry();
    if (entry) return entry.url;
    if (kind === 'url') {
      const url = this.form.elements.url.value.trim();
      if (!url) {
        this.setStatus('Enter the URL of a .gguf file.', true);
        return null;
      }
      // An absolute URL (https://…) or a path on this site (/models/…, ./…); anything else is a typo.
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^\.{0,2}\//.test(url)) {
        try {
          return new URL(url, location.href).href;
        } catch {
          // reported below
        }
      }
      this.setStatus(`“${url}” is not a URL: it should start with https://`, true);
      return null;
    }
    const file = this.form.elements.file.files[0];
    if (!file) this.setStatus('Pick a .gguf file.', true);
    return file ?? null;
  }

  // Reads the chosen catalog model's header (only its first bytes) and shows what it needs in
  // memory at the current context.
  async checkMemory() {
    const entry = this.selectedEntry();
    if (!entry) return;
    const label = this.root.querySelector(`.model-choice[data-id="${entry.id}"]`);
    const memory = label.querySelector('.memory');
    const key = `${entry.url} ${this.contextSize()}`;
    if (this.memoryChecks.has(key)) {
      memory.textContent = this.memoryChecks.get(key);
      return;
    }
    memory.textContent = 'checking memory…';
    try {
      const plan = await this.planMemory(entry.url);
      const text = `needs ${formatBytes(plan.memory_bytes)} at ${plan.n_ctx} tokens of context` +
          `${plan.fits ? '' : ' — more than this device can give a page'}`;
      this.memoryChecks.set(key, text);
      if (!entry.sizeBytes) label.querySelector('.facts').textContent = `${entry.quantization} · ${formatBytes(plan.file_bytes)}`;
      memory.textContent = text;
      memory.classList.toggle('too-big', !plan.fits);
    } catch (error) {
      memory.textContent = `memory unknown (${error.message})`;
    }
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

  async load(source, entry) {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const name = entry?.name ?? (typeof source === 'string' ? decodeURIComponent(source.split('/').pop()) : source.name);
    this.setStatus(`Loading ${name}…`);
    this.cancelButton.hidden = false;
    this.loadButton.disabled = true;
    try {
      const info = await this.onLoad(source, { onProgress: (p) => this.showProgress(p), signal: controller.signal, entry });
      this.setStatus(`Loaded ${name}${info.from_cache ? ' from the cache' : ''} in ${(info.load_ms / 1000).toFixed(1)} s.`);
      this.root.querySelector('#model-name').textContent = `${entry?.name ?? (info.name || name)} (${info.quantization})`;
      this.root.open = false;
      if (typeof source === 'string') {
        this.storage?.setItem(LAST_MODEL_KEY, JSON.stringify({ source: entry ? entry.id : 'url', url: source }));
      }
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

  // Selects the model loaded last (a catalog entry or a URL) and says when it is in the cache.
  async restoreLastModel() {
    let last = null;
    try {
      last = JSON.parse(this.storage?.getItem(LAST_MODEL_KEY) ?? 'null');
    } catch {
      // an unreadable entry is the same as none
    }
    if (last?.source === 'url') {
      this.form.elements.source.value = 'url';
      this.form.elements.url.value = last.url;
    } else if (last && this.entries.some((entry) => entry.id === last.source)) {
      this.form.elements.source.value = last.source;
    }
    this.checkMemory();
    if (!last) return;
    const cached = await this.listCached().catch(() => []);
    if (cached.some((model) => model.url === last.url) && !this.status.textContent) {
      this.setStatus(`${this.selectedEntry()?.name ?? decodeURIComponent(last.url.split('/').pop())} is in this browser's cache: Load opens it without downloading.`);
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
