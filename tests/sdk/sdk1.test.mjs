// The official @letta-ai/letta-client 1.12.1 (npm alias `letta1`) against letta-wasm's fetch handler
// through its `fetch` option, and the same scenario through letta-wasm's in-process `Letta` door.
import test from 'node:test';
import assert from 'node:assert/strict';
import SdkLetta, * as Sdk from 'letta1';
import WasmLetta, * as Wasm from 'letta-wasm';
import { backend } from './helpers.mjs';
import { collect, rejects, scenario1 } from './scenario1.mjs';

const T = { timeout: 60_000 };

let sdkSummary;

test('official 1.x SDK runs the scenario over the fetch handler', T, async (t) => {
  const { client, fetch, calls } = backend(t);
  const letta = new SdkLetta({ baseURL: 'http://letta.local', apiKey: 'unused', fetch });
  sdkSummary = await scenario1(letta, { scripted: client.scripted, Errors: Sdk });

  // Pagination went through several pages with `after=<last id>`, ending on an empty page.
  const pages = calls.filter((c) => c.startsWith('GET /v1/blocks/?limit=2'));
  assert.ok(pages.filter((c) => /&after=block-/.test(c)).length >= 8, pages.join('\n'));
  assert.equal(pages.filter((c) => !c.includes('after=')).length, 2, pages.join('\n')); // two walks
  // 4xx answers carry `x-should-retry: false`: the 409 was sent once, not retried.
  assert.equal(calls.filter((c) => c.includes('/core-memory/blocks/attach/')).length, 2, calls.join('\n'));
  // Collection routes with the trailing slash.
  assert.ok(calls.includes('POST /v1/blocks/') && calls.includes('POST /v1/agents/'));
});

test('the in-process Letta door gives the same results', T, async (t) => {
  const letta = new WasmLetta();
  t.after(() => letta.close());
  const summary = await scenario1(letta, { scripted: letta.scripted, Errors: Wasm });
  assert.ok(sdkSummary, 'the SDK test ran first');
  assert.deepEqual(summary, sdkSummary);
});

test('with apiKey: a request without the right Bearer key gets 401 and changes nothing', T, async (t) => {
  const { client, fetch, calls } = backend(t, { apiKey: 'sk-test-123' });
  const anonymous = new SdkLetta({ baseURL: 'http://letta.local', apiKey: null, fetch, maxRetries: 0 });
  const wrong = new SdkLetta({ baseURL: 'http://letta.local', apiKey: 'sk-test-124', fetch, maxRetries: 0 });
  const right = new SdkLetta({ baseURL: 'http://letta.local', apiKey: 'sk-test-123', fetch, maxRetries: 0 });
  await rejects(anonymous.blocks.create({ label: 'a', value: 'b' }), Sdk.AuthenticationError, 401);
  await rejects(wrong.blocks.create({ label: 'a', value: 'b' }), Sdk.AuthenticationError, 401);
  const shorter = new SdkLetta({ baseURL: 'http://letta.local', apiKey: 'sk-test-12', fetch, maxRetries: 0 });
  await rejects(shorter.agents.list(), Sdk.AuthenticationError, 401);
  assert.equal((await client.blocks.list()).length, 0, 'nothing was created');
  const block = await right.blocks.create({ label: 'a', value: 'b' });
  assert.equal((await client.blocks.retrieve(block.id)).value, 'b');
  assert.equal(calls.length, 4);
});

test('1.x streams: an error before the first event is thrown by the call; break and abort stop reading', T, async (t) => {
  const { client, fetch } = backend(t);
  const letta = new SdkLetta({ baseURL: 'http://letta.local', apiKey: 'x', fetch, maxRetries: 0 });
  await rejects(letta.agents.messages.stream('agent-123e4567-e89b-42d3-8456-426614174000', { messages: [{ role: 'user', content: 'x' }] }), Sdk.NotFoundError, 404);
  const agent = await letta.agents.create({ model: 'scripted/chatty' });
  await rejects(letta.agents.messages.stream(agent.id, { messages: 'nope' }), Sdk.UnprocessableEntityError, 422);

  client.scripted.define('chatty', [
    { tool_calls: [{ name: 'core_memory_append', arguments: { label: 'nothing', content: 'x' } }] },
    { content: 'done' },
  ]);
  const stream = await letta.agents.messages.stream(agent.id, { messages: [{ role: 'user', content: 'go' }] });
  const first = [];
  for await (const event of stream) {
    first.push(event.message_type);
    break;
  }
  assert.deepEqual(first, ['tool_call_message']);
  // The run itself finished and was recorded.
  const history = await collect(letta.agents.messages.list(agent.id));
  assert.ok(history.some((m) => m.message_type === 'assistant_message'), history.map((m) => m.message_type).join());

  // A run whose model fails streams an error_message event, then the stop reason.
  client.scripted.define('chatty', () => {
    throw Object.assign(new Error('provider down'), { status: 503 });
  });
  const failed = await collect(await letta.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'x' }], streaming: true }));
  assert.deepEqual(failed.map((e) => e.message_type), ['error_message', 'stop_reason', 'usage_statistics']);
  assert.equal(failed[1].stop_reason, 'llm_api_error');
});

