// Storage backends for the wasm engine, written in JS because they drive JS APIs
// (IndexedDB, a host's storage object). The Rust side (src/wasm/store.rs) sees one
// contract, with JSON text in and out:
//
//   getMany(keysJson)  -> Promise<string>   JSON [[version, value] | null, ...], in key order
//   list(prefix)       -> Promise<string>   JSON [[key, version, value], ...], sorted by key
//   commit(opsJson)    -> Promise<string|null>  null when applied; else the key whose
//                                               expectation failed (nothing was written)
//   kind()             -> string
//   lock(name)         -> Promise<() => void>   (optional) a cross-context exclusive lock
//
// ops: [{ "op": "put"|"delete"|"check", "key", "value"?, "expect": "any"|"absent"|"exists"|<version> }]
// A put bumps the key's version by one (1 for a new key). A commit is all-or-nothing.

/** The IndexedDB schema this build reads and writes. Bump it with a migration below. */
export const SCHEMA_VERSION = 1;

const RECORDS = 'records';
const META = 'meta';

function satisfied(expect, current) {
  if (expect === 'any' || expect === undefined || expect === null) return true;
  if (expect === 'absent') return current === undefined;
  if (expect === 'exists') return current !== undefined;
  return current === expect;
}

/** Checks `ops` against `versionOf(key)`; returns the first conflicting key or null. */
function firstConflict(ops, versionOf) {
  const pending = new Map();
  for (const op of ops) {
    const now = pending.has(op.key) ? pending.get(op.key) : versionOf(op.key);
    if (!satisfied(op.expect, now)) return op.key;
    if (op.op === 'put') pending.set(op.key, (now ?? 0) + 1);
    else if (op.op === 'delete') pending.set(op.key, undefined);
    else pending.set(op.key, now);
  }
  return null;
}

function describe(error) {
  if (!error) return 'unknown error';
  const name = error.name ? `${error.name}: ` : '';
  return `${name}${error.message ?? String(error)}`;
}

/** Web Locks where the host has them (browsers, workers): an agent runs in one tab at a time. */
function webLock(name) {
  const locks = globalThis.navigator?.locks;
  if (!locks?.request) return undefined;
  return new Promise((resolveRelease, reject) => {
    locks
      .request(name, () => new Promise((release) => resolveRelease(release)))
      .catch(reject);
  });
}

// ---------------------------------------------------------------------------------------------
// IndexedDB

/**
 * Opens (creating or upgrading) the database `name`. Rejects with a clear message when there is no
 * IndexedDB, when the database was written by a newer schema, or when an upgrade is blocked.
 */
