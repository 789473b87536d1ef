// examples/durable-object/ in workerd (through miniflare): a Durable Object keeps a team in its storage
// (`new LettaClient({ storage: this.ctx.storage })`). The runtime is stopped and started again on the
// same persistence directory: the team, its shared block, its history and its custom tool are there,
// and the next message works (the tool body is bound again at start, the tool's own counter goes on).
//
// Miniflare does not bundle: the modules are handed over the way wrangler's bundle resolves them (the
// worker, a `letta-wasm` module re-exporting the package's workerd entry, and the package's files,
// its .wasm as a compiled module), from pkg/ (or $LETTA_PKG_DIR).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = join(REPO, 'examples/durable-object/worker.js');
const PKG = resolve(process.env.LETTA_PKG_DIR || join(REPO, 'pkg'));
const ROOT = '/virtual';

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

/** Starts workerd with the example; its Durable Objects persist under `persist`. */
async function start(persist) {
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
    durableObjects: { TEAM: { className: 'Team', useSQLite: true } },
    durableObjectsPersist: persist,
    host: '127.0.0.1',
    port: 0,
  });
  try {
    await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {}); // else workerd keeps this process alive
    throw e;
  }
  const call = async (method, path, body) => {
    const r = await mf.dispatchFetch(`http://team.local${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: r.status, body: parsed };
  };
  return { mf, call };
}

test('a Durable Object keeps its team in storage across a restart of workerd', { timeout: 120_000 }, async (t) => {
  const persist = mkdtempSync(join(tmpdir(), 'letta-do-'));
  t.after(() => rmSync(persist, { recursive: true, force: true }));

  // ---- first runtime -----------------------------------------------------------------------
  let rt = await start(persist);
  try {
    const empty = await rt.call('GET', '/team?team=alpha');
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(empty.body.agents, []);
    assert.equal(empty.body.storage, 'host', 'the engine runs on the object storage (host store)');

    const setup = await rt.call('POST', '/team/setup?team=alpha');
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    assert.deepEqual(setup.body.agents.map((a) => [a.name, a.blocks]), [
      ['planner', ['persona', 'plan']],
      ['reviewer', ['persona', 'plan']],
    ]);

    const ask = await rt.call('POST', '/team/ask?team=alpha', { text: 'ship the beta' });
    assert.equal(ask.status, 200, JSON.stringify(ask.body));
    assert.deepEqual(ask.body, { reply: 'Planned "ship the beta" as ticket T-1.', stopReason: 'end_turn' });

    // Another team is another object, with its own storage.
    const other = await rt.call('GET', '/team?team=beta');
    assert.deepEqual(other.body.agents, []);
  } finally {
    await rt.mf.dispose();
  }
  const before = { plan: 'Plan:\n- ship the beta', tickets: 1 };

  // ---- the runtime restarts on the same directory -------------------------------------------
  rt = await start(persist);
  try {
    const state = await rt.call('GET', '/team?team=alpha');
    assert.equal(state.status, 200, JSON.stringify(state.body));
    assert.deepEqual(state.body.agents.map((a) => a.name), ['planner', 'reviewer']);
    assert.equal(state.body.plan, before.plan);
    assert.equal(state.body.tickets, before.tickets);
    assert.deepEqual(state.body.tools, ['file_ticket']);
    // system + user + 2 x (tool call, tool return) + answer
    assert.equal(state.body.messages.planner, 7, JSON.stringify(state.body.messages));
    assert.equal(state.body.messages.reviewer, 1);

    // setup is idempotent: the team is found, not created again.
    const again = await rt.call('POST', '/team/setup?team=alpha');
    assert.deepEqual(again.body.agents.map((a) => a.id), state.body.agents.map((a) => a.id));

    // The next message works: the model and the tool body were bound again at start.
    const ask = await rt.call('POST', '/team/ask?team=alpha', { text: 'write the release notes' });
    assert.deepEqual(ask.body, { reply: 'Planned "write the release notes" as ticket T-2.', stopReason: 'end_turn' });
    const after = await rt.call('GET', '/team?team=alpha');
    assert.equal(after.body.plan, 'Plan:\n- ship the beta\n- write the release notes');
    assert.equal(after.body.messages.planner, 13);
  } finally {
    await rt.mf.dispose();
  }

  // ---- and once more: the second run's writes are durable too --------------------------------
  rt = await start(persist);
  try {
    const state = await rt.call('GET', '/team?team=alpha');
    assert.equal(state.body.plan, 'Plan:\n- ship the beta\n- write the release notes');
    assert.equal(state.body.tickets, 2);
    assert.equal(state.body.messages.planner, 13);
  } finally {
    await rt.mf.dispose();
  }
});
