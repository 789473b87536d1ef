// Storage failures give clear errors and leave nothing half-written: no IndexedDB (some private modes,
// locked-down webviews), a database written by a newer schema, an upgrade blocked by an old tab, and a
// full disk (quota exceeded, set through the DevTools protocol) in the middle of a run.
import test from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, launch } from './support/browser.mjs';

const skip = chromiumMissing();

test('no IndexedDB, a newer schema, a blocked upgrade: clear errors when opening', { skip, timeout: 60_000 }, async (t) => {
  const browser = await launch(t);

  // A page where IndexedDB does not exist.
  const bare = await browser.open('/no-indexeddb.html');
  const noIdb = await bare.evaluate(async () => {
    try {
      await window.harness.openClient('anything');
      return 'opened';
    } catch (e) {
      // The documented fallback: memory storage (the app says so to its user).
      const fallback = await window.harness.openClient('memory');
      const block = await fallback.blocks.create({ label: 'x', value: 'in memory' });
      return { message: String(e.message ?? e), fallback: block.value };
    }
  });
  assert.match(noIdb.message, /IndexedDB is not available in this context.*storage: 'memory' or a host store object/s);
  assert.equal(noIdb.fallback, 'in memory');

  const page = await browser.open();
  const errors = await page.evaluate(async () => {
    const { openClient, rawOpen, stores } = window.harness;
    const message = async (p) => {
      try {
        await p;
        return 'opened';
      } catch (e) {
        return String(e.message ?? e);
      }
    };
    // A database a newer letta-wasm wrote (schema 2).
    (await rawOpen('from-the-future', 2, (db) => db.createObjectStore('records'))).close();
    const newer = await message(openClient('from-the-future'));

    // An upgrade blocked by an old tab that keeps its connection open (it ignores versionchange).
    const { openIndexedDb } = await stores();
    const first = await openIndexedDb('shared-db'); // this build, schema 1
    first.close();
    const oldTab = await rawOpen('shared-db', 1);
    const blocked = await message(openIndexedDb('shared-db', { _version: 2 }));
    oldTab.close(); // the blocked request goes through now; the store closes what it opened late
    await window.harness.sleep(50);
    // A connection of this build does yield to an upgrade: the newer one is not blocked.
    const mine = await openIndexedDb('yielding-db');
    const upgraded = await message(openIndexedDb('yielding-db', { _version: 2 }).then((s) => s.close()));
    const afterwards = await message(mine.getMany('["k"]'));
    return { newer, blocked, upgraded, afterwards };
  });
  assert.match(errors.newer, /IndexedDB "from-the-future" was written by a newer letta-wasm \(schema above 1\).*Upgrade letta-wasm, or use another database name/s);
  assert.match(errors.blocked, /IndexedDB "shared-db" needs an upgrade, but another tab holds it open.*Close or reload the other tabs/s);
  assert.equal(errors.upgraded, 'opened');
  assert.match(errors.afterwards, /IndexedDB "yielding-db" was upgraded by another tab running a newer letta-wasm; this page must be reloaded/);
});

test('quota exceeded in the middle of a run: a clear error, the last committed step, then it carries on', { skip, timeout: 60_000 }, async (t) => {
  const browser = await launch(t);
  const page = await browser.open();
  const db = `quota-${Date.now()}`;
  // A small disk: the origin's quota is 600 kB (DevTools protocol, set before the first write; Chromium
  // caches the room left and checks the quota again when a transaction does not fit in it). The run's
  // first step writes a small note, its second step a big one that does not fit (random text: the
  // browser compresses what it stores).
  const cdp = await browser.context.newCDPSession(page);
  const origin = new URL(browser.url).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 600_000 });
  const agent = await page.evaluate(async (db) => {
    const client = (window.client = await window.harness.openClient(db));
    let big = '';
    for (let i = 0; i < 10; i++) big += btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(60_000))));
    client.scripted.define('big', [
      { toolCalls: [{ name: 'memory_insert', arguments: { label: 'notes', new_string: 'small note', insert_line: -1 } }] },
      { toolCalls: [{ name: 'memory_insert', arguments: { label: 'notes', new_string: big, insert_line: -1 } }] },
      { content: 'done' },
    ]);
    return (await client.agents.create({ name: 'big', model: 'scripted/big', memoryBlocks: [{ label: 'notes', value: 'Notes:', limit: 2_000_000 }] })).id;
  }, db);

  const failed = await page.evaluate(async (agent) => {
    const c = window.client;
    try {
      await c.agents.messages.create(agent, { messages: [{ role: 'user', content: 'write notes' }] });
      return { ok: true };
    } catch (e) {
      // Reading still works on a full disk.
      const messages = await c.agents.messages.list(agent, { limit: 1000 });
      const notes = await c.agents.blocks.retrieve(agent, 'notes');
      return { status: e.statusCode, message: String(e.message), types: messages.map((m) => m.messageType), notes: notes.value };
    }
  }, agent);
  assert.equal(failed.ok, undefined, 'the run should have failed on the quota');
  assert.equal(failed.status, 503);
  assert.match(failed.message, /storage error: IndexedDB "quota-\d+": QuotaExceededError/);
  // Step 1 is committed, nothing of step 2 is there.
  assert.deepEqual(failed.types, ['system_message', 'user_message', 'tool_call_message', 'tool_return_message']);
  assert.equal(failed.notes, 'Notes:\nsmall note');

  // Room again: the next message works.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1e10 });
  const next = await page.evaluate(async (agent) => {
    const c = window.client;
    c.scripted.define('big', [{ content: 'fine now' }]);
    const r = await c.agents.messages.create(agent, { messages: [{ role: 'user', content: 'again' }] });
    const all = await c.agents.messages.list(agent, { limit: 1000 });
    return { reply: r.messages.map((m) => m.content), types: all.map((m) => m.messageType) };
  }, agent);
  assert.deepEqual(next.reply, ['fine now']);
  assert.deepEqual(next.types.slice(4), ['user_message', 'assistant_message']);
});
