// Saved conversations in IndexedDB (database "webgguf-chat", store "conversations"), so the chat
// list survives a reload. A conversation: { id, title, messages: [{ role, content, stopped? }],
// updatedAt (ms since the epoch), session? (engine.saveSession()'s bytes after its last reply) }.
// The system prompt is a setting, not part of a conversation.
const DB_NAME = 'webgguf-chat';
const STORE = 'conversations';

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class ConversationStore {
  /** @param {IDBDatabase} db */
  constructor(db) {
    this.db = db;
  }

  static async open(indexedDB = globalThis.indexedDB) {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    const db = await promised(request);
    // Another tab deleting or upgrading the database must not wait for this page to close.
    db.onversionchange = () => db.close();
    return new ConversationStore(db);
  }

  store(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  /** Every conversation, the most recently changed first. */
  async list() {
    const all = await promised(this.store('readonly').getAll());
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async get(id) {
    return (await promised(this.store('readonly').get(id))) ?? null;
  }

  async put(conversation) {
    await promised(this.store('readwrite').put({ ...conversation, updatedAt: Date.now() }));
  }

  async delete(id) {
    await promised(this.store('readwrite').delete(id));
  }
}

/** A new, empty conversation (not saved until it has a message). */
export function newConversation() {
  return { id: crypto.randomUUID(), title: '', messages: [], updatedAt: Date.now() };
}

/** The title a conversation gets from its first question. */
export function titleFrom(text) {
  const line = text.trim().split('\n')[0];
  return line.length > 48 ? `${line.slice(0, 47)}…` : line;
}
