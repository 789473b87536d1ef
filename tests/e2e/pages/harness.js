// The page side of the e2e tests: loads letta-wasm from /pkg/ (the built package, browser entry) and
// exposes helpers on `window.harness`. The tests (../*.test.mjs) drive pages with page.evaluate.
import * as letta from '/pkg/entry/browser.js';

const { LettaClient } = letta;

/**
 * A client on the IndexedDB database `name` ('memory': in memory), opened:
 * `new LettaClient({ ...options, storage: { type: 'indexeddb', name } })`, then `await client.ready`.
 */
export async function openClient(name, options = {}) {
  const storage = name === 'memory' ? 'memory' : { type: 'indexeddb', name };
  const client = new LettaClient({ ...options, storage });
  await client.ready;
  return client;
}

/** The store module of the package (wasm-bindgen copies src/wasm/stores.js into snippets/). */
export async function stores() {
  const glue = await (await fetch('/pkg/letta_wasm.js')).text();
  const m = glue.match(/from '\.\/(snippets\/[^']+\/stores\.js)'/);
  if (!m) throw new Error('no stores.js snippet import in letta_wasm.js');
  return import(`/pkg/${m[1]}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function until(fn, ms = 10_000, what = 'condition') {
  const end = performance.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A promise that never settles (a model or tool that "hangs" until the page goes away). */
export const never = () => new Promise(() => {});

/** Opens a raw IndexedDB connection (no letta-wasm), e.g. an old tab that does not yield. */
export function rawOpen(name, version, upgrade) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(name, version);
    r.onupgradeneeded = () => upgrade?.(r.result);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/**
 * Counts IndexedDB transactions by mode, and explicit aborts (the store aborts a commit whose version
 * check failed), by wrapping IDBDatabase.prototype.transaction and IDBTransaction.prototype.abort once.
 */
export function countTransactions() {
  if (!globalThis.__idbCounts) {
    const counts = (globalThis.__idbCounts = { readonly: 0, readwrite: 0, aborted: 0 });
    const orig = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (scope, mode, ...rest) {
      counts[mode === 'readwrite' ? 'readwrite' : 'readonly']++;
      return orig.call(this, scope, mode, ...rest);
    };
    const abort = IDBTransaction.prototype.abort;
    IDBTransaction.prototype.abort = function () {
      counts.aborted++;
      return abort.call(this);
    };
  }
  return globalThis.__idbCounts;
}

const harness = { ready: true, letta, LettaClient, openClient, stores, sleep, until, never, rawOpen, countTransactions };
window.harness = harness;
