// The conversation: messages as bubbles (model text rendered Markdown-safe), streaming updates.
import { renderMarkdown } from './markdown.js';

export class ChatView {
  constructor(container) {
    this.container = container;
  }

  clear() {
    this.container.replaceChildren();
  }

  // Adds a bubble and returns a handle to update it while it streams.
  add(role, text = '') {
    const bubble = document.createElement('div');
    bubble.className = `message ${role}`;
    bubble.dataset.role = role;
    const handle = {
      element: bubble,
      text,
      set: (value) => {
        handle.text = value;
        if (role === 'user') bubble.textContent = value;
        else bubble.replaceChildren(renderMarkdown(value));
        bubble.scrollIntoView({ block: 'end' });
      },
      append: (delta) => handle.set(handle.text + delta),
      setStreaming: (on) => bubble.classList.toggle('streaming', on),
      remove: () => bubble.remove(),
    };
    this.container.append(bubble);
    handle.set(text);
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
}
