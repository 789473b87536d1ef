// Tests of the JS doors against a fake engine (the wasm is not needed).
// Run: node --test pkg-template/test-support/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FakeEngine } from './fake-engine.js';
import { setEngineClass } from '../src/letta-client.js';
import { EngineHandle, EventStream, path, queryPairs } from '../src/engine.js';
import { camelKey, snakeKey, toCamel, toSnake } from '../src/case.js';
import * as errors1 from '../src/errors1.js';
import {
  Letta,
  LettaClient,
  LettaError,
  LettaTimeoutError,
  NotFoundError,
  UnprocessableEntityError,
} from '../src/index.js';

const newClient = (options = {}) => {
  const engine = new FakeEngine('{}');
  return { client: new LettaClient({ _engine: engine, token: 'x', ...options }), engine };
};

// ---- case conversion ----------------------------------------------------------------------

test('keys: snake <-> camel', () => {
  assert.equal(camelKey('block_ids'), 'blockIds');
  assert.equal(camelKey('embedding_dim'), 'embeddingDim');
  assert.equal(camelKey('_meta'), '_meta');
  assert.equal(snakeKey('memoryBlocks'), 'memory_blocks');
  assert.equal(snakeKey('already_snake'), 'already_snake');
  assert.equal(snakeKey('topK'), 'top_k');
});

test('toSnake: deep keys, Dates, undefined dropped, opaque values untouched', () => {
  const at = new Date('2025-02-03T04:05:06.000Z');
  const wire = toSnake({
    memoryBlocks: [{ label: 'p', value: 'v', readOnly: true, metadata: { someKey: 1 } }],
    blockIds: ['block-1'],
    createdAt: at,
    skipMe: undefined,
    jsonSchema: { name: 't', parameters: { properties: { camelArg: { type: 'string' } } } },
    toolExecEnvironmentVariables: { MY_VAR: 'x', otherVar: 'y' },
    llmConfig: { contextWindow: 1000 },
  });
  assert.deepEqual(wire, {
    memory_blocks: [{ label: 'p', value: 'v', read_only: true, metadata: { someKey: 1 } }],
    block_ids: ['block-1'],
    created_at: '2025-02-03T04:05:06.000Z',
    json_schema: { name: 't', parameters: { properties: { camelArg: { type: 'string' } } } },
    tool_exec_environment_variables: { MY_VAR: 'x', otherVar: 'y' },
    llm_config: { context_window: 1000 },
  });
});

test('toCamel: deep keys, dates, metadata_ -> metadata, opaque values untouched', () => {
  const js = toCamel({
    id: 'agent-1',
    created_at: '2025-01-01T00:00:00Z',
    last_run_completion: 'not a date',
    metadata: { user_key: { nested_key: 1 } },
    memory: { blocks: [{ read_only: false, metadata_: { a_b: 1 } }] },
    tool_exec_environment_variables: [{ key: 'K', value: 'v', agent_id: 'agent-1' }],
    messages: [{ message_type: 'tool_call_message', date: '2025-01-01T00:00:01Z', tool_call: { tool_call_id: 'c', arguments: '{"a_b":1}' } }],
  });
  assert.ok(js.createdAt instanceof Date);
  assert.equal(js.createdAt.toISOString(), '2025-01-01T00:00:00.000Z');
  assert.equal(js.lastRunCompletion, 'not a date');
  assert.deepEqual(js.metadata, { user_key: { nested_key: 1 } });
  assert.deepEqual(js.memory.blocks[0], { readOnly: false, metadata: { a_b: 1 } });
  assert.deepEqual(js.toolExecEnvironmentVariables, [{ key: 'K', value: 'v', agentId: 'agent-1' }]);
  assert.equal(js.messages[0].messageType, 'tool_call_message');
  assert.ok(js.messages[0].date instanceof Date);
  assert.deepEqual(js.messages[0].toolCall, { toolCallId: 'c', arguments: '{"a_b":1}' });
});

