// examples/worker/ in workerd (through miniflare): the Worker and its Durable Object serve the API,
// and the official 1.x SDK talks to it over HTTP on loopback with only its base URL changed.
//
// Miniflare does not bundle, so the modules are handed over the way wrangler's bundle would resolve
// them: the worker, a `letta-wasm` module re-exporting the package's workerd entry, and the package's
// files (its .wasm as a compiled module).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import SdkLetta, * as Sdk from 'letta1';

const ROOT = '/virtual';
const WORKER = fileURLToPath(new URL('../../examples/worker/worker.js', import.meta.url));
const PKG = dirname(createRequire(import.meta.url).resolve('letta-wasm/package.json'));
const API_KEY = 'sk-worker-test';

function packageModules() {
  const modules = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.js') || name.endsWith('.wasm')) {
        modules.push({
          type: name.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
          path: `${ROOT}/node_modules/letta-wasm/${relative(PKG, file)}`,
          contents: readFileSync(file),
        });
      }
    }
  };
  walk(PKG);
  return modules;
}

async function start(t) {
  const mf = new Miniflare({
    modulesRoot: ROOT,
    modules: [
      { type: 'ESModule', path: `${ROOT}/worker.js`, contents: readFileSync(WORKER, 'utf8') },
      {
        type: 'ESModule',
        path: `${ROOT}/letta-wasm`,
        contents: "export * from './node_modules/letta-wasm/entry/workerd.js'; export { default } from './node_modules/letta-wasm/entry/workerd.js';",
      },
      ...packageModules(),
    ],
    compatibilityDate: '2025-09-01',
    durableObjects: { LETTA: 'LettaServer' },
    bindings: { LETTA_API_KEY: API_KEY, CORS_ORIGINS: 'https://app.example' },
    host: '127.0.0.1',
    port: 0,
  });
  t.after(() => mf.dispose());
  const url = await mf.ready;
  return { mf, url: String(url).replace(/\/$/, '') };
}

test('the Worker example serves the API from workerd: auth, CRUD, a message run, SSE', { timeout: 120_000 }, async (t) => {
  const { mf } = await start(t);
  const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const call = async (method, path, body, headers = auth) => {
    const r = await mf.dispatchFetch(`http://letta.local${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, type: r.headers.get('content-type'), body: r.headers.get('content-type')?.startsWith('application/json') ? await r.json() : await r.text(), headers: r.headers };
  };

  const denied = await call('GET', '/v1/agents/', undefined, {});
  assert.equal(denied.status, 401);
  assert.match(denied.body.detail, /Unauthorized/);

  const block = await call('POST', '/v1/blocks/', { label: 'organization', value: 'Letta' });
  assert.equal(block.status, 200, JSON.stringify(block.body));
  const agent = await call('POST', '/v1/agents/', { model: 'scripted/echo', memory_blocks: [{ label: 'persona', value: 'p' }], block_ids: [block.body.id] });
  assert.equal(agent.status, 200, JSON.stringify(agent.body));
  assert.deepEqual(agent.body.memory.blocks.map((b) => b.label).sort(), ['organization', 'persona']);

  // Requests reach one Durable Object: the agent is there on the next request.
  const listed = await call('GET', '/v1/agents/?limit=10');
  assert.deepEqual(listed.body.map((a) => a.id), [agent.body.id]);

  const run = await call('POST', `/v1/agents/${agent.body.id}/messages`, { messages: [{ role: 'user', content: 'hello worker' }] });
  assert.equal(run.status, 200, JSON.stringify(run.body));
  assert.equal(run.body.messages.at(-1).content, 'Echo: hello worker');
  assert.equal(run.body.stop_reason.stop_reason, 'end_turn');

  const sse = await call('POST', `/v1/agents/${agent.body.id}/messages/stream`, { messages: [{ role: 'user', content: 'streamed' }] });
  assert.match(sse.type, /^text\/event-stream/);
  assert.match(sse.body, /^data: \{.*"content":"Echo: streamed"[\s\S]*"stop_reason":"end_turn"[\s\S]*data: \[DONE\]\n\n$/);

  const pre = await mf.dispatchFetch('http://letta.local/v1/agents/', {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');

  const missing = await call('GET', '/v1/agents/agent-123e4567-e89b-42d3-8456-426614174000');
  assert.equal(missing.status, 404);
});

test('the official 1.x SDK talks to the Worker over loopback HTTP with only its base URL changed', { timeout: 120_000 }, async (t) => {
  const { url } = await start(t);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const client = new SdkLetta({ baseURL: url, apiKey: API_KEY, maxRetries: 0 });
  const shared = await client.blocks.create({ label: 'organization', value: 'Nothing yet.' });
  const a = await client.agents.create({ model: 'scripted/echo', block_ids: [shared.id], tags: ['w'] });
  const b = await client.agents.create({ model: 'scripted/echo', block_ids: [shared.id], tags: ['w'] });
  const res = await client.agents.messages.create(a.id, { messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.messages.at(-1).content, 'Echo: hi');
  const events = [];
  for await (const e of await client.agents.messages.stream(b.id, { messages: [{ role: 'user', content: 'yo' }] })) events.push(e.message_type);
  assert.deepEqual(events, ['assistant_message', 'stop_reason', 'usage_statistics']);
  const all = [];
  for await (const agent of client.agents.list({ tags: ['w'], limit: 1 })) all.push(agent.id);
  assert.deepEqual(all.sort(), [a.id, b.id].sort());
  await assert.rejects(client.agents.blocks.retrieve('nope', { agent_id: a.id }), Sdk.NotFoundError);
  const anonymous = new SdkLetta({ baseURL: url, apiKey: null, maxRetries: 0 });
  await assert.rejects(anonymous.agents.list(), Sdk.AuthenticationError);
});
