// The fetch handler's wire details, checked with raw Requests: statuses and `detail` bodies for bad
// input, auth, CORS, body limits, SSE framing, errors before and after a stream's first event.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createFetchHandler, Letta } from 'letta-wasm';
import { backend } from './helpers.mjs';

const T = { timeout: 60_000 };
const URL0 = 'http://letta.local';

const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function expectError(response, status, pattern) {
  assert.equal(response.status, status, `status of ${response.url || 'response'}`);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  const body = await response.json();
  assert.equal(typeof body.detail, 'string', JSON.stringify(body));
  if (pattern) assert.match(body.detail, pattern);
  return body;
}

test('bad input is a 4xx with a clear detail, never a 500', T, async (t) => {
  const { handler } = backend(t);
  await expectError(await handler(`${URL0}/v1/blocks/`, { method: 'POST', body: '{"label": "x", ' }), 400, /Malformed JSON/);
  await expectError(await handler(`${URL0}/v1/blocks/`, json({ label: 7, value: 'x' })), 422, /label/);
  await expectError(await handler(`${URL0}/v1/blocks/`, json([1, 2])), 422, /JSON object/);
  await expectError(await handler(`${URL0}/v1/blocks/`, json({ value: 'x' })), 422, /label/);
  await expectError(await handler(`${URL0}/v1/agents/`, json({ block_ids: 'block-1' })), 422, /block_ids/);
  await expectError(await handler(`${URL0}/v1/blocks/${'nope'}`), 422, /valid block id/);
  await expectError(await handler(`${URL0}/v1/nothing-here`), 404, /Not found/);
  await expectError(await handler(`${URL0}/other`), 404, /under \/v1/);
  await expectError(await handler(`${URL0}/v1/blocks/`, { method: 'PUT', body: '{}' }), 405, /allowed: GET, POST/);
  const head = await handler(`${URL0}/v1/blocks/`, { method: 'HEAD' });
  assert.equal(head.status, 405);
  assert.match(head.headers.get('allow'), /GET/);
  await expectError(await handler(`${URL0}/v1/blocks/`, { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), 400, /UTF-8/);
  await expectError(await handler(`${URL0}/v1/agents/?limit=lots`), 422, /limit/);
  await expectError(await handler(`${URL0}/v1/agents/?order=sideways`), 422, /order/);
  // An empty body on a POST is `{}`.
  await expectError(await handler(`${URL0}/v1/blocks/`, { method: 'POST' }), 422, /label/);
});

test('oversized bodies are 413, whether declared or streamed; the limit is configurable', T, async (t) => {
  const { client } = backend(t);
  const handler = createFetchHandler(client, { maxBodyBytes: 1000 });
  const big = JSON.stringify({ label: 'big', value: 'x'.repeat(2000) });
  await expectError(await handler(`${URL0}/v1/blocks/`, { method: 'POST', body: big }), 413, /1000 bytes/);
  const streamed = new ReadableStream({
    start(c) {
      for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode('x'.repeat(400)));
      c.close();
    },
  });
  await expectError(await handler(`${URL0}/v1/blocks/`, { method: 'POST', body: streamed, duplex: 'half' }), 413);
  assert.equal((await client.blocks.list()).length, 0);
  const ok = await handler(`${URL0}/v1/blocks/`, json({ label: 'small', value: 'x'.repeat(100) }));
  assert.equal(ok.status, 200);
  // Default: 1 MiB.
  const { handler: dflt } = backend(t);
  await expectError(await dflt(`${URL0}/v1/blocks/`, { method: 'POST', body: 'x'.repeat((1 << 20) + 1) }), 413);
});

test('auth: a Bearer key compared exactly; 401 touches nothing; preflights need no key', T, async (t) => {
  const { client, handler } = backend(t, { apiKey: 's3cret', cors: true });
  const post = (authorization) =>
    handler(`${URL0}/v1/blocks/`, { ...json({ label: 'a', value: 'b' }), headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } });
  for (const bad of [undefined, 'Bearer', 'Bearer ', 'Bearer s3cre', 'Bearer s3cretX', 'Basic s3cret', 's3cret']) {
    const r = await post(bad);
    await expectError(r, 401, /Unauthorized/);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.equal(r.headers.get('access-control-allow-origin'), '*', 'CORS headers on errors too');
  }
  await expectError(await handler(`${URL0}/v1/nothing`), 401); // even unknown routes: nothing is revealed
  assert.equal((await client.blocks.list()).length, 0);
  assert.equal((await post('Bearer s3cret')).status, 200);
  assert.equal((await post('bearer s3cret')).status, 200);
  const pre = await handler(`${URL0}/v1/blocks/`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-methods'), /PATCH/);
  assert.equal(pre.headers.get('access-control-allow-headers'), 'authorization, content-type');
  assert.throws(() => createFetchHandler(client, { apiKey: '' }), TypeError);
  assert.throws(() => createFetchHandler({}), TypeError);
});

test('CORS with an origin list echoes allowed origins only', T, async (t) => {
  const { client } = backend(t);
  const handler = createFetchHandler(client, { cors: ['https://a.example', 'https://b.example'] });
  const from = (origin) => handler(`${URL0}/v1/blocks/`, { headers: { origin } });
  const a = await from('https://a.example');
  assert.equal(a.headers.get('access-control-allow-origin'), 'https://a.example');
  assert.match(a.headers.get('vary'), /Origin/);
  const c = await from('https://c.example');
  assert.equal(c.status, 200);
  assert.equal(c.headers.get('access-control-allow-origin'), null);
  const none = await backend(t).handler(`${URL0}/v1/blocks/`, { headers: { origin: 'https://a.example' } });
  assert.equal(none.headers.get('access-control-allow-origin'), null, 'no CORS unless asked');
});