// ---- query and path building --------------------------------------------------------------

test('queryPairs: repeated keys, booleans, dates, skips undefined/null', () => {
  assert.deepEqual(
    queryPairs({ tags: ['a', 'b'], limit: 10, match_all_tags: false, after: undefined, before: null, at: new Date(0) }),
    [['tags', 'a'], ['tags', 'b'], ['limit', '10'], ['match_all_tags', 'false'], ['at', '1970-01-01T00:00:00.000Z']],
  );
  assert.deepEqual(queryPairs(undefined), []);
});

test('path: segments are encodeURIComponent-ed', () => {
  assert.equal(path`/v1/agents/${'a/b c'}/core-memory/blocks/${'per?sona'}`, '/v1/agents/a%2Fb%20c/core-memory/blocks/per%3Fsona');
});

test('door sends wire names in query and body', async () => {
  const { client, engine } = newClient();
  await client.agents.list({ tags: ['x', 'y'], matchAllTags: true, limit: 5 });
  await client.agents.messages.reset('agent-1', { addDefaultInitialMessages: false }).catch(() => {});
  await client.tools.modify('tool-1', { metadata: { k: 1 }, returnCharLimit: 9 }).catch(() => {});
  const [list, reset, modify] = engine.calls;
  assert.deepEqual(list, { method: 'GET', path: '/v1/agents/', query: [['tags', 'x'], ['tags', 'y'], ['match_all_tags', 'true'], ['limit', '5']], body: undefined });
  assert.deepEqual(reset, { method: 'PATCH', path: '/v1/agents/agent-1/reset-messages', query: [['add_default_initial_messages', 'false']], body: undefined });
  assert.deepEqual(modify.body, { metadata_: { k: 1 }, return_char_limit: 9 });
});

// ---- the seed ------------------------------------------------------------------------------

test('seed: shared block attached to two agents, camelCase in and out', async () => {
  const { client, engine } = newClient();
  const sharedBlock = await client.blocks.create({
    label: 'organization',
    description: 'Shared information between all agents within the organization.',
    value: 'Nothing here yet, we should update this over time.',
  });
  assert.match(sharedBlock.id, /^block-/);
  assert.equal(sharedBlock.readOnly, false);

  const supervisorAgent = await client.agents.create({
    model: 'anthropic/claude-3-5-sonnet-20241022',
    embedding: 'openai/text-embedding-3-small',
    memoryBlocks: [{ label: 'persona', value: 'I am a supervisor' }],
    blockIds: [sharedBlock.id],
  });
  const workerAgent = await client.agents.create({
    model: 'anthropic/claude-3-5-sonnet-20241022',
    embedding: 'openai/text-embedding-3-small',
    memoryBlocks: [{ label: 'persona', value: 'I am a worker' }],
    blockIds: [sharedBlock.id],
  });
  assert.deepEqual(engine.calls[1].body, {
    model: 'anthropic/claude-3-5-sonnet-20241022',
    embedding: 'openai/text-embedding-3-small',
    memory_blocks: [{ label: 'persona', value: 'I am a supervisor' }],
    block_ids: [sharedBlock.id],
  });
  assert.ok(supervisorAgent.createdAt instanceof Date);
  assert.equal(supervisorAgent.llmConfig.contextWindow, 32000);
  assert.deepEqual(supervisorAgent.memory.blocks.map((b) => b.label), ['persona', 'organization']);

  const org = await client.agents.blocks.retrieve(workerAgent.id, 'organization');
  assert.equal(org.id, sharedBlock.id);
  assert.equal(await client.blocks.count(), 3);
  assert.equal((await client.blocks.list({ label: 'persona' })).length, 2);
  const { data, rawResponse } = await client.blocks.retrieve(sharedBlock.id).withRawResponse();
  assert.equal(data.id, sharedBlock.id);
  assert.equal(rawResponse.status, 200);
});

