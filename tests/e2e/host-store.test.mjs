// The host-store adapter (src/wasm/stores.js `hostStore`) in Node, against hosts of each kind: a Map
// (no transactions: commits go through a journal), a Durable-Object-like storage (transaction() and the
// batch forms), a Workers-KV-like list. Then the engine itself on a host store: a team kept in a Map
// is all there for a second client (what a Durable Object does, without workerd).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PKG = resolve(process.env.LETTA_PKG_DIR || join(REPO, 'pkg'));
// src/wasm/stores.js as the package ships it (wasm-bindgen copies it under snippets/).
const [snippet] = readdirSync(join(PKG, 'snippets')).filter((d) => d.startsWith('letta-wasm-'));
const { hostStore, mapStore, JOURNAL_KEY } = await import(pathToFileURL(join(PKG, 'snippets', snippet, 'src/wasm/stores.js')).href);

const ops = (...list) => JSON.stringify(list);
const put = (key, value, expect = 'any') => ({ op: 'put', key, value, expect });
const del = (key, expect = 'any') => ({ op: 'delete', key, expect });
const check = (key, expect) => ({ op: 'check', key, expect });
const getMany = async (s, keys) => JSON.parse(await s.getMany(JSON.stringify(keys)));
const list = async (s, prefix) => JSON.parse(await s.list(prefix));

test('a Map host: all-or-nothing commits with version checks, sorted lists', async () => {
  const host = mapStore();
  const s = hostStore(host);
  assert.equal(s.kind(), 'host');
  assert.equal(await s.commit(ops(put('b/1', 'one', 'absent'), put('a/1', 'A', 'absent'))), null);
  assert.deepEqual(await getMany(s, ['b/1', 'zz', 'a/1']), [[1, 'one'], null, [1, 'A']]);
  // A conflict anywhere: nothing is written.
  const snapshot = new Map(host.map);
  assert.equal(await s.commit(ops(put('b/1', 'two', 1), put('c/1', 'x', 'absent'), del('a/1', 7))), 'a/1');
  assert.deepEqual(host.map, snapshot);
  assert.equal(await s.commit(ops(check('b/1', 2), put('c/1', 'x'))), 'b/1');
  assert.equal(await s.commit(ops(put('zz', 'x', 'exists'))), 'zz');
  assert.deepEqual(host.map, snapshot);
  // Chained ops see each other; a delete resets the version.
  assert.equal(await s.commit(ops(put('b/1', 'two', 1), put('b/1', 'three', 2), check('b/1', 3), del('a/1', 1))), null);
  assert.deepEqual(await getMany(s, ['b/1', 'a/1']), [[3, 'three'], null]);
  await s.commit(ops(put('b/0', '0'), put('b/10', '10'), put('bb', 'x')));
  assert.deepEqual((await list(s, 'b/')).map(([k, v]) => [k, v]), [['b/0', 1], ['b/1', 3], ['b/10', 1]]);
  assert.equal(host.map.has(JOURNAL_KEY), false, 'the journal is removed after each commit');
  // Every record is the JSON text [version, value] (readable by other tools).
  assert.equal(host.map.get('b/1'), JSON.stringify([3, 'three']));
});

test('a Map host: a commit cut short by a failing put is completed from the journal', async () => {
  const map = new Map();
  let failAfter = Infinity;
  const flaky = {
    ...mapStore(map),
    put: async (k, v) => {
      if (k !== JOURNAL_KEY && failAfter-- <= 0) throw new Error('disk full');
      map.set(k, v);
    },
  };
  const s = hostStore(flaky);
  await s.commit(ops(put('agent/1', 'v1'), put('block/1', 'v1')));
  failAfter = 1; // the second write of the next commit fails
  await assert.rejects(s.commit(ops(put('agent/1', 'v2', 1), put('block/1', 'v2', 1), put('msg/1', 'm'))), /disk full/);
  assert.ok(map.has(JOURNAL_KEY), 'the journal holds the commit');
  assert.equal(map.get('block/1'), JSON.stringify([1, 'v1']), 'half of it is on the host for now');
  failAfter = Infinity;
  // A new engine on the same storage (a restart) finishes it before its first read.
  const restarted = hostStore(mapStore(map));
  assert.deepEqual(await getMany(restarted, ['agent/1', 'block/1', 'msg/1']), [[2, 'v2'], [2, 'v2'], [1, 'm']]);
  assert.equal(map.has(JOURNAL_KEY), false);
  assert.deepEqual((await list(restarted, '')).map(([k]) => k), ['agent/1', 'block/1', 'msg/1']);
  // The same engine also finishes it at its next call.
  failAfter = 0;
  await assert.rejects(s.commit(ops(put('agent/1', 'v3', 2), put('block/1', 'v3', 2))), /disk full/);
  failAfter = Infinity;
  assert.deepEqual(await getMany(s, ['agent/1', 'block/1']), [[3, 'v3'], [3, 'v3']]);
});