test('SSE: whole `data:` events per chunk, then [DONE]; JSON errors before the first event', T, async (t) => {
  const { client, handler } = backend(t);
  client.scripted.define('bot', [{ reasoning: 'r', content: 'say [DONE] now' }, 'plain']);
  const agent = await client.agents.create({ model: 'scripted/bot' });
  const run = (suffix, body) => handler(`${URL0}/v1/agents/${agent.id}/messages${suffix}`, json(body));

  const r = await run('/stream', { messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  const chunks = [];
  const decoder = new TextDecoder();
  for await (const chunk of r.body) chunks.push(decoder.decode(chunk));
  assert.ok(chunks.every((c) => /^(data: [^\n]*\n\n)+$/.test(c)), JSON.stringify(chunks));
  const text = chunks.join('');
  assert.ok(text.endsWith('data: [DONE]\n\n'));
  const frames = text.split('\n\n').filter(Boolean).map((f) => f.slice('data: '.length));
  assert.equal(frames.filter((f) => f.includes('[DONE]')).length, 1, 'only the last line contains [DONE]');
  const events = frames.slice(0, -1).map((f) => JSON.parse(f));
  assert.deepEqual(events.map((e) => e.message_type), ['reasoning_message', 'assistant_message', 'stop_reason', 'usage_statistics']);
  assert.equal(events[1].content, 'say [DONE] now');

  // `streaming: true` on the plain route streams too; without it, the route answers JSON.
  const s = await run('', { messages: [{ role: 'user', content: 'again' }], streaming: true });
  assert.match(s.headers.get('content-type'), /^text\/event-stream/);
  assert.match(await s.text(), /"content":"plain"[\s\S]*data: \[DONE\]\n\n$/);
  const plain = await run('/', { messages: [{ role: 'user', content: 'again' }], streaming: false });
  assert.match(plain.headers.get('content-type'), /^application\/json/);
  assert.equal((await plain.json()).stop_reason.stop_reason, 'llm_api_error'); // the queue is empty now

  // Errors before the first event: ordinary JSON errors.
  await expectError(await run('/stream', { messages: 'hi' }), 422);
  await expectError(await run('/stream', { messages: [{ role: 'user', content: 'x' }], max_steps: 'many' }), 422);
  await expectError(await handler(`${URL0}/v1/agents/agent-123e4567-e89b-42d3-8456-426614174000/messages/stream`, json({ messages: [{ role: 'user', content: 'x' }] })), 404);
  await expectError(await run('/stream', undefined), 422);
});

test('an engine error after the first event is an `event: error` frame; an engine fault is a 500', T, async () => {
  // A stand-in engine: one event, then an error envelope (the real engine does this on store failures).
  const engine = {
    async request() {
      throw new Error('engine trapped');
    },
    async stream(method, path, query, body, onEvent) {
      onEvent(JSON.stringify({ message_type: 'assistant_message', id: 'message-1', content: 'partial' }));
      return JSON.stringify({ status: 503, body: { detail: 'storage error: disk full' } });
    },
  };
  const handler = createFetchHandler(engine);
  const r = await handler(`${URL0}/v1/agents/agent-x/messages/stream`, json({ messages: [] }));
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.match(text, /^data: \{"message_type":"assistant_message".*\n\nevent: error\ndata: \{.*"detail":"storage error: disk full".*\n\ndata: \[DONE\]\n\n$/s);
  await expectError(await handler(`${URL0}/v1/blocks/`), 500, /engine trapped/);

  // Through the official 1.x SDK, that frame throws an APIError after the first event.
  const { default: SdkLetta, APIError } = await import('letta1');
  const sdk = new SdkLetta({ baseURL: URL0, apiKey: 'x', fetch: handler });
  const seen = [];
  await assert.rejects(async () => {
    for await (const e of await sdk.agents.messages.stream('agent-x', { messages: [] })) seen.push(e.content);
  }, (err) => err instanceof APIError && /disk full/.test(err.message));
  assert.deepEqual(seen, ['partial']);
});

test('request forms: Request or (url, init), basePath, a Letta door as the client, retry hints', T, async (t) => {
  const letta = new Letta();
  t.after(() => letta.close());
  const handler = createFetchHandler(letta, { basePath: '/letta/' });
  const created = await handler(new Request(`${URL0}/letta/v1/blocks`, json({ label: 'a', value: 'b' })));
  assert.equal(created.status, 200);
  const id = (await created.json()).id;
  assert.equal((await letta.blocks.retrieve(id)).value, 'b', 'the handler serves the door’s engine');
  await expectError(await handler(`${URL0}/v1/blocks/`), 404, /\/letta\/v1/);
  const health = await handler(`${URL0}/letta/v1/health/`);
  assert.equal((await health.json()).status, 'ok');

  const missing = await handler(`${URL0}/letta/v1/blocks/block-123e4567-e89b-42d3-8456-426614174000`);
  assert.equal(missing.headers.get('x-should-retry'), 'false');
  await missing.body?.cancel();
  const agent = await letta.agents.create({ memory_blocks: [{ label: 'persona', value: 'p' }] });
  const dup = await letta.blocks.create({ label: 'persona', value: 'q' });
  const conflict = await handler(`${URL0}/letta/v1/agents/${agent.id}/core-memory/blocks/attach/${dup.id}`, { method: 'PATCH' });
  await expectError(conflict, 409, /unique per agent/);
  assert.equal(conflict.headers.get('x-should-retry'), 'false');
});
