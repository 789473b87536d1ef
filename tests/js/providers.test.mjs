// Real LLM providers through the packed package: the engine's own `fetch` path against local
// servers that speak each provider's wire format (tests/js/support/llm-servers.mjs): plain and
// streamed answers, tool calls, errors without the key, 429 + Retry-After, timeouts, cut streams,
// and the agent's state after each failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LettaClient } from 'letta-wasm';
import { startLlmServer } from './support/llm-servers.mjs';

const KEY = 'sk-test-SECRET-0123456789abcdef';

const MODELS = {
  openai: 'openai/gpt-4o-mini',
  anthropic: 'anthropic/claude-3-5-sonnet-20241022',
  gemini: 'google_ai/gemini-2.0-flash',
};
const PROVIDER_NAME = { openai: 'openai', anthropic: 'anthropic', gemini: 'google_ai' };

/** A server of `kind` and a client whose provider points at it. */
async function setup(t, kind, settings = {}) {
  const server = await startLlmServer(kind);
  t.after(() => server.close());
  const client = new LettaClient({
    token: 'unused',
    providers: { [PROVIDER_NAME[kind]]: { apiKey: KEY, baseUrl: server.baseUrl, ...settings } },
  });
  t.after(() => client.close());
  const agent = await client.agents.create({
    model: MODELS[kind],
    memoryBlocks: [{ label: 'human', value: 'Name: Ada' }],
  });
  return { server, client, agent };
}

