// The demo page: boots the engine in a worker, loads a model, and chats with it.
import { Engine } from '../js/index.js';
import { ChatView } from './chat_view.js';
import { ModelPanel } from './model_panel.js';
import { bindSettingsForm, loadSettings } from './settings.js';
import { formatBytes } from './format.js';
import { initInspector } from './inspector.js';
import { initAdvisor } from './advisor_view.js';
import { ShrinkView } from './shrink_view.js';

const $ = (selector) => document.querySelector(selector);
const settings = loadSettings();
const chatView = new ChatView($('#messages'));
/** @type {{ role: string, content: string }[]} the conversation without the system prompt */
let messages = [];
let generation = null;  // AbortController of the reply being generated
let modelInfo = null;

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').then(() => {
    // On a static host without COOP/COEP the worker adds them: reload once to become isolated.
    if (!crossOriginIsolated && navigator.serviceWorker.controller && !sessionStorage.getItem('coi-reloaded')) {
      sessionStorage.setItem('coi-reloaded', '1');
      location.reload();
    }
  }).catch((error) => console.warn('service worker not registered:', error.message));
}

// Views (chat / advisor / inspector).
for (const button of document.querySelectorAll('nav button')) {
  button.addEventListener('click', () => {
    for (const other of document.querySelectorAll('nav button')) {
      const selected = other === button;
      other.setAttribute('aria-pressed', String(selected));
      document.getElementById(other.dataset.view).hidden = !selected;
    }
  });
}

function describeRuntime(runtime) {
  if (runtime.variant === 'mt') return `Engine ready: ${runtime.threads} threads (cross-origin isolated).`;
  return `Engine ready: single-threaded${runtime.fallbackReason ? ` (${runtime.fallbackReason})` : ''}.`;
}

async function createEngine() {
  const engine = await Engine.create({ threads: settings.threads > 0 ? settings.threads : 'auto' });
  $('#runtime').textContent = describeRuntime(engine.runtime);
  return engine;
}

let engine;
try {
  engine = await createEngine();
} catch (error) {
  $('#runtime').textContent = `The engine could not start: ${error.message}`;
  $('#runtime').classList.add('error');
  throw error;
}

function setChatEnabled(enabled) {
  for (const id of ['#prompt', '#send', '#clear']) $(id).disabled = !enabled;
  $('#regenerate').disabled = !enabled || !messages.some((m) => m.role === 'assistant');
}

const modelPanel = new ModelPanel($('#model-panel'), {
  onLoad: async (source, options) => {
    setChatEnabled(false);
    generation?.abort();
    modelInfo = await engine.load(source, { ...options, n_ctx: settings.n_ctx });
    messages = [];
    chatView.clear();
    setChatEnabled(true);
    showMemory();
    $('#prompt').focus();
    return modelInfo;
  },
  listCached: () => engine.cache.list(),
  deleteCached: (url) => engine.cache.delete(url),
});

function showMemory(extra = '') {
  if (!modelInfo) return;
  $('#stats').textContent = `${extra}Memory in use: ${formatBytes(modelInfo.memory.total_bytes)} ` +
      `(weights ${formatBytes(modelInfo.memory.weights_bytes)}, context ${modelInfo.n_ctx} tokens: ` +
      `${formatBytes(modelInfo.memory.kv_bytes)}).`;
}

function conversation() {
  return settings.system_prompt.trim()
    ? [{ role: 'system', content: settings.system_prompt.trim() }, ...messages]
    : messages;
}

async function reply() {
  const controller = new AbortController();
  generation = controller;
  $('#stop').hidden = false;
  $('#send').hidden = true;
  setChatEnabled(false);
  const bubble = chatView.add('assistant');
  bubble.setStreaming(true);
  const started = performance.now();
  let pieces = 0;
  let timings = null;
  try {
    const stream = await engine.chat.completions.create({
      messages: conversation(), stream: true, signal: controller.signal,
      max_tokens: settings.max_tokens, temperature: settings.temperature, top_k: settings.top_k,
      top_p: settings.top_p, min_p: settings.min_p, repeat_penalty: settings.repeat_penalty,
    });
    for await (const chunk of stream) {
      const delta = chunk.choices[0].delta.content;
      if (delta) {
        bubble.append(delta);
        pieces += 1;
        $('#stats').textContent = `Generating… ${(pieces / ((performance.now() - started) / 1000)).toFixed(1)} tokens/s`;
      }
      if (chunk.timings) timings = chunk.timings;
    }
  } catch (error) {
    if (error.name !== 'AbortError') chatView.showError(error.message);
  } finally {
    bubble.setStreaming(false);
    if (bubble.text) messages.push({ role: 'assistant', content: bubble.text });
    else bubble.remove();
    generation = null;
    $('#stop').hidden = true;
    $('#send').hidden = false;
    setChatEnabled(Boolean(modelInfo));
    showMemory(timings
      ? `Prompt: ${timings.prompt_n} tokens at ${timings.prompt_per_second.toFixed(0)} tok/s` +
        `${timings.prompt_reused ? ` (${timings.prompt_reused} reused)` : ''}; reply: ${timings.predicted_n} tokens at ` +
        `${timings.predicted_per_second.toFixed(1)} tok/s. `
      : '');
    $('#prompt').focus();
  }
}

$('#chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('#prompt').value.trim();
  if (!text || generation || !modelInfo) return;
  $('#prompt').value = '';
  messages.push({ role: 'user', content: text });
  chatView.add('user', text);
  reply();
});
$('#prompt').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('#chat-form').requestSubmit();
  }
});
$('#stop').addEventListener('click', () => generation?.abort());
$('#regenerate').addEventListener('click', () => {
  if (generation || messages.at(-1)?.role !== 'assistant') return;
  messages.pop();
  [...document.querySelectorAll('#messages .message.assistant')].at(-1)?.remove();
  reply();
});
$('#clear').addEventListener('click', () => {
  generation?.abort();
  messages = [];
  chatView.clear();
  setChatEnabled(Boolean(modelInfo));
});

bindSettingsForm($('#settings-form'), settings, async (changed) => {
  if (modelInfo && changed.threads > 0) await engine.setThreads(changed.threads).catch(() => {});
});

initInspector(engine);
initAdvisor(engine, settings);
const shrinkView = new ShrinkView(settings);

// Expose for tests and the console.
globalThis.webgguf = { engine, modelPanel, shrinkView, get messages() { return messages; } };
