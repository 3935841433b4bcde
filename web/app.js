// The demo page: boots the engine in a worker, loads a model, and chats with it; conversations are
// kept in IndexedDB and listed beside the chat.
import { ChatTemplate, Engine, advise } from '../js/index.js';
import { ChatView } from './chat_view.js';
import { ConversationList } from './conversation_list.js';
import { ConversationStore, newConversation, titleFrom } from './conversation_store.js';
import { ModelPanel } from './model_panel.js';
import { samplingFromMetadata } from './model_catalog.js';
import { DEFAULT_SETTINGS, bindSettingsForm, loadSettings, saveSettings, showSettings } from './settings.js';
import { formatBytes } from './format.js';
import { initInspector } from './inspector.js';
import { initAdvisor } from './advisor_view.js';
import { ShrinkView } from './shrink_view.js';

const $ = (selector) => document.querySelector(selector);
const settings = loadSettings();
const chatView = new ChatView($('#messages'));
const store = await ConversationStore.open();
/** The conversation on screen: { id, title, messages: [{ role, content, stopped? }] }. */
let current = newConversation();
let generation = null;  // { controller, conversation } of the reply being generated
let modelInfo = null;
let lastTimings = null;  // the last reply's timings (prompt_n: the prompt tokens it evaluated)

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').then(() => {
    // On a static host without COOP/COEP the worker adds them: reload once to become isolated.
    if (!crossOriginIsolated && navigator.serviceWorker.controller && !sessionStorage.getItem('coi-reloaded')) {
      sessionStorage.setItem('coi-reloaded', '1');
      location.reload();
    }
  }).catch((error) => console.warn('service worker not registered:', error.message));
}

// Views (chat / advisor / shrink / inspector).
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

let engine;
try {
  engine = await Engine.create({ threads: settings.threads > 0 ? settings.threads : 'auto' });
  $('#runtime').textContent = describeRuntime(engine.runtime);
} catch (error) {
  $('#runtime').textContent = `The engine could not start: ${error.message}`;
  $('#runtime').classList.add('error');
  throw error;
}

function setChatEnabled(enabled) {
  for (const id of ['#prompt', '#send']) $(id).disabled = !enabled;
  $('#regenerate').disabled = !enabled || current.messages.at(-1)?.role !== 'assistant';
}

// A model's sampling defaults: the page's, then the catalog entry's (the bundled model answers
// best greedy), then what the GGUF itself names (general.sampling.*).
async function applyModelSampling(source, entry) {
  const header = await engine.inspect(source, { retries: 0 }).catch(() => null);
  const fromFile = samplingFromMetadata(header?.metadata);
  const sampling = {};
  for (const key of ['temperature', 'top_k', 'top_p', 'min_p', 'repeat_penalty']) sampling[key] = DEFAULT_SETTINGS[key];
  Object.assign(sampling, entry?.sampling ?? {}, fromFile);
  Object.assign(settings, sampling);
  saveSettings(settings);
  showSettings($('#settings-form'), settings);
  const named = Object.keys(fromFile);
  $('#sampling-source').textContent = named.length
    ? `Sampling set from the model file's defaults (${named.join(', ')}).`
    : entry?.sampling ? `Sampling set for ${entry.name}: ${Object.entries(entry.sampling).map(([k, v]) => `${k} ${v}`).join(', ')}.`
      : 'The model file names no sampling defaults: the page\'s are used.';
}

async function planMemory(url) {
  const plan = await engine.planQuantization(url, { n_ctx: settings.n_ctx });
  const advice = advise({ presets: plan.presets, context_bytes: plan.context_bytes, deviceMemoryGB: navigator.deviceMemory });
  const row = advice.rows.find((r) => r.file_bytes === plan.original_bytes) ?? advice.rows[0];
  return { memory_bytes: row.memory_bytes, file_bytes: plan.original_bytes, fits: row.fits, n_ctx: settings.n_ctx };
}

const modelPanel = new ModelPanel($('#model-panel'), {
  onLoad: async (source, options) => {
    setChatEnabled(false);
    generation?.controller.abort();
    modelInfo = null;
    modelInfo = await engine.load(source, { onProgress: options.onProgress, signal: options.signal, n_ctx: settings.n_ctx });
    await applyModelSampling(source, options.entry);
    await restoreSession(current);
    setChatEnabled(true);
    showMemory();
    updateContextMeter();
    $('#prompt').focus();
    return modelInfo;
  },
  listCached: () => engine.cache.list(),
  deleteCached: (url) => engine.cache.delete(url),
  planMemory,
  contextSize: () => settings.n_ctx,
});