// ---- errors --------------------------------------------------------------------------------

test('errors: 404 -> NotFoundError with readable message and 0.x fields', async () => {
  const { client } = newClient();
  const err = await client.agents.retrieve('agent-nope').catch((e) => e);
  assert.ok(err instanceof NotFoundError);
  assert.ok(err instanceof Letta.NotFoundError);
  assert.ok(err instanceof LettaError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'NotFoundError');
  assert.equal(err.statusCode, 404);
  assert.equal(err.status, 404);
  assert.deepEqual(err.body, { detail: 'Agent not found: agent-nope' });
  assert.equal(err.rawResponse.status, 404);
  assert.equal(err.message.split('\n')[0], 'Agent not found: agent-nope (status 404)');
  assert.match(err.message, /Status code: 404/);
  assert.match(err.message, /Body: \{"detail":"Agent not found: agent-nope"\}/);
  assert.match(String(err), /^NotFoundError: Agent not found/);
});

test('errors: 422 detail list, 400 and 500 classes', async () => {
  const { client } = newClient();
  const e422 = await client.blocks.create({ value: 'no label' }).catch((e) => e);
  assert.ok(e422 instanceof UnprocessableEntityError);
  assert.equal(e422.message.split('\n')[0], 'body.label: Field required (status 422)');

  const e400 = await client.tools.create({ sourceCode: '' }).catch((e) => e);
  assert.equal(e400.name, 'BadRequestError');
  assert.ok(e400 instanceof Letta.BadRequestError);

  const handle = new EngineHandle({ request: async () => '{"status":500,"body":{"detail":"boom"}}' });
  const e500 = await handle.call('GET', '/v1/x').catch((e) => e);
  assert.equal(e500.constructor, LettaError);
  assert.equal(e500.statusCode, 500);

  // the 1.x kit
  const e1 = errors1.errorFromEnvelope(404, { detail: 'Agent not found: agent-1' });
  assert.ok(e1 instanceof errors1.NotFoundError && e1 instanceof errors1.APIError && e1 instanceof errors1.LettaError);
  assert.equal(e1.status, 404);
  assert.deepEqual(e1.error, { detail: 'Agent not found: agent-1' });
  assert.equal(e1.message, '404 Agent not found: agent-1');
  assert.equal(errors1.errorFromEnvelope(503, {}).name, 'InternalServerError');
});

