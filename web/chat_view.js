// The conversation: messages as bubbles (model text rendered Markdown-safe), streaming updates, a
// copy button on each message and a "stopped" mark on replies the user stopped.
import { renderMarkdown } from './markdown.js';

function copyButton(handle) {
  const button = document.createElement('button');
  Object.assign(button, { type: 'button', className: 'copy', textContent: 'Copy' });
  button.setAttribute('aria-label', 'Copy this message');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(handle.text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
  return button;
}

export class ChatView {
  constructor(container) {
    this.container = container;
  }

  clear() {
    this.container.replaceChildren();
  }

  // Adds a bubble and returns a handle to update it while it streams.
  add(role, text = '', { stopped = false } = {}) {
    const bubble = document.createElement('div');
    bubble.className = `message ${role}`;
    bubble.dataset.role = role;
    const content = document.createElement('div');
    content.className = 'content';
    const actions = document.createElement('div');
    actions.className = 'actions';
    const handle = {
      element: bubble,
      text,
      set: (value) => {
        handle.text = value;
        if (role === 'user') content.textContent = value;
        else content.replaceChildren(renderMarkdown(value));
        bubble.scrollIntoView({ block: 'end' });
      },
      append: (delta) => handle.set(handle.text + delta),
      setStreaming: (on) => bubble.classList.toggle('streaming', on),
      markStopped: () => {
        bubble.classList.add('stopped');
        const mark = document.createElement('span');
        Object.assign(mark, { className: 'stopped-mark', textContent: 'stopped' });
        mark.title = 'You stopped this reply before the model finished it.';
        actions.prepend(mark);
      },
      remove: () => bubble.remove(),
    };
    actions.append(copyButton(handle));
    bubble.append(content, actions);
    this.container.append(bubble);
    handle.set(text);
    if (stopped) handle.markStopped();
    return handle;
  }

  showError(message) {
    const bubble = document.createElement('div');
    bubble.className = 'message error';
    bubble.setAttribute('role', 'alert');
    bubble.textContent = message;
    this.container.append(bubble);
    bubble.scrollIntoView({ block: 'end' });
  }

  clearErrors() {
    for (const bubble of this.container.querySelectorAll('.message.error')) bubble.remove();
  }
}
