// The provider tests of tests/js/providers.test.mjs, in headless Chromium (issue 3): the packed
// package's browser entry calls local servers speaking the OpenAI, Anthropic and Gemini wire
// formats (tests/js/support/llm-servers.mjs, CORS) with the page's own fetch: plain and streamed
// answers, a tool call that edits a block, 401 without the key, 429 + Retry-After, a cut stream.
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { HERE, PKG, noChromium, browser, serve } from './support.mjs';
import { startLlmServer } from '../js/support/llm-servers.mjs';

const KEY = 'sk-test-SECRET-0123456789abcdef';
const MODELS = {
  openai: 'openai/gpt-4o-mini',
  anthropic: 'anthropic/claude-3-5-sonnet-20241022',
  gemini: 'google_ai/gemini-2.0-flash',
};
const PROVIDER_NAME = { openai: 'openai', anthropic: 'anthropic', gemini: 'google_ai' };
const insertTea = { toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes tea', insert_line: -1 } }] };

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
  assert.match(req.headers.origin ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'sent by the page (a cross-origin fetch)');
}

function toolResultSeen(kind, body) {
  if (kind === 'openai') return body.messages.find((m) => m.role === 'tool')?.content;
  if (kind === 'anthropic') {
    return body.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).find((b) => b.type === 'tool_result')?.content;
  }
  const part = body.contents.flatMap((c) => c.parts).find((p) => p.functionResponse);
  return part && JSON.stringify(part.functionResponse.response);
}

