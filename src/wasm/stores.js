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
 * IndexedDB, when the database was written by a newer schema, when an upgrade is blocked by another
 * tab, or when a database of that name exists but was not created by letta-wasm.
 *
 * `options._version` (tests only) opens at another schema version than this build's.
 */
export function openIndexedDb(name, options = {}) {
  const idb = globalThis.indexedDB;
  if (!idb) {
    return Promise.reject(
      new Error(
        'IndexedDB is not available in this context (e.g. a private window that disables it, or Node). ' +
          "Use storage: 'memory' or a host store object instead.",
      ),
    );
  }
  const version = options._version ?? SCHEMA_VERSION;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error) => {
      settled = true;
      reject(error);
    };
    let request;
    try {
      request = idb.open(name, version);
    } catch (e) {
      fail(new Error(`IndexedDB could not open "${name}": ${describe(e)}`));
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
      if (db.objectStoreNames.contains(META)) request.transaction.objectStore(META).put(version, 'schema');
    };
    request.onblocked = () => {
      fail(
        new Error(
          `IndexedDB "${name}" needs an upgrade, but another tab holds it open with an older version. ` +
            'Close or reload the other tabs of this app.',
        ),
      );
    };
    request.onerror = () => {
      if (settled) return;
      const e = request.error;
      if (e?.name === 'VersionError') {
        fail(
          new Error(
            `IndexedDB "${name}" was written by a newer letta-wasm (schema above ${SCHEMA_VERSION}); ` +
              'this build cannot read it. Upgrade letta-wasm, or use another database name.',
          ),
        );
      } else {
        fail(new Error(`IndexedDB could not open "${name}": ${describe(e)}`));
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      if (settled) {
        // Opened after we gave up (a blocked upgrade that went through later): nobody holds it.
        db.close();
        return;
      }
      if (!db.objectStoreNames.contains(RECORDS) || !db.objectStoreNames.contains(META)) {
        db.close();
        fail(
          new Error(
            `IndexedDB "${name}" exists but was not created by letta-wasm (no "${RECORDS}" store); ` +
              'use another database name.',
          ),
        );
        return;
      }
      settled = true;
      resolve(indexedDbStore(db, name));
    };
  });
}

/** How long a commit that lost a version check keeps the commit turn for its retry, at most. */
const RETRY_TURN_MS = 500;