function showMemory(extra = '') {
  if (!modelInfo) return;
  $('#stats').textContent = `${extra}Memory in use: ${formatBytes(modelInfo.memory.total_bytes)} ` +
      `(weights ${formatBytes(modelInfo.memory.weights_bytes)}, context ${modelInfo.n_ctx} tokens: ` +
      `${formatBytes(modelInfo.memory.kv_bytes)}).`;
}

/** The messages the model sees: the system prompt, then the turns without the page's marks. */
function conversationFor(conversation) {
  const turns = conversation.messages.map(({ role, content }) => ({ role, content }));
  const system = settings.system_prompt.trim();
  return system ? [{ role: 'system', content: system }, ...turns] : turns;
}

// Tokens the conversation takes in the context: the model's template rendered with a generation
// prompt, tokenized as the engine does for a chat request.
async function updateContextMeter() {
  const meter = $('#context-meter');
  if (!modelInfo) { meter.hidden = true; return; }
  const info = modelInfo;
  let used = 0;
  try {
    const template = new ChatTemplate(info.chat_template, engine.specialTokens);
    const messages = conversationFor(current);
    if (messages.length > 0) used = (await engine.tokenize(template.render(messages), { addSpecial: info.add_bos, parseSpecial: true })).length;
  } catch {
    meter.hidden = true;
    return;
  }
  if (info !== modelInfo) return;
  meter.hidden = false;
  $('#context-bar').value = Math.min(1, used / info.n_ctx);
  $('#context-text').textContent = `${used} / ${info.n_ctx} tokens`;
  meter.title = 'How much of the model\'s context this conversation fills; a full context ends the conversation.';
}

function renderConversation() {
  chatView.clear();
  for (const message of current.messages) chatView.add(message.role, message.content, { stopped: message.stopped });
  setChatEnabled(Boolean(modelInfo));
  updateContextMeter();
}

// Each conversation keeps the engine's saved session (engine.saveSession(): its tokens and KV
// cache rows) beside its messages in IndexedDB, so that after a reload, or back from another
// chat, the next turn evaluates only its new tokens. A session the engine refuses (another model,
// cache types or a smaller context) is dropped: that turn evaluates the whole conversation.
async function saveSessionOf(conversation) {
  conversation.session = await engine.saveSession();
}

async function restoreSession(conversation) {
  if (!modelInfo || !conversation.session) return;
  try {
    await engine.loadSession(conversation.session);
  } catch (error) {
    if (error.code !== 'invalid_session') throw error;
    delete conversation.session;
  }
}

async function persist(conversation) {
  // A chat deleted while its reply was being stopped is not saved back.
  if (conversation.messages.length === 0 || conversation.deleted) return;
  conversation.title ||= titleFrom(conversation.messages.find((m) => m.role === 'user')?.content ?? 'Chat');
  await store.put(conversation);
  await refreshList();
}

async function refreshList() {
  conversationList.render(await store.list(), current.id);
}

function startNewChat() {
  generation?.controller.abort();
  current = newConversation();
  $('#stats').textContent = '';
  renderConversation();
  refreshList();
  $('#prompt').focus();
}

const conversationList = new ConversationList($('#conversations'), {
  onNew: startNewChat,
  onOpen: async (id) => {
    if (id === current.id) return;
    generation?.controller.abort();
    current = (await store.get(id)) ?? newConversation();
    renderConversation();
    refreshList();
    await restoreSession(current);
  },
  onRename: async (id, title) => {
    const conversation = id === current.id ? current : await store.get(id);
    if (!conversation) return;
    conversation.title = title;
    await store.put(conversation);
    await refreshList();
  },
  onDelete: async (id) => {
    await store.delete(id);
    if (id === current.id) {
      current.deleted = true;
      startNewChat();
    }
    else await refreshList();
  },
});

// Plain words for a conversation that no longer fits: the engine's ContextFullError names both
// token counts ("the prompt has N tokens but the context holds M").
function contextFullMessage(error, onlyTurn) {
  const counts = /(\d+) tokens but the context holds (\d+)/.exec(error.message);
  const size = counts ? ` (${counts[1]} tokens; this model was loaded to hold ${counts[2]})` : '';
  return onlyTurn
    ? `That message is too long for the model's memory of the conversation${size}. It was taken out: ` +
      'send a shorter one, or raise "Context size" in Settings and load the model again.'
    : `The conversation has grown past what the model can keep in mind${size}. Your last message was ` +
      'taken out so you can go on: start a New chat, send something shorter, turn on "Context shift", or ' +
      'raise "Context size" in Settings and load the model again.';
}