export function openIndexedDb(name) {
  const idb = globalThis.indexedDB;
  if (!idb) {
    return Promise.reject(
      new Error(
        'IndexedDB is not available in this context (e.g. a private window that disables it, or Node). ' +
          "Use storage: 'memory' or a host store object instead.",
      ),
    );
  }
  return new Promise((resolve, reject) => {
    let request;
    try {
      request = idb.open(name, SCHEMA_VERSION);
    } catch (e) {
      reject(new Error(`IndexedDB could not open "${name}": ${describe(e)}`));
      return;
    }
    request.onupgradeneeded = (event) => {
      const db = request.result;
      const from = event.oldVersion;
      // Migrations, one step per schema version. v1: records + meta.
      if (from < 1) {
        db.createObjectStore(RECORDS);
        db.createObjectStore(META);
      }
      request.transaction.objectStore(META).put(SCHEMA_VERSION, 'schema');
    };
    request.onblocked = () => {
      reject(
        new Error(
          `IndexedDB "${name}" needs an upgrade, but another tab holds it open with an older version. ` +
            'Close or reload the other tabs of this app.',
        ),
      );
    };
    request.onerror = () => {
      const e = request.error;
      if (e?.name === 'VersionError') {
        reject(
          new Error(
            `IndexedDB "${name}" was written by a newer letta-wasm (schema above ${SCHEMA_VERSION}); ` +
              'this build cannot read it. Upgrade letta-wasm, or use another database name.',
          ),
        );
      } else {
        reject(new Error(`IndexedDB could not open "${name}": ${describe(e)}`));
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // Let a newer tab upgrade the schema: close this connection when asked.
      db.onversionchange = () => db.close();
      resolve(indexedDbStore(db, name));
    };
  });
}

function indexedDbStore(db, name) {
  const tx = (mode) => db.transaction(RECORDS, mode);
  const done = (t) =>
    new Promise((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onabort = () => reject(new Error(`IndexedDB "${name}": ${describe(t.error) || 'transaction aborted'}`));
    });
  return {
    kind: () => `indexeddb:${name}`,
    close: () => db.close(),
    lock: (lockName) => webLock(`letta-wasm:${name}:${lockName}`),

    async getMany(keysJson) {
      const keys = JSON.parse(keysJson);
      const t = tx('readonly');
      const store = t.objectStore(RECORDS);
      const out = new Array(keys.length).fill(null);
      keys.forEach((key, i) => {
        const r = store.get(key);
        r.onsuccess = () => {
          if (r.result !== undefined) out[i] = [r.result.v, r.result.d];
        };
      });
      await done(t);
      return JSON.stringify(out);
    },

    async list(prefix) {
      const t = tx('readonly');
      const store = t.objectStore(RECORDS);
      const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`, false, false);
      const keys = store.getAllKeys(range);
      const values = store.getAll(range);
      await done(t);
      return JSON.stringify(keys.result.map((k, i) => [k, values.result[i].v, values.result[i].d]));
    },

    commit(opsJson) {
      const ops = JSON.parse(opsJson);
      return new Promise((resolve, reject) => {
        let t;
        try {
          t = tx('readwrite');
        } catch (e) {
          reject(new Error(`IndexedDB "${name}": ${describe(e)}`));
          return;
        }
        const store = t.objectStore(RECORDS);
        const versions = new Map();
        let conflict = null;
        t.oncomplete = () => resolve(conflict);
        t.onabort = () => {
          if (conflict !== null) resolve(conflict);
          else reject(new Error(`IndexedDB "${name}": ${describe(t.error) || 'transaction aborted'}`));
        };
        // Read every key the commit touches, then check, then write: one transaction, so no
        // other tab or engine can write in between.
        const keys = [...new Set(ops.map((o) => o.key))];
        let left = keys.length;
        const writeAll = () => {
          conflict = firstConflict(ops, (k) => versions.get(k));
          if (conflict !== null) {
            t.abort();
            return;
          }
          const now = new Map(versions);
          for (const op of ops) {
            if (op.op === 'put') {
              const v = (now.get(op.key) ?? 0) + 1;
              now.set(op.key, v);
              store.put({ v, d: op.value }, op.key);
            } else if (op.op === 'delete') {
              now.set(op.key, undefined);
              store.delete(op.key);
            }
          }
        };
        if (left === 0) return;
        for (const key of keys) {
          const r = store.get(key);
          r.onsuccess = () => {
            if (r.result !== undefined) versions.set(key, r.result.v);
            if (--left === 0) writeAll();
          };
        }
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Host stores: any object with async get / put / delete / list (a Durable Object's `storage`,
// Workers KV, a Map...). Each record is stored as the JSON text [version, value].

function hostList(host, prefix) {
  // Accepts what hosts return: a Map (Durable Objects, Map), an array of [key, value], an
  // object { keys: [{ name }] } (Workers KV, values fetched separately) or a plain object.
  return Promise.resolve(host.list({ prefix })).then(async (res) => {
    let entries;
    if (res instanceof Map) entries = [...res.entries()];
    else if (Array.isArray(res)) entries = res.map((e) => (Array.isArray(e) ? e : [e.key ?? e.name, e.value]));
    else if (res && Array.isArray(res.keys)) {
      entries = [];
      let page = res;
      for (;;) {
        for (const k of page.keys) entries.push([k.name, await host.get(k.name)]);
        if (page.list_complete !== false || !page.cursor) break;
        page = await host.list({ prefix, cursor: page.cursor });
      }
    } else if (res && typeof res === 'object') entries = Object.entries(res);
    else entries = [];
    return entries.filter(([k, v]) => typeof k === 'string' && k.startsWith(prefix) && v != null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  });
}

function decode(raw) {
  if (raw == null) return undefined;
  const rec = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (!Array.isArray(rec) || rec.length !== 2) throw new Error('host store: a record is not [version, value]');
  return rec;
}

/**
 * Wraps a host storage object. `host` needs async get(key), put(key, value), delete(key) and
 * list({ prefix }); a `transaction(fn)` method (Durable Objects) makes commits atomic across
 * engines; without one, commits are serialised within this engine only.
 */
export function hostStore(host) {
  for (const m of ['get', 'put', 'delete', 'list']) {
    if (typeof host?.[m] !== 'function') {
      throw new Error(`storage: a host store needs async get, put, delete and list methods; "${m}" is missing`);
    }
  }
  let queue = Promise.resolve();
  const serial = (fn) => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };
  const commitWith = async (h, ops) => {
    const keys = [...new Set(ops.map((o) => o.key))];
    const versions = new Map();
    for (const k of keys) {
      const rec = decode(await h.get(k));
      if (rec) versions.set(k, rec[0]);
    }
    const conflict = firstConflict(ops, (k) => versions.get(k));
    if (conflict !== null) return conflict;
    const now = new Map(versions);
    for (const op of ops) {
      if (op.op === 'put') {
        const v = (now.get(op.key) ?? 0) + 1;
        now.set(op.key, v);
        await h.put(op.key, JSON.stringify([v, op.value]));
      } else if (op.op === 'delete') {
        now.set(op.key, undefined);
        await h.delete(op.key);
      }
    }
    return null;
  };
  return {
    kind: () => 'host',
    lock: (name) => webLock(`letta-wasm:host:${name}`),
    async getMany(keysJson) {
      const keys = JSON.parse(keysJson);
      const out = [];
      for (const k of keys) out.push(decode(await host.get(k)) ?? null);
      return JSON.stringify(out);
    },
    async list(prefix) {
      const entries = await hostList(host, prefix);
      return JSON.stringify(entries.map(([k, raw]) => [k, ...decode(raw)]));
    },
    commit(opsJson) {
      const ops = JSON.parse(opsJson);
      if (typeof host.transaction === 'function') {
        return serial(() => host.transaction((txn) => commitWith(txn, ops)));
      }
      return serial(() => commitWith(host, ops));
    },
  };
}

/** A Map-backed host store (Node, tests): `hostStore(mapStore())`. */
export function mapStore(map = new Map()) {
  return {
    map,
    get: async (k) => map.get(k),
    put: async (k, v) => void map.set(k, v),
    delete: async (k) => void map.delete(k),
    list: async ({ prefix }) => new Map([...map].filter(([k]) => k.startsWith(prefix))),
  };
}
