// Persistence benchmark, in a real browser (Debian's Chromium through playwright-core, like the e2e
// tests; Node with fake-indexeddb would measure the fake). Prints:
//
//   1. per-step cost of a scripted 2-step tool loop (a memory edit, then an answer), N runs, on
//      IndexedDB against in-memory storage;
//   2. IndexedDB transactions per step, counted by wrapping IDBDatabase.prototype.transaction (the
//      store opens exactly one transaction per read or commit it is asked for);
//   3. cold start with 10 agents of 20 blocks each: instantiate the module (fetch + compile +
//      instantiate the wasm), open the store (IndexedDB, mailboxes resumed), first agent ready
//      (`agents.retrieve` with its 20 blocks), in a fresh page each time.
//
// Targets (issue 5): one write transaction per step; cold start under 50 ms.
//
//   node bench/persistence.mjs [--runs N] [--cold M] [--pkg DIR] [--json FILE]
//
// Needs tests/e2e's dependencies (`cd tests/e2e && npm ci`) and a built package (pkg/ by default;
// measure a release build: `bash scripts/build.sh`). Not part of scripts/test.sh. Timings on shared
// machines are noisy: compare the ratios of one run.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { launch, chromiumMissing } from '../tests/e2e/support/browser.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', 60));
const COLD = Number(opt('cold', 7));
const AGENTS = 10;
const BLOCKS = 20;
if (opt('pkg')) process.env.LETTA_PKG_DIR = resolve(opt('pkg'));

const missing = chromiumMissing();
if (missing) {
  console.error(`bench: ${missing}`);
  process.exit(1);
}

