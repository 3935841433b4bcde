// Markdown-safe rendering of model output: a small subset (fenced code, inline code, bold,
// italics, paragraphs, bullet lists) built as DOM nodes. Model text is never parsed as HTML.

function appendInline(parent, text) {
  // `code`, **bold**, *italic*; everything else is plain text.
  const pattern = /(`[^`\n]+`|\*\*[^*\n]+\*\*|\*[^*\n]+\*)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parent.append(text.slice(last, match.index));
    const token = match[0];
    let node;
    if (token.startsWith('`')) {
      node = document.createElement('code');
      node.textContent = token.slice(1, -1);
    } else if (token.startsWith('**')) {
      node = document.createElement('strong');
      node.textContent = token.slice(2, -2);
    } else {
      node = document.createElement('em');
      node.textContent = token.slice(1, -1);
    }
    parent.append(node);
    last = match.index + token.length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

// Returns a DocumentFragment for `text` (which may be a partial stream: an unclosed fence
// renders as an open code block).
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const blocks = text.split(/^```[^\n]*\n?/m);
  blocks.forEach((block, index) => {
    if (index % 2 === 1) {
      const pre = document.createElement('pre');
      const code = document.createElement('code');
      code.textContent = block.replace(/\n$/, '');
      pre.append(code);
      fragment.append(pre);
      return;
    }
    for (const paragraph of block.split(/\n{2,}/)) {
      if (!paragraph.trim()) continue;
      const lines = paragraph.split('\n');
      if (lines.every((line) => /^\s*[-*] /.test(line))) {
        const list = document.createElement('ul');
        for (const line of lines) {
          const item = document.createElement('li');
          appendInline(item, line.replace(/^\s*[-*] /, ''));
          list.append(item);
        }
        fragment.append(list);
      } else {
        const p = document.createElement('p');
        lines.forEach((line, i) => {
          if (i > 0) p.append(document.createElement('br'));
          appendInline(p, line);
        });
        fragment.append(p);
      }
    }
  });
  return fragment;
}
