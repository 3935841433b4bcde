// The list of past chats beside the conversation: open one, New chat, rename (inline), delete.
const $ = (selector) => document.querySelector(selector);

export class ConversationList {
  // onOpen(id), onRename(id, title), onDelete(id), onNew() are the app's handlers.
  constructor(root, { onOpen, onRename, onDelete, onNew }) {
    this.list = root.querySelector('#conversation-list');
    this.handlers = { onOpen, onRename, onDelete };
    root.querySelector('#new-chat').addEventListener('click', () => onNew());
  }

  /** @param {Array<{ id: string, title: string }>} conversations @param {string} currentId */
  render(conversations, currentId) {
    this.list.replaceChildren(...conversations.map((conversation) => this.item(conversation, conversation.id === currentId)));
    $('#no-conversations').hidden = conversations.length > 0;
  }

  item(conversation, current) {
    const li = document.createElement('li');
    li.dataset.id = conversation.id;
    li.classList.toggle('current', current);
    const open = document.createElement('button');
    Object.assign(open, { type: 'button', className: 'open', textContent: conversation.title || 'Untitled chat' });
    open.setAttribute('aria-current', String(current));
    open.addEventListener('click', () => this.handlers.onOpen(conversation.id));
    const rename = document.createElement('button');
    Object.assign(rename, { type: 'button', className: 'rename', textContent: '✎', title: 'Rename' });
    rename.setAttribute('aria-label', `Rename “${conversation.title}”`);
    rename.addEventListener('click', () => this.startRename(li, conversation));
    const remove = document.createElement('button');
    Object.assign(remove, { type: 'button', className: 'delete', textContent: '✕', title: 'Delete' });
    remove.setAttribute('aria-label', `Delete “${conversation.title}”`);
    remove.addEventListener('click', () => this.handlers.onDelete(conversation.id));
    li.append(open, rename, remove);
    return li;
  }

  // Replaces the title with a text field: Enter or leaving it saves, Escape cancels.
  startRename(li, conversation) {
    const input = document.createElement('input');
    Object.assign(input, { type: 'text', className: 'rename-field', value: conversation.title, maxLength: 80 });
    input.setAttribute('aria-label', 'New name');
    let done = false;
    const finish = (save) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (save && title && title !== conversation.title) this.handlers.onRename(conversation.id, title);
      else li.replaceWith(this.item(conversation, li.classList.contains('current')));
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') finish(true);
      if (event.key === 'Escape') finish(false);
    });
    input.addEventListener('blur', () => finish(true));
    li.querySelector('.open').replaceWith(input);
    input.focus();
    input.select();
  }
}