test('abortSignal rejects early; timeoutInSeconds -> LettaTimeoutError; engine still works', async () => {
  let hold = true;
  const pending = [];
  const slow = {
    request: () => (hold ? new Promise((r) => pending.push(r)) : Promise.resolve('{"status":200,"body":[]}')),
  };
  const client = new LettaClient({ _engine: slow });
  const ac = new AbortController();
  const p = client.blocks.list({}, { abortSignal: ac.signal });
  ac.abort();
  const err = await p.catch((e) => e);
  assert.ok(err instanceof LettaError);
  assert.equal(err.message, 'The user aborted a request');

  const t = await client.blocks.list({}, { timeoutInSeconds: 0.01 }).catch((e) => e);
  assert.ok(t instanceof LettaTimeoutError);
  assert.match(t.message, /GET \/v1\/blocks\//);

  // late answers to the abandoned calls are dropped quietly; new calls work
  for (const resolve of pending) resolve('{"status":404,"body":{"detail":"late"}}');
  hold = false;
  assert.deepEqual(await client.blocks.list(), []);
});

test('not initialised: a clear error; setEngineClass makes plain construction work', () => {
  setEngineClass(null);
  assert.throws(() => new LettaClient(), /not initialised/);
  setEngineClass(FakeEngine);
  const client = new LettaClient({ storage: 'memory' });
  assert.deepEqual(client._engine.engine.options, { storage: 'memory' });
  client.close();
  assert.equal(client._engine.engine.freed, true);
  setEngineClass(null);
});

// ---- scripted models, tools, messages -------------------------------------------------------

test('scripted queue + JS tool body: create, tool call round trip, requests and stats', async () => {
  const { client } = newClient({
    providers: {
      scripted: {
        bot: [
          { reasoning: 'use the tool', toolCalls: [{ id: 'call-1', name: 'add', arguments: { a: 2, b_value: 3 } }] },
        ],
      },
    },
  });
  const seen = [];
  const tool = await client.tools.create({
    sourceCode: '',
    jsonSchema: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' }, b_value: { type: 'number' } } } },
    metadata: { owner: 'me' },
    fn: async (args, ctx) => {
      seen.push([args, ctx.agentId, ctx.client === client]);
      return { sum: args.a + args.b_value };
    },
  });
  assert.equal(tool.name, 'add');
  assert.deepEqual(tool.metadata, { owner: 'me' }); // wire metadata_ -> metadata

  const agent = await client.agents.create({ model: 'scripted/bot' });
  const res = await client.agents.messages.create(agent.id, { messages: [{ role: Letta.MessageCreateRole.User, content: 'hi' }] });
  assert.deepEqual(res.messages.map((m) => m.messageType), ['reasoning_message', 'tool_call_message', 'tool_return_message']);
  assert.equal(res.messages[2].toolReturn, '{"sum":5}');
  assert.equal(res.stopReason.stopReason, Letta.StopReasonType.EndTurn);
  assert.equal(res.usage.totalTokens, 3);
  assert.deepEqual(seen, [[{ a: 2, b_value: 3 }, agent.id, true]]);

  const [req] = client.scripted.requests('bot');
  assert.equal(req.agent_id, agent.id);
  assert.deepEqual(req.messages.at(-1), { role: 'user', content: 'hi' });
  assert.deepEqual(client.scripted.stats('scripted/bot'), { calls: 1, inFlight: 0, peakInFlight: 1 });

  // queue exhausted -> the error response the brief specifies
  const err = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'again' }] }).catch((e) => e);
  assert.match(err.message, /scripted\/bot: no scripted response left/);
});

test('scripted function: string result, thrown error, tools.bind re-binds', async () => {
  const { client, engine } = newClient();
  client.scripted.define('echo', (req) => `echo: ${req.messages.at(-1).content}`);
  const agent = await client.agents.create({ model: 'scripted/echo' });
  const res = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'yo' }] });
  assert.equal(res.messages.at(-1).content, 'echo: yo');

  client.scripted.define('bad', () => {
    const e = new Error('rate limited');
    e.status = 429;
    throw e;
  });
  assert.deepEqual(JSON.parse(await engine.models.get('bad').fn('{}')), { error: { message: 'rate limited', status: 429 } });

  client.tools.bind('t', (args) => `got ${args.x}`);
  assert.equal(await engine.toolFns.get('t')('{"x":1}', '{"agent_id":"agent-1"}'), 'got 1');
});

// ---- streaming -----------------------------------------------------------------------------

const scriptedStreamClient = async () => {
  const { client, engine } = newClient();
  client.scripted.define('s', [{ reasoning: 'thinking', content: 'hello' }, { content: 'second' }]);
  const agent = await client.agents.create({ model: 'scripted/s' });
  return { client, engine, agent };
};

test('createStream yields camelCase chunks in order, with Dates', async () => {
  const { client, agent } = await scriptedStreamClient();
  const stream = await client.agents.messages.createStream(agent.id, { messages: [{ role: 'user', content: 'hi' }], streamTokens: false });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks.map((c) => c.messageType), ['reasoning_message', 'assistant_message', 'stop_reason', 'usage_statistics']);
  assert.ok(chunks[0].date instanceof Date);
  assert.equal(chunks[2].stopReason, 'end_turn');
  assert.equal(chunks[3].promptTokens, 2);
});