const cleanups = [];
const browser = await launch({ after: (fn) => cleanups.push(fn) });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(2)} ms`;

try {
  // ---- 1 + 2: per-step cost and transactions per step ----------------------------------------
  const page = await browser.open();
  const loop = async (storage) =>
    page.evaluate(
      async ({ storage, runs }) => {
        const { openClient, countTransactions } = window.harness;
        const counts = countTransactions();
        const client = await openClient(storage);
        client.scripted.define('loop', (req) =>
          req.messages.at(-1).role === 'user'
            ? { toolCalls: [{ name: 'memory_insert', arguments: { label: 'notes', new_string: `note ${req.messages.length}`, insert_line: -1 } }] }
            : { content: 'noted' },
        );
        const agent = await client.agents.create({ model: 'scripted/loop', memoryBlocks: [{ label: 'notes', value: 'Notes:', limit: 1_000_000 }] });
        const send = () => client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'note this' }] });
        for (let i = 0; i < 5; i++) await send(); // warm-up
        const before = { ...counts };
        const times = [];
        const t0 = performance.now();
        for (let i = 0; i < runs; i++) {
          const t = performance.now();
          const r = await send();
          times.push(performance.now() - t);
          if (r.usage.stepCount !== 2) throw new Error(`expected 2 steps, got ${r.usage.stepCount}`);
        }
        const total = performance.now() - t0;
        client.close();
        return {
          total,
          times,
          readwrite: counts.readwrite - before.readwrite,
          readonly: counts.readonly - before.readonly,
        };
      },
      { storage, runs: RUNS },
    );
  const mem = await loop('memory');
  const idb = await loop(`bench-steps-${Date.now()}`);
  const steps = RUNS * 2;
  const perStep = (r) => r.total / steps;

  // ---- 3: cold start with 10 agents x 20 blocks ----------------------------------------------
  const coldSeries = async (b) => {
    const setupPage = await b.open();
    const db = `bench-cold-${Date.now()}`;
    const firstAgent = await setupPage.evaluate(
      async ({ db, agents, blocks }) => {
        const client = await window.harness.openClient(db);
        let first;
        for (let a = 0; a < agents; a++) {
          const memoryBlocks = Array.from({ length: blocks }, (_, k) => ({
            label: `block_${k}`,
            value: `Agent ${a}, block ${k}: ${'some remembered text. '.repeat(8)}`,
          }));
          const agent = await client.agents.create({ name: `agent-${a}`, memoryBlocks });
          first ??= agent.id;
        }
        client.close();
        return first;
      },
      { db, agents: AGENTS, blocks: BLOCKS },
    );
    await setupPage.close();
    const out = [];
    for (let i = 0; i < COLD; i++) {
      const p = await b.open('/blank.html');
      const r = await p.evaluate(
        async ({ db, first, blocks }) => {
          const tx = { n: 0 };
          const orig = IDBDatabase.prototype.transaction;
          IDBDatabase.prototype.transaction = function (...a) {
            tx.n++;
            return orig.apply(this, a);
          };
          const t0 = performance.now();
          const letta = await import('/pkg/entry/slim.js'); // the package's JS modules
          const tj = performance.now();
          await letta.init(); // fetch + compile + instantiate letta_wasm_bg.wasm
          const t1 = performance.now();
          const client = new letta.LettaClient({ storage: { type: 'indexeddb', name: db } });
          await client.ready; // IndexedDB open, mailboxes resumed
          const t2 = performance.now();
          const txOpen = tx.n;
          const agent = await client.agents.retrieve(first);
          const t3 = performance.now();
          if (agent.memory.blocks.length !== blocks) throw new Error('first agent incomplete');
          const txAgent = tx.n - txOpen;
          // The same call again: what the first one spent warming up (the browser compiles wasm
          // functions on their first call) rather than reading.
          await client.agents.retrieve(first);
          const t4 = performance.now();
          return { js: tj - t0, wasm: t1 - tj, instantiate: t1 - t0, open: t2 - t1, firstAgent: t3 - t2, total: t3 - t0, txOpen, txAgent, again: t4 - t3 };
        },
        { db, first: firstAgent, blocks: BLOCKS },
      );
      out.push(r);
      await p.close();
    }
    return out;
  };
  const KEYS = ['js', 'wasm', 'instantiate', 'open', 'firstAgent', 'total', 'txOpen', 'txAgent', 'again'];
  const med = (rows) => Object.fromEntries(KEYS.map((k) => [k, median(rows.map((c) => c[k]))]));
  const cold = await coldSeries(browser);
  const coldMed = med(cold);
  // The same with HTTP caching, as an app is usually served: the browser keeps the modules and the
  // compiled wasm after the first visit (its first page is dropped from the median).
  const cachedBrowser = await launch({ after: (fn) => cleanups.push(fn) }, { cache: true });
  const cached = await coldSeries(cachedBrowser);
  const cachedMed = med(cached.slice(1));

  const wasmSize = await page.evaluate(async () => (await (await fetch('/pkg/letta_wasm_bg.wasm')).arrayBuffer()).byteLength);
  const version = browser.context.browser()?.version() ?? 'chromium';

  // ---- report --------------------------------------------------------------------------------
  const rwPerStep = idb.readwrite / steps;
  const roPerStep = idb.readonly / steps;
  console.log(`letta-wasm persistence benchmark — ${version}, package ${browser.pkgDir} (wasm ${(wasmSize / 1024).toFixed(0)} KiB)`);
  console.log('');
  console.log(`1. scripted 2-step tool loop (memory_insert, then an answer), ${RUNS} runs = ${steps} steps`);
  console.log(`   in-memory   ${fmt(perStep(mem))} per step   (median run ${fmt(median(mem.times))})`);
  console.log(`   IndexedDB   ${fmt(perStep(idb))} per step   (median run ${fmt(median(idb.times))})`);
  console.log(`   IndexedDB / in-memory: x${(perStep(idb) / perStep(mem)).toFixed(2)}; IndexedDB adds ${fmt(perStep(idb) - perStep(mem))} per step`);
  console.log('');
  console.log('2. IndexedDB transactions per step');
  console.log(`   write (readwrite)  ${rwPerStep.toFixed(2)}   target 1   ${rwPerStep <= 1 ? 'MET' : 'MISSED'}`);
  console.log(`   read  (readonly)   ${roPerStep.toFixed(2)}`);
  console.log('');
  const coldLines = (m) => {
    console.log(`   instantiate the module   ${fmt(m.instantiate)}   (JS modules ${fmt(m.js)}, wasm fetch + compile + instantiate ${fmt(m.wasm)})`);
    console.log(`   open the store           ${fmt(m.open)}   (${m.txOpen} IndexedDB transactions)`);
    console.log(`   first agent ready        ${fmt(m.firstAgent)}   (${m.txAgent} IndexedDB transactions; the same call again: ${fmt(m.again)})`);
    console.log(`   total                    ${fmt(m.total)}   target < 50 ms   ${m.total < 50 ? 'MET' : 'MISSED'}`);
  };
  console.log(`3. cold start, ${AGENTS} agents x ${BLOCKS} blocks, fresh page each time (median of ${COLD})`);
  console.log('   a) first visit: nothing cached (every module fetched, the wasm compiled)');
  coldLines(coldMed);
  console.log(`   b) returning visit: HTTP cache and the browser's compiled-wasm cache (median of ${COLD - 1})`);
  coldLines(cachedMed);
  console.log(`   store + first agent alone: ${fmt(coldMed.open + coldMed.firstAgent)} / ${fmt(cachedMed.open + cachedMed.firstAgent)}`);
  const json = opt('json');
  if (json) {
    writeFileSync(
      json,
      JSON.stringify({ runs: RUNS, steps, perStepMs: { memory: perStep(mem), indexeddb: perStep(idb) }, txPerStep: { readwrite: rwPerStep, readonly: roPerStep }, cold, coldMedian: coldMed, cached, cachedMedian: cachedMed, wasmBytes: wasmSize }, null, 2),
    );
  }
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