/** A Durable-Object-like storage: transaction() stages writes, batch get/put/delete, list as a Map. */
function durableObjectLike() {
  const map = new Map();
  const calls = { get: 0, put: 0, delete: 0, transaction: 0 };
  const api = (target, staged) => ({
    async get(k) {
      calls.get++;
      const read = (key) => (staged?.has(key) ? staged.get(key) : target.get(key));
      if (Array.isArray(k)) return new Map(k.filter((x) => read(x) !== undefined).map((x) => [x, read(x)]));
      return read(k);
    },
    async put(k, v) {
      calls.put++;
      const w = staged ?? target;
      if (typeof k === 'object') for (const [kk, vv] of Object.entries(k)) w.set(kk, vv);
      else w.set(k, v);
    },
    async delete(k) {
      calls.delete++;
      const w = staged ?? target;
      for (const x of Array.isArray(k) ? k : [k]) (staged ? w.set(x, undefined) : w.delete(x));
    },
    async list({ prefix = '' } = {}) {
      return new Map([...target].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)));
    },
    async getAlarm() {
      return null;
    },
    async deleteAll() {
      target.clear();
    },
  });
  const storage = api(map);
  storage.transaction = async (fn) => {
    calls.transaction++;
    const staged = new Map();
    const result = await fn(api(map, staged));
    for (const [k, v] of staged) (v === undefined ? map.delete(k) : map.set(k, v));
    return result;
  };
  return { storage, map, calls };
}

test('a Durable-Object-like host: one transaction per commit, batch reads and writes', async () => {
  const { storage, map, calls } = durableObjectLike();
  const s = hostStore(storage);
  assert.equal(await s.commit(ops(put('a', '1'), put('b', '1'), put('c', '1'), del('zz'))), null);
  assert.deepEqual(calls, { get: 1, put: 1, delete: 1, transaction: 1 }, 'one batch read, one batch put, one batch delete');
  assert.equal(await s.commit(ops(put('a', '2', 1), put('b', '2', 9))), 'b');
  assert.deepEqual([map.get('a'), map.get('b')], [JSON.stringify([1, '1']), JSON.stringify([1, '1'])]);
  assert.equal(calls.transaction, 2);
  assert.equal(map.has(JOURNAL_KEY), false, 'no journal: the host has transactions');
  assert.deepEqual(await getMany(s, ['c', 'nope', 'a']), [[1, '1'], null, [1, '1']]);
});

test('a Workers-KV-like host: paged key lists, values fetched by key', async () => {
  const map = new Map();
  const kv = {
    get: async (k) => map.get(k) ?? null,
    put: async (k, v) => void map.set(k, v),
    delete: async (k) => void map.delete(k),
    list: async ({ prefix, cursor }) => {
      const keys = [...map.keys()].filter((k) => k.startsWith(prefix)).sort();
      const start = cursor ? Number(cursor) : 0;
      const page = keys.slice(start, start + 2);
      const done = start + 2 >= keys.length;
      return { keys: page.map((name) => ({ name })), list_complete: done, cursor: done ? undefined : String(start + 2) };
    },
  };
  const s = hostStore(kv);
  await s.commit(ops(put('m/3', 'c'), put('m/1', 'a'), put('m/2', 'b'), put('m/4', 'd'), put('n/1', 'x')));
  assert.deepEqual(await list(s, 'm/'), [['m/1', 1, 'a'], ['m/2', 1, 'b'], ['m/3', 1, 'c'], ['m/4', 1, 'd']]);
  assert.deepEqual(await getMany(s, ['m/9']), [null]);
  assert.throws(() => hostStore({ get() {}, put() {}, list() {} }), /"delete" is missing/);
});

test('the engine on a host store: a team kept in a Map is all there for the next client', async () => {
  const { LettaClient } = await import(pathToFileURL(join(PKG, 'entry/node.js')).href);
  const storage = mapStore();
  const c1 = new LettaClient({ storage });
  await c1.ready;
  c1.scripted.define('w', [
    { toolCalls: [{ name: 'memory_insert', arguments: { label: 'org', new_string: 'We are Letta.', insert_line: -1 } }] },
    { content: 'Noted.' },
  ]);
  const org = await c1.blocks.create({ label: 'org', value: 'Org:' });
  const a = await c1.agents.create({ name: 'w', model: 'scripted/w', blockIds: [org.id] });
  const commitsBefore = storage.map.size;
  const r = await c1.agents.messages.create(a.id, { messages: [{ role: 'user', content: 'remember' }] });
  assert.equal(r.stopReason.stopReason, 'end_turn');
  assert.ok(storage.map.size > commitsBefore);
  assert.equal(storage.map.has(JOURNAL_KEY), false);

  const c2 = new LettaClient({ storage });
  await c2.ready;
  assert.deepEqual((await c2.agents.list()).map((x) => x.id), [a.id]);
  assert.equal((await c2.blocks.retrieve(org.id)).value, 'Org:\nWe are Letta.');
  const history = await c2.agents.messages.list(a.id);
  assert.deepEqual(history.map((m) => m.messageType), ['system_message', 'user_message', 'tool_call_message', 'tool_return_message', 'assistant_message']);
});

// An object that is not a whole host store (here: no put/delete/list), or an options object without
// its type, must not silently become an in-memory team that vanishes at the next start.
test('a storage object that is not a host store is refused, not replaced by memory', async () => {
  const { LettaClient } = await import(pathToFileURL(join(PKG, 'entry/node.js')).href);
  const half = new LettaClient({ storage: { get() {} } });
  await assert.rejects(half.ready, /host store|storage/);
  const untyped = new LettaClient({ storage: { name: 'forgot-the-type' } });
  await assert.rejects(untyped.ready, /storage/);
});
