// The www/ demo against a local OpenAI-compatible server standing in for a real provider (issue 8):
// the path a real key takes (Settings → provider "openai-compatible", base URL, key → the engine's
// fetch from the page). The server answers chat completions with a small deterministic policy keyed
// on the agent's role in its system prompt: the coordinator messages each worker in turn
// (send_message_to_agent_and_wait_for_reply), each worker appends to the shared `workspace` block
// (core_memory_append) and then answers. Checks: the requests carry the model and each role's
// bearer key, the blocks and the timeline change, and no key reaches localStorage unless
// "remember" is ticked.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { ROOT, PKG, noChromium, browser, serve } from './support.mjs';

const ROLES = ['coordinator', 'researcher', 'coder', 'reviewer'];
const WORKERS = ['researcher', 'coder', 'reviewer'];
const MODEL = 'local-test-model';
const keyOf = (role) => `sk-local-${role}-SECRET-4242`;

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '600',
};

/** The next model turn for a chat request: `{ text }` or `{ call: { name, arguments } }`. */
function policy(body) {
  const system = body.messages[0]?.content ?? '';
  const role = /I am the (coordinator|researcher|coder|reviewer)\b/.exec(system)?.[1];
  const lastUser = body.messages.findLastIndex((m) => m.role === 'user');
  const task = String(body.messages[lastUser]?.content ?? '');
  const done = body.messages.slice(lastUser + 1).filter((m) => m.role === 'tool').length; // tool results this run
  if (role === 'coordinator') {
    const team = /<team>[\s\S]*?<value>\n([\s\S]*?)\n<\/value>/.exec(system)?.[1] ?? '';
    const ids = Object.fromEntries([...team.matchAll(/(\w+): (\S+)/g)].map((m) => [m[1], m[2]]));
    if (done < WORKERS.length) {
      const w = WORKERS[done];
      return { role, call: { name: 'send_message_to_agent_and_wait_for_reply', arguments: { other_agent_id: ids[w], message: `Part ${done + 1} for the ${w}: ${task.slice(0, 60)}` } } };
    }
    return { role, text: 'All three workers reported back; see the workspace.' };
  }
  if (role && done === 0) {
    return { role, call: { name: 'core_memory_append', arguments: { label: 'workspace', content: `## ${role} (openai-compatible)\n- ${role} handled the request` } } };
  }
  return { role, text: role ? `${role}: done, posted to the workspace.` : 'I do not know my role.' };
}