function indexedDbStore(db, name) {
  let closed = null; // why this connection is closed, once it is
  // Let a newer tab upgrade the schema: close this connection when asked, and say so afterwards.
  db.onversionchange = () => {
    closed =
      `IndexedDB "${name}" was upgraded by another tab running a newer letta-wasm; ` +
      'this page must be reloaded to use it.';
    db.close();
  };
  db.onclose = () => {
    closed ??= `IndexedDB "${name}" was closed by the browser (storage cleared, or the disk failed).`;
  };
  const tx = (mode) => {
    if (closed) throw new Error(closed);
    try {
      return db.transaction(RECORDS, mode);
    } catch (e) {
      throw new Error(closed ?? `IndexedDB "${name}": ${describe(e)}`);
    }
  };
  const done = (t) =>
    new Promise((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onabort = () => reject(new Error(`IndexedDB "${name}": ${t.error ? describe(t.error) : 'transaction aborted'}`));
    });

  // The commit turn. Commits are optimistic: an engine reads, works, then commits with a version
  // check on what it read, and re-reads and retries when another writer got there first. With many
  // writers on one record (agents in several tabs editing a shared block) a retry can lose again
  // and again. So commits to this database take turns across tabs and workers (a Web Lock held for
  // the one write transaction), and a commit that lost its check keeps the turn until its retry
  // commits (or RETRY_TURN_MS passes): nobody can write between its re-read and its retry, and the
  // retry succeeds. Without Web Locks (workers of some hosts) commits stay optimistic.
  const turnName = `letta-wasm:${name}:commit`;
  let kept = null; // { release, timer }: the turn a conflicted commit keeps for its retry
  const commitTurn = async () => {
    if (kept) {
      const { release, timer } = kept;
      kept = null;
      clearTimeout(timer);
      return release;
    }
    return (await webLock(turnName)) ?? (() => {});
  };
  const keepTurn = (release) => {
    const held = { release };
    held.timer = setTimeout(() => {
      if (kept === held) {
        kept = null;
        release();
      }
    }, RETRY_TURN_MS);
    kept = held;
  };

  /** One readwrite transaction: read every key, check every expectation, write. */
  const writeTransaction = (ops) =>
    new Promise((resolve, reject) => {
      let t;
      try {
        t = tx('readwrite');
      } catch (e) {
        reject(e);
        return;
      }
      const store = t.objectStore(RECORDS);
      const versions = new Map();
      let conflict = null;
      t.oncomplete = () => resolve(conflict);
      t.onabort = () => {
        if (conflict !== null) resolve(conflict);
        else reject(new Error(`IndexedDB "${name}": ${t.error ? describe(t.error) : 'transaction aborted'}`));
      };
      // Read every key the commit touches, then check, then write: one transaction, so no other
      // tab or engine can write in between.
      const keys = [...new Set(ops.map((o) => o.key))];
      let left = keys.length;
      const checkAndWrite = () => {
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
          if (--left === 0) checkAndWrite();
        };
      }
    });

  return {
    kind: () => `indexeddb:${name}`,
    close: () => {
      closed ??= `IndexedDB "${name}" is closed.`;
      db.close();
    },
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

    async commit(opsJson) {
      const ops = JSON.parse(opsJson);
      const release = await commitTurn();
      let conflict;
      try {
        conflict = await writeTransaction(ops);
      } catch (e) {
        release();
        throw e;
      }
      if (conflict === null) release();
      else keepTurn(release);
      return conflict;
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

/** The key of the commit journal of hosts without transactions (never listed). */
export const JOURNAL_KEY = 'letta-wasm:journal';

/** Durable Object storage (and its transaction object) take arrays of keys and objects of entries. */
function hasBatchForms(host) {
  return host.batch === true || (typeof host.getAlarm === 'function' && typeof host.deleteAll === 'function');
}

/** Reads `keys` from `h` (batched where `batch`): a Map key -> raw stored value. */
async function readAll(h, keys, batch) {
  const out = new Map();
  if (batch) {
    for (let i = 0; i < keys.length; i += 128) {
      const got = await h.get(keys.slice(i, i + 128));
      for (const [k, v] of got instanceof Map ? got : Object.entries(got ?? {})) out.set(k, v);
    }
  } else {
    for (const k of keys) out.set(k, await h.get(k));
  }
  return out;
}

/** Applies `writes` ([key, version, value] puts and [key, null] deletes) to `h`. */
async function writeAll(h, writes, batch) {
  if (batch) {
    const puts = writes.filter((w) => w[1] !== null);
    const dels = writes.filter((w) => w[1] === null).map((w) => w[0]);
    for (let i = 0; i < puts.length; i += 128) {
      await h.put(Object.fromEntries(puts.slice(i, i + 128).map(([k, v, d]) => [k, JSON.stringify([v, d])])));
    }
    for (let i = 0; i < dels.length; i += 128) await h.delete(dels.slice(i, i + 128));
  } else {
    for (const [k, v, d] of writes) {
      if (v === null) await h.delete(k);
      else await h.put(k, JSON.stringify([v, d]));
    }
  }
}

/**
 * Wraps a host storage object. `host` needs async get(key), put(key, value), delete(key) and
 * list({ prefix }). Commits are all-or-nothing:
 *  - with a `transaction(fn)` method (Durable Objects), each commit is one host transaction, atomic
 *    also across engines sharing the storage;
 *  - without one, each commit first writes a journal record (JOURNAL_KEY) holding all its writes,
 *    applies them, then deletes it; a commit cut short (crash, failed put) is completed from the
 *    journal before anything else is read or written. Commits and reads are serialised within this
 *    engine; two engines must not share such a host (no cross-engine check).
 * Durable Object storage is detected and its batch forms (get/put/delete of up to 128 keys) used;
 * other hosts may set `batch: true` when their get/put/delete take the same forms.
 */
export function hostStore(host) {
  for (const m of ['get', 'put', 'delete', 'list']) {
    if (typeof host?.[m] !== 'function') {
      throw new Error(`storage: a host store needs async get, put, delete and list methods; "${m}" is missing`);
    }
  }
  const batch = hasBatchForms(host);
  const transactional = typeof host.transaction === 'function';
  let queue = Promise.resolve();
  const serial = (fn) => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };
  // Hosts without transactions: finish a commit a crash cut short, before anything else.
  let recovered = null;
  const recover = () =>
    (recovered ??= (async () => {
      const raw = await host.get(JOURNAL_KEY);
      if (raw == null) return;
      let writes;
      try {
        writes = (typeof raw === 'string' ? JSON.parse(raw) : raw).writes;
      } catch (e) {
        throw new Error(`host store: the commit journal (${JOURNAL_KEY}) is unreadable: ${describe(e)}`);
      }
      await writeAll(host, writes, batch);
      await host.delete(JOURNAL_KEY);
    })().catch((e) => {
      recovered = null; // try again at the next call
      throw e;
    }));
  // With a transaction method the host is consistent by itself; else reads wait for commits.
  const read = transactional ? (fn) => fn() : (fn) => serial(() => recover().then(fn));
  const plan = (ops, raw) => {
    const versions = new Map();
    for (const [k, v] of raw) {
      const rec = decode(v);
      if (rec) versions.set(k, rec[0]);
    }
    const conflict = firstConflict(ops, (k) => versions.get(k));
    if (conflict !== null) return { conflict };
    const now = new Map(versions);
    const writes = new Map();
    for (const op of ops) {
      if (op.op === 'put') {
        const v = (now.get(op.key) ?? 0) + 1;
        now.set(op.key, v);
        writes.set(op.key, [op.key, v, op.value]);
      } else if (op.op === 'delete') {
        now.set(op.key, undefined);
        writes.set(op.key, [op.key, null]);
      }
    }
    return { conflict: null, writes: [...writes.values()] };
  };
  const keysOf = (ops) => [...new Set(ops.map((o) => o.key))];
  return {
    kind: () => 'host',
    close: () => {},
    lock: (name) => webLock(`letta-wasm:host:${name}`),
    getMany(keysJson) {
      const keys = JSON.parse(keysJson);
      return read(async () => {
        const got = await readAll(host, keys, batch);
        return JSON.stringify(keys.map((k) => decode(got.get(k)) ?? null));
      });
    },
    list(prefix) {
      return read(async () => {
        const entries = await hostList(host, prefix);
        return JSON.stringify(entries.filter(([k]) => k !== JOURNAL_KEY).map(([k, raw]) => [k, ...decode(raw)]));
      });
    },
    commit(opsJson) {
      const ops = JSON.parse(opsJson);
      if (transactional) {
        return serial(() =>
          host.transaction(async (txn) => {
            const { conflict, writes } = plan(ops, await readAll(txn, keysOf(ops), batch));
            if (conflict === null) await writeAll(txn, writes, batch);
            return conflict;
          }),
        );
      }
      return serial(async () => {
        await recover();
        const { conflict, writes } = plan(ops, await readAll(host, keysOf(ops), batch));
        if (conflict !== null) return conflict;
        if (writes.length > 1) {
          await host.put(JOURNAL_KEY, JSON.stringify({ writes }));
          // From here on the commit happens: if a write below fails, the journal completes it
          // (at the next call of this engine, or when the storage is next opened).
          recovered = null;
          await writeAll(host, writes, batch);
          await host.delete(JOURNAL_KEY);
          recovered = Promise.resolve();
        } else {
          await writeAll(host, writes, batch);
        }
        return null;
      });
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