test('the Letta door: APIPromise, pages, streams, errors, extensions', T, async (t) => {
  const letta = new WasmLetta({ providers: { scripted: { bot: ['one', 'two', 'three'] } } });
  t.after(() => letta.close());
  assert.equal(WasmLetta, Wasm.Letta);
  assert.equal(WasmLetta.NotFoundError, Wasm.NotFoundError);

  // APIPromise: asResponse / withResponse
  const created = letta.blocks.create({ label: 'x', value: 'y' });
  assert.ok(created instanceof Wasm.APIPromise);
  const { data, response } = await created.withResponse();
  assert.equal(response.status, 200);
  assert.equal((await response.json()).id, data.id);
  const raw = await letta.blocks.retrieve(data.id).asResponse();
  assert.equal(raw.headers.get('content-type'), 'application/json');
  const missing = letta.blocks.retrieve('block-123e4567-e89b-42d3-8456-426614174000');
  await assert.rejects(missing.asResponse(), Wasm.NotFoundError);
  const err = await rejects(missing, Wasm.NotFoundError, 404);
  assert.ok(err instanceof Wasm.APIError && err instanceof Wasm.LettaError && err instanceof WasmLetta.LettaError);
  assert.ok(err.headers instanceof Headers);
  assert.match(err.message, /^404 Block not found/);

  // Child-first calls need their parent id.
  assert.throws(() => letta.agents.blocks.retrieve('persona', {}), WasmLetta.LettaError);

  // Pages: items, hasNextPage, getNextPage, for await over the promise and the page
  for (let i = 0; i < 4; i++) await letta.agents.create({ name: `a${i}`, model: 'scripted/bot' });
  const page = await letta.agents.list({ limit: 3, order: 'asc' });
  assert.ok(page instanceof Wasm.ArrayPage);
  assert.equal(page.items.length, 3);
  assert.ok(page.hasNextPage());
  const next = await page.getNextPage();
  assert.equal(next.items.length, 1);
  const last = await next.getNextPage();
  assert.equal(last.items.length, 0);
  assert.equal(last.hasNextPage(), false);
  await assert.rejects(last.getNextPage(), WasmLetta.LettaError);
  assert.deepEqual((await collect(page)).map((a) => a.name), ['a0', 'a1', 'a2', 'a3']);
  assert.deepEqual((await collect(letta.agents.list({ limit: 1 }))).length, 4);
  const back = await collect(letta.agents.list({ before: page.items[2].id, limit: 1, order: 'asc' }));
  assert.deepEqual(back.map((a) => a.name), ['a1', 'a0']);

  // Streams: single use, tee, toReadableStream, controller.abort() ends quietly, asResponse is SSE
  const agent = page.items[0];
  const stream = await letta.agents.messages.stream(agent.id, { messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(stream instanceof Wasm.Stream);
  const [a, b] = stream.tee();
  assert.deepEqual((await collect(a)).map((e) => e.message_type), ['assistant_message', 'stop_reason', 'usage_statistics']);
  assert.equal((await collect(b)).length, 3);
  await assert.rejects(collect(stream), /consumed stream/);
  const nd = await (await letta.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'x' }], streaming: true })).toReadableStream();
  const lines = (await new Response(nd).text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].content, 'two');
  const sse = await letta.agents.messages.stream(agent.id, { messages: [{ role: 'user', content: 'x' }] }).asResponse();
  assert.equal(sse.headers.get('content-type'), 'text/event-stream');
  const text = await sse.text();
  assert.match(text, /^data: \{.*"content":"three"/);
  assert.ok(text.endsWith('data: [DONE]\n\n'));

  const aborting = await letta.agents.messages.stream(agent.id, { messages: [{ role: 'user', content: 'x' }] });
  aborting.controller.abort();
  assert.ok((await collect(aborting)).length <= 3);

  // Extensions: tool bodies with snake_case ctx, scripted stats, waitForIdle, withOptions
  const tool = await letta.tools.create({
    json_schema: { name: 'whoami', description: 'Says who calls', parameters: { type: 'object', properties: {} } },
    fn: (args, ctx) => `agent=${ctx.agent_id} client=${ctx.client === letta}`,
  });
  assert.equal(tool.name, 'whoami');
  await letta.agents.tools.attach(tool.id, { agent_id: agent.id });
  letta.scripted.define('bot', [{ tool_calls: [{ name: 'whoami', arguments: {} }] }, 'ok']);
  const run = await letta.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'who?' }] });
  assert.equal(run.messages[1].tool_return, `agent=${agent.id} client=true`);
  assert.equal(letta.scripted.stats('bot').in_flight, 0);
  await letta.waitForIdle();
  const other = letta.withOptions({ timeout: 5000 });
  assert.equal((await other.agents.retrieve(agent.id)).id, agent.id);
  assert.equal((await letta.health()).status, 'ok');
});