/** A local OpenAI-compatible chat-completions server (non-streamed and SSE), with CORS. */
async function startOpenAiCompatible() {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
    let raw = '';
    for await (const c of req) raw += c;
    const body = JSON.parse(raw || '{}');
    if (req.url !== '/v1/chat/completions' || !Array.isArray(body.messages)) {
      return void res.writeHead(404, { 'content-type': 'application/json', ...CORS }).end('{"error":{"message":"not found"}}');
    }
    const turn = policy(body);
    requests.push({ url: req.url, headers: req.headers, body, role: turn.role });
    const calls = turn.call ? [{ id: `call_${requests.length}`, type: 'function', function: { name: turn.call.name, arguments: JSON.stringify(turn.call.arguments) } }] : undefined;
    const message = { role: 'assistant', content: turn.text ?? null, ...(calls ? { tool_calls: calls } : {}) };
    const finish = calls ? 'tool_calls' : 'stop';
    const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', ...CORS });
      const chunk = (delta, finish_reason = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: turn.text ?? '' }));
      if (calls) res.write(chunk({ tool_calls: calls.map((c, index) => ({ index, ...c })) }));
      res.write(chunk({}, finish));
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: body.model, choices: [], usage })}\n\n`);
      return void res.end('data: [DONE]\n\n');
    }
    res.writeHead(200, { 'content-type': 'application/json', ...CORS });
    res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message, finish_reason: finish }], usage }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, baseUrl: `${url}/v1`, requests, close: () => new Promise((r) => (server.closeAllConnections?.(), server.close(() => r()))) };
}

const text = (page, sel) => page.locator(sel).innerText();
const storage = (page) => page.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(localStorage))));

test('www demo on a local OpenAI-compatible server: settings through the UI, a team run, keys kept out of localStorage', { skip: noChromium }, async (t) => {
  const llm = await startOpenAiCompatible();
  t.after(() => llm.close());
  const srv = await serve({ port: 0, roots: { '/pkg/': PKG, '/': join(ROOT, 'www') } });
  t.after(() => srv.close());
  const { newPage, log } = await browser(t);
  const page = await newPage();
  const ready = () =>
    page.waitForFunction(() => window.demo?.ready || window.demo?.error, null, { timeout: 30_000 }).then(async () => {
      assert.equal(await page.evaluate(() => window.demo.error), null, log.join('\n'));
    });

  await page.goto(`${srv.url}/index.html`);
  await ready();
  const before = await text(page, '#block-workspace pre');

  // Settings, as a user would: every role on the OpenAI-compatible provider, its own key, not remembered.
  await page.click('#settings-toggle');
  for (const role of ROLES) {
    await page.selectOption(`[name=provider-${role}]`, 'openai-compatible');
    await page.fill(`[name=model-${role}]`, MODEL);
    await page.fill(`[name=base-${role}]`, llm.baseUrl);
    await page.fill(`[name=key-${role}]`, keyOf(role));
  }
  await page.click('#apply');
  await page.waitForFunction(() => /settings applied/.test(document.querySelector('#status').textContent) || window.demo.error, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.demo.error), null, log.join('\n'));
  for (const role of ROLES) assert.equal(await text(page, `#agent-${role} .model`), `demo-${role}/${MODEL}`);
  let ls = await storage(page);
  assert.match(ls, /openai-compatible/, 'the provider choice is saved');
  assert.ok(!ls.includes('SECRET'), `no key in localStorage: ${ls}`);

  await page.fill('#task', 'reverse the words of a sentence');
  await page.click('#run');
  await page.waitForFunction(() => window.demo.runs === 1 && !window.demo.state.running, null, { timeout: 60_000 });
  assert.match(await text(page, '#status'), /last run: end_turn/, log.join('\n'));

  // The server saw chat requests from every role, with the model and that role's bearer key.
  const byRole = {};
  for (const r of llm.requests) (byRole[r.role] ??= []).push(r);
  assert.deepEqual(Object.keys(byRole).sort(), [...ROLES].sort(), `roles seen: ${Object.keys(byRole)}`);
  assert.equal(byRole.coordinator.length, 4, 'three messages to workers, then the answer');
  for (const role of WORKERS) assert.equal(byRole[role].length, 2, `${role}: an edit, then an answer`);
  for (const r of llm.requests) {
    assert.equal(r.body.model, MODEL);
    assert.equal(r.headers.authorization, `Bearer ${keyOf(r.role)}`);
    assert.match(r.headers.origin ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'sent from the page');
    assert.ok(r.body.tools?.length > 0, 'tools offered');
  }

  // The shared workspace block and the timeline changed.
  const workspace = await text(page, '#block-workspace pre');
  assert.notEqual(workspace, before);
  for (const role of WORKERS) assert.match(workspace, new RegExp(`## ${role} \\(openai-compatible\\)`));
  assert.ok(Number(await page.locator('#block-workspace').getAttribute('data-changes')) >= 1);
  assert.ok((await page.locator('#block-workspace pre span.added').count()) >= 1, 'changed lines highlighted');
  const items = await page.locator('#timeline li').allInnerTexts();
  assert.equal(items.length, 4, items.join('\n'));
  assert.match(items[0], /you → coordinator \(run, end_turn\)[\s\S]*All three workers reported back/);
  WORKERS.forEach((w, i) => assert.match(items[i + 1], new RegExp(`coordinator → ${w} \\(wait, replied\\)[\\s\\S]*${w}: done`)));
  assert.match(await text(page, '#agent-coordinator .tokens'), /^[1-9]\d* steps · [1-9]\d* prompt \+ [1-9]\d* completion/);
  ls = await storage(page);
  assert.ok(!ls.includes('SECRET'), `still no key in localStorage after a run: ${ls}`);

  // "remember" ticked for the coordinator: its key (and only its) is stored.
  await page.check('[name=remember-coordinator]');
  await page.click('#apply');
  await page.waitForFunction(() => /settings applied/.test(document.querySelector('#status').textContent) || window.demo.error, null, { timeout: 30_000 });
  ls = await storage(page);
  assert.ok(ls.includes(keyOf('coordinator')), 'the remembered key is stored');
  for (const w of WORKERS) assert.ok(!ls.includes(keyOf(w)), `${w}'s key is not stored`);

  assert.deepEqual(log.filter((l) => !/favicon/.test(l)), []);
});