test('providers in headless Chromium: OpenAI, Anthropic, Gemini wire formats through the browser entry', { skip: noChromium }, async (t) => {
  const srv = await serve({ port: 0, roots: { '/pkg/': PKG, '/': join(HERE, 'fixtures/providers') } });
  t.after(() => srv.close());
  const { newPage, log } = await browser(t);
  const page = await newPage();
  await page.goto(`${srv.url}/index.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 }).catch((e) => {
    throw new Error(`${e.message}\npage log:\n${log.join('\n')}`);
  });

  let n = 0;
  /** A fresh server of `kind` and a client + agent in the page pointed at it. */
  async function setup(st, kind, settings = {}) {
    const server = await startLlmServer(kind);
    const id = `c${++n}`;
    st.after(async () => {
      await page.evaluate((id) => window.lt.close(id), id).catch(() => {});
      await server.close();
    });
    await page.evaluate(([id, kind, key, baseUrl, model, settings]) => window.lt.setup(id, kind, key, baseUrl, model, settings), [id, kind, KEY, server.baseUrl, MODELS[kind], settings]);
    const call = (fn, ...args) => page.evaluate(([fn, id, args]) => window.lt[fn](id, ...args), [fn, id, args]);
    return {
      server,
      send: (text, extra) => call('send', text, extra),
      stream: (text, extra) => call('stream', text, extra),
      block: (label) => call('block', label),
      history: () => call('history'),
    };
  }

  for (const kind of ['openai', 'anthropic', 'gemini']) {
    await t.test(`${kind}: an agent calls memory_insert, then answers (plain)`, async (st) => {
      const { server, send, block } = await setup(st, kind);
      server.push(insertTea, { text: 'Noted: you like tea.', usage: { prompt: 70, completion: 9 } });
      const res = await send('I like tea.');
      assert.deepEqual(res.messages.map((m) => m.messageType), ['tool_call_message', 'tool_return_message', 'assistant_message']);
      assert.equal(res.stopReason.stopReason, 'end_turn');
      assert.equal(res.messages[0].toolCall.name, 'memory_insert');
      assert.equal(res.messages[2].content, 'Noted: you like tea.');
      assert.equal(res.usage.promptTokens, 120, 'usage as the provider reported it (50 + 70)');
      assert.match(await block('human'), /Likes tea/);
      assert.equal(server.requests.length, 2);
      for (const r of server.requests) assertHeaders(kind, r);
      const second = server.requests[1].body;
      assert.match(toolResultSeen(kind, second), /OK/, 'the tool result went back to the model');
      const sys = kind === 'openai' ? second.messages[0].content : kind === 'anthropic' ? second.system : second.systemInstruction.parts[0].text;
      assert.match(sys, /Likes tea/, 'the second call is built from the edited block');
    });

    await t.test(`${kind}: a plain answer, no tools`, async (st) => {
      const { server, send, history } = await setup(st, kind);
      server.push({ text: 'Hello, Ada.' });
      const res = await send('hello');
      assert.deepEqual(res.messages.map((m) => m.messageType), ['assistant_message']);
      assert.equal(res.messages[0].content, 'Hello, Ada.');
      assert.equal(res.stopReason.stopReason, 'end_turn');
      assert.equal(server.requests.length, 1);
      assertHeaders(kind, server.requests[0]);
      assert.ok(server.requests.every((r) => (kind === 'gemini' ? !r.url.includes('alt=sse') : r.body.stream !== true)), 'not streamed from the provider');
      assert.deepEqual(await history(), { users: ['hello'], assistants: ['Hello, Ada.'] });
    });

    await t.test(`${kind}: createStream with streamTokens yields token chunks, then stop reason and usage`, async (st) => {
      const { server, stream, block, history } = await setup(st, kind);
      server.push(insertTea, { text: 'Noted, Ada: you like tea.' });
      const chunks = await stream('I like tea.', { streamTokens: true });
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
      for (const r of server.requests) assertHeaders(kind, r);
      assert.match(await block('human'), /Likes tea/);
      assert.deepEqual((await history()).assistants, ['Noted, Ada: you like tea.'], 'stored once, whole');
    });

    await t.test(`${kind}: 401 ends the run with llm_api_error naming provider, model, status, never the key; the next message works`, async (st) => {
      const { server, send, history } = await setup(st, kind);
      server.push({ status: 401, body: { error: { type: 'authentication_error', message: `Incorrect API key provided: ${KEY.slice(0, 8)}****${KEY.slice(-4)}` } } });
      const res = await send('hello?');
      assert.equal(res.stopReason.stopReason, 'llm_api_error');
      const message = res.error.message;
      assert.ok(message.includes(PROVIDER_NAME[kind]) && message.includes(MODELS[kind].split('/')[1]) && message.includes('401'), message);
      assert.ok(!message.includes(KEY) && !message.includes(KEY.slice(0, 8)), message);
      assert.ok(!JSON.stringify(res).includes(KEY.slice(0, 8)));
      assert.equal(server.requests.length, 1, '401 is not retried');
      server.push({ text: 'Hello, Ada.' });
      const ok = await send('hello again');
      assert.equal(ok.stopReason.stopReason, 'end_turn');
      assert.deepEqual(await history(), { users: ['hello?', 'hello again'], assistants: ['Hello, Ada.'] });
    });

    await t.test(`${kind}: a stream cut mid-answer ends with llm_api_error, stores nothing half-done, and the next message works`, async (st) => {
      const { server, send, stream, history } = await setup(st, kind, { maxRetries: 0 });
      server.push({ text: 'This answer will never be finished by the server at all.', cutAfter: 3 });
      const chunks = await stream('talk', { streamTokens: true });
      assert.equal(chunks.find((c) => c.messageType === 'stop_reason')?.stopReason, 'llm_api_error', JSON.stringify(chunks));
      assert.equal(server.requests.length, 1);
      server.push({ text: 'Back.' });
      const ok = await send('again');
      assert.equal(ok.stopReason.stopReason, 'end_turn');
      assert.deepEqual(await history(), { users: ['talk', 'again'], assistants: ['Back.'] });
    });
  }

  for (const kind of ['openai', 'anthropic', 'gemini']) {
    await t.test(`${kind}: 429 with Retry-After (a CORS-exposed header), then success`, async (st) => {
      const { server, send } = await setup(st, kind);
      server.push({ status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached' } } }, { text: 'Made it.' });
      const res = await send('hi');
      assert.equal(res.stopReason.stopReason, 'end_turn');
      assert.equal(res.messages.at(-1).content, 'Made it.');
      assert.equal(server.requests.length, 2);
      const [a, b] = server.requests.map((r) => r.at);
      assert.ok(b - a >= 950, `waited ${Math.round(b - a)} ms after Retry-After: 1`);
    });
  }

  assert.deepEqual(log.filter((l) => !/favicon|Failed to load resource/.test(l)), []);
});