test('createStream: early break drops the rest and leaves the engine usable', async () => {
  const { client, agent } = await scriptedStreamClient();
  const stream = await client.agents.messages.createStream(agent.id, { messages: [{ role: 'user', content: 'hi' }] });
  for await (const chunk of stream) {
    assert.equal(chunk.messageType, 'reasoning_message');
    break;
  }
  assert.deepEqual(await stream.next(), { value: undefined, done: true });
  await new Promise((r) => setTimeout(r, 20)); // the run finishes in the background
  const res = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'again' }] });
  assert.equal(res.messages.at(-1).content, 'second');
});

test('createStream: an error before the first event is thrown by the call', async () => {
  const { client } = newClient();
  const err = await client.agents.messages.createStream('agent-missing', { messages: [] }).catch((e) => e);
  assert.ok(err instanceof NotFoundError);
  assert.match(err.message, /Agent not found: agent-missing/);
});

test('createStream: an error after events is thrown by the iterator after them', async () => {
  const { client } = newClient();
  const agent = await client.agents.create({ model: 'fake/error-mid-stream' });
  const stream = await client.agents.messages.createStream(agent.id, { messages: [] });
  const seen = [];
  const err = await (async () => {
    for await (const chunk of stream) seen.push(chunk.messageType);
  })().catch((e) => e);
  assert.deepEqual(seen, ['reasoning_message']);
  assert.ok(err instanceof LettaError);
  assert.equal(err.statusCode, 500);
});

test('EventStream: concurrent next() waiters and end with error', async () => {
  const s = new EventStream((x) => x);
  const a = s.next();
  const b = s.next();
  s.push('1');
  s.end(new Error('x'));
  assert.deepEqual(await a, { value: 1, done: false });
  await assert.rejects(b, /x/);
  assert.deepEqual(await s.next(), { value: undefined, done: true });
});

test('createStream with abortSignal stops the iterator', async () => {
  const { client, agent } = await scriptedStreamClient();
  const ac = new AbortController();
  const stream = await client.agents.messages.createStream(agent.id, { messages: [{ role: 'user', content: 'hi' }] }, { abortSignal: ac.signal });
  const first = await stream.next();
  assert.equal(first.value.messageType, 'reasoning_message');
  ac.abort();
  await assert.rejects(stream.next(), /aborted/);
});

test('createStream: timeoutInSeconds covers the wait for the first chunk only', async () => {
  let emit;
  let finish;
  const engine = {
    stream: (m, p, q, b, onEvent) => {
      emit = onEvent;
      return new Promise((r) => (finish = r));
    },
  };
  const client = new LettaClient({ _engine: engine });
  const late = await client.agents.messages.createStream('a', { messages: [] }, { timeoutInSeconds: 0.01 }).catch((e) => e);
  assert.ok(late instanceof LettaTimeoutError);

  const pending = client.agents.messages.createStream('a', { messages: [] }, { timeoutInSeconds: 0.02 });
  emit('{"message_type":"reasoning_message","reasoning":"r"}');
  const stream = await pending;
  await new Promise((r) => setTimeout(r, 40)); // past the timeout: the started stream is not cut
  emit('{"message_type":"stop_reason","stop_reason":"end_turn"}');
  finish('{"status":200,"body":{}}');
  const types = [];
  for await (const c of stream) types.push(c.messageType);
  assert.deepEqual(types, ['reasoning_message', 'stop_reason']);
});

test('a door built on another door\'s EngineHandle shares the engine but keeps 0.x errors', async () => {
  const { client, engine } = newClient();
  const other = new EngineHandle(engine, errors1.errors1);
  const second = new LettaClient({ _engine: other });
  await client.blocks.create({ label: 'x', value: 'y' });
  assert.equal(await second.blocks.count(), 1);
  const err = await second.blocks.retrieve('nope').catch((e) => e);
  assert.ok(err instanceof NotFoundError);
  assert.ok((await other.call('GET', '/v1/blocks/nope').catch((e) => e)) instanceof errors1.NotFoundError);
});
