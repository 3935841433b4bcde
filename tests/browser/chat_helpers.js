// Steps the chat tests share: load the model the picker has selected, and ask a question and wait
// for the whole reply.

export async function loadSelected(page) {
  await page.click('#load-button');
  await page.waitForFunction(() => /^Loaded /.test(document.getElementById('model-status').textContent),
                             null, { timeout: 120_000 });
}

// A short greedy reply can start and finish between two polls of a selector, so wait for a new
// assistant bubble that is no longer streaming (and the Send button back) rather than for the
// streaming state itself. Returns the reply's text.
export async function ask(page, question) {
  const count = await page.$$eval('#messages .message.assistant', (bubbles) => bubbles.length);
  await page.fill('#prompt', question);
  await page.press('#prompt', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#messages .message.assistant').length > n
      && document.querySelector('#messages .message.assistant.streaming') === null
      && !document.getElementById('send').hidden, count, { timeout: 120_000 });
  return page.$$eval('#messages .message.assistant .content', (bubbles) => bubbles.at(-1).textContent);
}
