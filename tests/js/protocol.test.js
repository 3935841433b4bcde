// The worker protocol without a worker: RequestClient and RequestServer joined by an async queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestClient, RequestServer } from '../../js/protocol.js';
import { AbortError, InvalidArgumentError, WorkerCrashedError, serializeError } from '../../js/errors.js';

/** Joins both sides with asynchronous delivery, as postMessage does. */
function connect(handlers, isFatal = () => false) {
  const sent = [];
  let server;
  const client = new RequestClient((message) => { sent.push(message); setImmediate(() => server.handleMessage(message)); });
  server = new RequestServer((message) => setImmediate(() => client.handleMessage(message)), handlers, { serializeError, isFatal });
  return { client, server, sent };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('requests get increasing ids, results, named errors and events', async () => {
  const { client, sent } = connect({
    info: () => ({ ok: 1 }),
    tokenize: (payload, { emit }) => { emit({ n: 1 }); emit({ n: 2 }); return payload.text.length; },
    detokenize: () => { throw new InvalidArgumentError('bad ids'); },
  });
  const events = [];
  const [a, b] = await Promise.all([client.request('info'), client.request('tokenize', { text: 'abc' }, { onEvent: (e) => events.push(e) })]);
  assert.deepEqual(a, { ok: 1 });
  assert.equal(b, 3);
  assert.deepEqual(events, [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(sent.map((m) => m.id), [1, 2]);
  await assert.rejects(client.request('detokenize', {}), (e) => e instanceof InvalidArgumentError && e.message === 'bad ids');
  assert.throws(() => client.request('nope'), TypeError);
  assert.equal(client.pending.size, 0);
});

test('requests run one at a time in order, and an abort reaches the running handler', async () => {
  const order = [];
  const { client } = connect({
    async generate(payload, { signal }) {
      order.push(`start ${payload.n}`);
      while (!signal.aborted) await tick();
      order.push(`aborted ${payload.n}`);
      throw new AbortError();
    },
    info: () => { order.push('info'); return 'done'; },
  });
  const controller = new AbortController();
  const running = client.request('generate', { n: 1 }, { signal: controller.signal });
  const after = client.request('info');
  await tick(); await tick();
  controller.abort();
  await assert.rejects(running, AbortError);
  assert.equal(await after, 'done');
  assert.deepEqual(order, ['start 1', 'aborted 1', 'info']);
  await assert.rejects(client.request('info', undefined, { signal: controller.signal }), AbortError);
});

test('a fatal error rejects every pending request and every later one', async () => {
  const { client } = connect({
    generate: async () => { await tick(); throw new WebAssembly.RuntimeError('unreachable'); },
    info: () => 'never',
  }, (error) => error instanceof WebAssembly.RuntimeError);
  const crashing = client.request('generate', {});
  const queued = client.request('info');
  await assert.rejects(crashing, /unreachable/);
  await assert.rejects(queued, /unreachable/);
  await assert.rejects(client.request('info'), /unreachable/);
});

test('failAll (worker crash or terminate) rejects pending requests with WorkerCrashedError', async () => {
  const client = new RequestClient(() => {});
  const pending = [client.request('info'), client.request('load', {})];
  client.failAll();
  for (const p of pending) await assert.rejects(p, WorkerCrashedError);
  await assert.rejects(client.request('info'), WorkerCrashedError);
});

test('the client reports busy while any request is pending (Node lets an idle worker not hold the process)', async () => {
  const changes = [];
  let server;
  const client = new RequestClient((message) => setImmediate(() => server.handleMessage(message)), (busy) => changes.push(busy));
  server = new RequestServer((message) => setImmediate(() => client.handleMessage(message)), { info: () => 1 }, { serializeError, isFatal: () => false });
  await Promise.all([client.request('info'), client.request('info')]);
  await client.request('info');
  assert.deepEqual(changes, [true, false, true, false]);
});