const user = (text, extra = {}) => ({ messages: [{ role: 'user', content: text }], ...extra });
const insertTea = { toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes tea', insert_line: -1 } }] };

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

/** The user and assistant texts of the agent's history. */
async function history(client, agentId) {
  const msgs = await client.agents.messages.list(agentId);
  return {
    users: msgs.filter((m) => m.messageType === 'user_message').map((m) => m.content),
    assistants: msgs.filter((m) => m.messageType === 'assistant_message').map((m) => m.content),
  };
}

function assertHeaders(kind, req) {
  if (kind === 'openai') {
    assert.equal(req.url, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  } else if (kind === 'anthropic') {
    assert.equal(req.url, '/v1/messages');
    assert.equal(req.headers['x-api-key'], KEY);
    assert.equal(req.headers['anthropic-version'], '2023-06-01');
    assert.equal(req.headers['anthropic-dangerous-direct-browser-access'], 'true');
  } else {
    assert.match(req.url, /^\/v1beta\/models\/gemini-2\.0-flash:(generateContent|streamGenerateContent\?alt=sse)$/);
    assert.equal(req.headers['x-goog-api-key'], KEY);
    assert.ok(!req.url.includes(KEY));
  }
  assert.equal(req.headers['content-type'], 'application/json');
}

/** The tool result the model got back in the second request, whatever the wire format. */
function toolResultSeen(kind, body) {
  if (kind === 'openai') return body.messages.find((m) => m.role === 'tool')?.content;
  if (kind === 'anthropic') {
    return body.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).find((b) => b.type === 'tool_result')?.content;
  }
  const part = body.contents.flatMap((c) => c.parts).find((p) => p.functionResponse);
  return part && JSON.stringify(part.functionResponse.response);
}

for (const kind of ['openai', 'anthropic', 'gemini']) {
  test(`${kind}: an agent calls memory_insert, then answers (plain)`, async (t) => {
    const { server, client, agent } = await setup(t, kind);
    server.push(insertTea, { text: 'Noted: you like tea.', usage: { prompt: 70, completion: 9 } });
    const res = await client.agents.messages.create(agent.id, user('I like tea.'));
    assert.deepEqual(res.messages.map((m) => m.messageType), ['tool_call_message', 'tool_return_message', 'assistant_message']);
    assert.equal(res.stopReason.stopReason, 'end_turn');
    assert.equal(res.messages[0].toolCall.name, 'memory_insert');
    assert.equal(res.messages[2].content, 'Noted: you like tea.');
    assert.equal(res.usage.promptTokens, 120, 'usage as the provider reported it (50 + 70)');
    const block = await client.agents.blocks.retrieve(agent.id, 'human');
    assert.match(block.value, /Likes tea/);
    assert.equal(server.requests.length, 2);
    for (const r of server.requests) assertHeaders(kind, r);
    const second = server.requests[1].body;
    assert.match(toolResultSeen(kind, second), /OK/, 'the tool result went back to the model');
    const sys = kind === 'openai' ? second.messages[0].content : kind === 'anthropic' ? second.system : second.systemInstruction.parts[0].text;
    assert.match(sys, /Likes tea/, 'the second call is built from the edited block');
  });

  test(`${kind}: createStream with streamTokens yields token chunks, then stop reason and usage`, async (t) => {
    const { server, client, agent } = await setup(t, kind);
    server.push(insertTea, { text: 'Noted, Ada: you like tea.' });
    const stream = await client.agents.messages.createStream(agent.id, user('I like tea.', { streamTokens: true }));
    const chunks = await collect(stream);
    const types = chunks.map((c) => c.messageType);
    const answer = chunks.filter((c) => c.messageType === 'assistant_message');
    assert.ok(answer.length >= 4, `token-level chunks: ${types.join(', ')}`);
    assert.equal(answer.map((c) => c.content).join(''), 'Noted, Ada: you like tea.');
    assert.equal(new Set(answer.map((c) => c.id)).size, 1, 'the chunks of one message share its id');
    const args = chunks.filter((c) => c.messageType === 'tool_call_message').map((c) => c.toolCall.arguments ?? '').join('');
    assert.deepEqual(JSON.parse(args), insertTea.toolCalls[0].arguments);
    assert.ok(types.includes('tool_return_message'));
    assert.deepEqual(types.slice(-2), ['stop_reason', 'usage_statistics']);
    assert.equal(chunks.at(-2).stopReason, 'end_turn');
    assert.ok(server.requests.every((r) => (kind === 'gemini' ? r.url.includes('alt=sse') : r.body.stream === true)));
    assert.match((await client.agents.blocks.retrieve(agent.id, 'human')).value, /Likes tea/);
    // Stored once, whole.
    const h = await history(client, agent.id);
    assert.deepEqual(h.assistants, ['Noted, Ada: you like tea.']);
  });

  test(`${kind}: createStream without streamTokens yields whole messages per step`, async (t) => {
    const { server, client, agent } = await setup(t, kind);
    server.push(insertTea, { text: 'Done.' });
    const chunks = await collect(await client.agents.messages.createStream(agent.id, user('I like tea.')));
    assert.deepEqual(chunks.map((c) => c.messageType), ['tool_call_message', 'tool_return_message', 'assistant_message', 'stop_reason', 'usage_statistics']);
    assert.equal(chunks[2].content, 'Done.');
    assert.ok(server.requests.every((r) => (kind === 'gemini' ? !r.url.includes('alt=sse') : r.body.stream !== true)), 'not streamed from the provider');
  });

  test(`${kind}: 401 ends the run with llm_api_error naming provider, model, status, never the key; the next message works`, async (t) => {
    const { server, client, agent } = await setup(t, kind);
    server.push({ status: 401, body: { error: { type: 'authentication_error', message: `Incorrect API key provided: ${KEY.slice(0, 8)}****${KEY.slice(-4)}` } } });
    const res = await client.agents.messages.create(agent.id, user('hello?'));
    assert.equal(res.stopReason.stopReason, 'llm_api_error');
    const message = res.error.message;
    assert.ok(message.includes(PROVIDER_NAME[kind]) && message.includes(MODELS[kind].split('/')[1]) && message.includes('401'), message);
    assert.ok(!message.includes(KEY) && !message.includes(KEY.slice(0, 8)), message);
    assert.ok(!JSON.stringify(res).includes(KEY.slice(0, 8)));
    assert.equal(server.requests.length, 1, '401 is not retried');

    server.push({ text: 'Hello, Ada.' });
    const ok = await client.agents.messages.create(agent.id, user('hello again'));
    assert.equal(ok.stopReason.stopReason, 'end_turn');
    assert.deepEqual(await history(client, agent.id), { users: ['hello?', 'hello again'], assistants: ['Hello, Ada.'] });
  });

  test(`${kind}: a stream cut mid-answer ends with llm_api_error, stores nothing half-done, and the next message works`, async (t) => {
    const { server, client, agent } = await setup(t, kind, { maxRetries: 0 });
    server.push({ text: 'This answer will never be finished by the server at all.', cutAfter: 3 });
    const chunks = await collect(await client.agents.messages.createStream(agent.id, user('talk', { streamTokens: true })));
    const stop = chunks.find((c) => c.messageType === 'stop_reason');
    assert.equal(stop.stopReason, 'llm_api_error');
    assert.equal(server.requests.length, 1);
    server.push({ text: 'Back.' });
    const ok = await client.agents.messages.create(agent.id, user('again'));
    assert.equal(ok.stopReason.stopReason, 'end_turn');
    assert.deepEqual(await history(client, agent.id), { users: ['talk', 'again'], assistants: ['Back.'] });
  });
}

test('429 with Retry-After, then 503 with retry-after-ms, then success', async (t) => {
  const { server, client, agent } = await setup(t, 'openai');
  server.push(
    { status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached' } } },
    { status: 503, headers: { 'retry-after-ms': '200' }, body: { error: { message: 'Overloaded' } } },
    { text: 'Made it.' },
  );
  const res = await client.agents.messages.create(agent.id, user('hi'));
  assert.equal(res.stopReason.stopReason, 'end_turn');
  assert.equal(res.messages.at(-1).content, 'Made it.');
  assert.equal(server.requests.length, 3);
  const [a, b, c] = server.requests.map((r) => r.at);
  // Lower bounds only: the engine waited at least as long as it was asked to.
  assert.ok(b - a >= 950, `waited ${b - a} ms after Retry-After: 1`);
  assert.ok(c - b >= 190, `waited ${c - b} ms after retry-after-ms: 200`);
});

test('retries are bounded: three attempts, then llm_api_error with the last status', async (t) => {
  const { server, client, agent } = await setup(t, 'anthropic', { maxRetries: 2 });
  for (let i = 0; i < 4; i++) server.push({ status: 529, headers: { 'retry-after-ms': '10' }, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
  const res = await client.agents.messages.create(agent.id, user('hi'));
  assert.equal(res.stopReason.stopReason, 'llm_api_error');
  assert.match(res.error.message, /anthropic returned 529 for model claude-3-5-sonnet-20241022: Overloaded/);
  assert.equal(server.requests.length, 3);
  assert.equal(server.pending(), 1);
});

test('a slow response against a short timeout ends the request; the next message works', async (t) => {
  const { server, client, agent } = await setup(t, 'openai', { timeoutMs: 300, maxRetries: 0 });
  server.push({ text: 'too late', delayMs: 5000 });
  const t0 = performance.now();
  const res = await client.agents.messages.create(agent.id, user('quick?'));
  const took = performance.now() - t0;
  assert.equal(res.stopReason.stopReason, 'llm_api_error');
  assert.match(res.error.message, /timed out/);
  assert.ok(took < 4500, `ended by the timeout, not by the server (${Math.round(took)} ms)`);
  server.push({ text: 'On time.' });
  const ok = await client.agents.messages.create(agent.id, user('now?'));
  assert.equal(ok.messages.at(-1).content, 'On time.');
  assert.deepEqual(await history(client, agent.id), { users: ['quick?', 'now?'], assistants: ['On time.'] });
});

test('an OpenAI-compatible endpoint without a key (ollama-style), and a named provider with slashes in the model', async (t) => {
  const server = await startLlmServer('openai');
  t.after(() => server.close());
  const client = new LettaClient({
    providers: {
      ollama: { kind: 'openai', baseUrl: server.baseUrl },
      openrouter: { baseUrl: server.baseUrl, apiKey: 'or-key' },
    },
  });
  t.after(() => client.close());
  const a = await client.agents.create({ model: 'ollama/llama3.1' });
  server.push({ text: 'Hi from llama.' });
  const res = await client.agents.messages.create(a.id, user('hi'));
  assert.equal(res.messages.at(-1).content, 'Hi from llama.');
  assert.equal(server.requests[0].headers.authorization, undefined);
  assert.equal(server.requests[0].body.model, 'llama3.1');
  const b = await client.agents.create({ model: 'openrouter/meta-llama/llama-3.1-8b-instruct' });
  server.push({ text: 'Routed.' });
  await client.agents.messages.create(b.id, user('hi'));
  assert.equal(server.requests[1].body.model, 'meta-llama/llama-3.1-8b-instruct');
  assert.equal(server.requests[1].headers.authorization, 'Bearer or-key');
});

test('unconfigured providers and bad provider settings are clear errors', async (t) => {
  const client = new LettaClient({});
  t.after(() => client.close());
  const a = await client.agents.create({ model: 'openai/gpt-4o-mini' });
  const res = await client.agents.messages.create(a.id, user('hi'));
  assert.equal(res.stopReason.stopReason, 'llm_api_error');
  assert.match(res.error.message, /no model configured for handle 'openai\/gpt-4o-mini'/);
  assert.throws(() => new LettaClient({ providers: { mine: { kind: 'openai' } } }), /providers\.mine\.base_url: required/);
  assert.throws(() => new LettaClient({ providers: { x: { kind: 'cohere', baseUrl: 'http://x' } } }), /providers\.x\.kind/);
});

test('the servers answer CORS preflights (for browser tests)', async (t) => {
  const server = await startLlmServer('anthropic');
  t.after(() => server.close());
  const r = await fetch(`${server.url}/v1/messages`, { method: 'OPTIONS' });
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.equal(r.headers.get('access-control-allow-headers'), '*');
});