async function reply() {
  const conversation = current;
  const controller = new AbortController();
  generation = { controller, conversation };
  $('#stop').hidden = false;
  $('#send').hidden = true;
  setChatEnabled(false);
  const bubble = chatView.add('assistant');
  bubble.setStreaming(true);
  const started = performance.now();
  let pieces = 0;
  let timings = null;
  let failure = null;
  try {
    const stream = await engine.chat.completions.create({
      messages: conversationFor(conversation), stream: true, signal: controller.signal,
      max_tokens: settings.max_tokens, temperature: settings.temperature, top_k: settings.top_k,
      top_p: settings.top_p, min_p: settings.min_p, repeat_penalty: settings.repeat_penalty,
      context_shift: settings.context_shift,
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
    failure = error;
  } finally {
    bubble.setStreaming(false);
    const stopped = failure?.name === 'AbortError';
    if (bubble.text) {
      conversation.messages.push({ role: 'assistant', content: bubble.text, ...(stopped ? { stopped: true } : {}) });
      if (stopped) bubble.markStopped();
    } else {
      bubble.remove();
    }
    if (failure?.code === 'context_full' && conversation.messages.at(-1)?.role === 'user') {
      // The failed turn leaves the conversation, so the next question is not refused again.
      conversation.messages.pop();
      if (conversation === current) [...document.querySelectorAll('#messages .message.user')].at(-1)?.remove();
    }
    if (failure && !stopped && conversation === current) {
      chatView.showError(failure.code === 'context_full'
        ? contextFullMessage(failure, conversation.messages.length === 0) : failure.message);
    }
    generation = null;
    $('#stop').hidden = true;
    $('#send').hidden = false;
    lastTimings = timings;
    // The cache holds this conversation after a reply (also a stopped one), not after a failure.
    if (conversation === current && modelInfo && (!failure || stopped)) await saveSessionOf(conversation);
    await persist(conversation);
    if (conversation === current) {
      setChatEnabled(Boolean(modelInfo));
      showMemory(timings
        ? `Prompt: ${timings.prompt_n} tokens at ${timings.prompt_per_second.toFixed(0)} tok/s` +
          `${timings.prompt_reused ? ` (${timings.prompt_reused} reused)` : ''}; reply: ${timings.predicted_n} tokens at ` +
          `${timings.predicted_per_second.toFixed(1)} tok/s. `
        : '');
      updateContextMeter();
      $('#prompt').focus();
    }
  }
}

$('#chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('#prompt').value.trim();
  if (!text || generation || !modelInfo) return;
  $('#prompt').value = '';
  chatView.clearErrors();
  current.messages.push({ role: 'user', content: text });
  chatView.add('user', text);
  reply();
});
$('#prompt').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('#chat-form').requestSubmit();
  }
});
$('#stop').addEventListener('click', () => generation?.controller.abort());
$('#regenerate').addEventListener('click', () => {
  if (generation || current.messages.at(-1)?.role !== 'assistant') return;
  current.messages.pop();
  chatView.clearErrors();
  [...document.querySelectorAll('#messages .message.assistant')].at(-1)?.remove();
  reply();
});

bindSettingsForm($('#settings-form'), settings, async (changed, name) => {
  if (modelInfo && name === 'threads' && changed.threads > 0) await engine.setThreads(changed.threads).catch(() => {});
  if (name === 'n_ctx' || name === undefined) modelPanel.checkMemory();
});

// On a phone the chats list starts folded, leaving the screen to the conversation.
if (matchMedia('(max-width: 640px)').matches) $('#conversations-panel').open = false;

// The most recent conversation comes back after a reload.
const saved = await store.list();
if (saved.length > 0) current = saved[0];
renderConversation();
await refreshList();

initInspector(engine);
initAdvisor(engine, settings);
const shrinkView = new ShrinkView(settings);

// Expose for tests and the console.
globalThis.webgguf = {
  engine, modelPanel, shrinkView, store, get messages() { return current.messages; }, get lastTimings() { return lastTimings; },
};
