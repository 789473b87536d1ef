// Cold start: load + instantiate the wasm module, then create a client and an agent and run the
// first step (a scripted model: no network), in Node and in headless Chromium. Each sample is a
// fresh process / a fresh page; prints the median and range of N samples (default 5).
//
//   node bench/coldstart.mjs [--runs N] [--pkg DIR]
//
// Needs pkg/ (scripts/build.sh) and, for Chromium, tests/packaging's node_modules (playwright-core)
// and /usr/bin/chromium. Timing on shared machines is noisy: compare figures from one run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('--runs', 5));
const PKG = resolve(arg('--pkg', join(ROOT, 'pkg')));

// The measured program, the same text in both runtimes: `load` imports the package entry.
const PROGRAM = `
  const t0 = performance.now();
  const { LettaClient } = await load();
  const t1 = performance.now();
  const client = new LettaClient({});
  client.scripted.define('bench', [{ content: 'hello' }]);
  const agent = await client.agents.create({ model: 'scripted/bench', memoryBlocks: [{ label: 'persona', value: 'bench' }] });
  const t2 = performance.now();
  const res = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'hi' }] });
  const t3 = performance.now();
  if (res.stopReason.stopReason !== 'end_turn') throw new Error('first step failed');
  client.close();
  return { importMs: t1 - t0, createMs: t2 - t1, firstStepMs: t3 - t2, totalMs: t3 - t0 };
`;

function stats(samples, key) {
  const v = samples.map((s) => s[key]).sort((a, b) => a - b);
  const med = v[Math.floor(v.length / 2)];
  return `${med.toFixed(1).padStart(7)} ms  (${v[0].toFixed(1)}-${v.at(-1).toFixed(1)})`;
}

function print(title, samples, extra = '') {
  console.log(`\n${title}: median (min-max) of ${samples.length}${extra}`);
  const rows = { importMs: 'import + compile + instantiate', createMs: 'new client + create agent', firstStepMs: 'first step (scripted model)', totalMs: 'total' };
  for (const [k, label] of Object.entries(rows)) console.log(`  ${label.padEnd(32)} ${stats(samples, k)}`);
}

// --- Node: a fresh process per sample ---------------------------------------------------------
const nodeEntry = pathToFileURL(join(PKG, 'entry/node.js')).href;
const nodeSamples = [];
for (let i = 0; i < RUNS; i++) {
  const script = `const load = () => import(${JSON.stringify(nodeEntry)}); const r = await (async () => { ${PROGRAM} })(); console.log(JSON.stringify(r));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  nodeSamples.push(JSON.parse(out.trim().split('\n').at(-1)));
}
const wasmKb = (statSync(join(PKG, 'letta_wasm_bg.wasm')).size / 1024).toFixed(0);
console.log(`letta-wasm cold start (${PKG}, wasm ${wasmKb} KiB, node ${process.version})`);
print('Node (fresh process each; the node entry compiles the wasm synchronously at import)', nodeSamples);

// --- Chromium: a fresh page (and HTTP cache disabled) per sample ---------------------------------
let chromium;
try {
  const mod = await import(pathToFileURL(createRequire(join(ROOT, 'tests/packaging/package.json')).resolve('playwright-core')).href);
  chromium = mod.chromium ?? mod.default.chromium;
} catch {
  console.log('\nChromium: skipped (npm ci in tests/packaging for playwright-core)');
  process.exit(0);
}
const { serve } = await import('../www/serve.mjs');
const srv = await serve({ port: 0, roots: { '/pkg/': PKG, '/': join(ROOT, 'www') } });
const profile = mkdtempSync(join(tmpdir(), 'letta-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.LETTA_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const browserSamples = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await page.goto(`${srv.url}/favicon-none`).catch(() => {});
    const r = await page.evaluate(`(async () => { const load = () => import('/pkg/entry/browser.js'); ${PROGRAM} })()`);
    browserSamples.push(r);
    await page.close();
  }
  const version = context.browser()?.version() ?? '';
  print(`Chromium ${version} headless (fresh page each, HTTP cache off, loopback; the browser entry fetches + compiles with streaming)`, browserSamples);
} finally {
  await context.close();
  await srv.close();
  rmSync(profile, { recursive: true, force: true });
}
