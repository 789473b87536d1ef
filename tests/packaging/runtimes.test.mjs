// The packed package (npm pack of pkg/, installed here by scripts/test.sh) in each runtime it claims.
// Each runs the same scripted scenario (fixtures/scenario.js) and checks its outcome.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { HERE, ROOT, PKG, noChromium, browser, resultOf, serve } from './support.mjs';

const run = promisify(execFile);

function expectScenario(r, label) {
  assert.equal(r.error, undefined, r.error);
  assert.deepEqual(r.types, ['tool_call_message', 'tool_return_message', 'assistant_message']);
  assert.equal(r.stop, 'end_turn');
  assert.equal(r.value, `Organization: Letta (${label})`);
}

test('Node ESM: import from "letta-wasm" resolves the node entry and runs an agent', async () => {
  const { stdout } = await run(process.execPath, [join(HERE, 'fixtures/node/main.mjs')], { cwd: HERE });
  expectScenario(JSON.parse(stdout.trim().split('\n').at(-1)), 'node');
  const entry = import.meta.resolve('letta-wasm');
  assert.match(entry, /\/node_modules\/letta-wasm\/entry\/node\.js$/);
});

test('Vite: a page bundled with vite build loads the wasm asset and runs an agent in Chromium', { skip: noChromium }, async (t) => {
  const { build } = await import('vite');
  const outDir = join(ROOT, 'target/packaging/vite-dist');
  rmSync(outDir, { recursive: true, force: true });
  await build({
    root: join(HERE, 'fixtures/vite-app'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022' },
    // fixtures/scenario.js sits outside the Vite root
    server: { fs: { strict: false } },
  });
  const assets = readdirSync(join(outDir, 'assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `vite emitted the wasm: ${assets.join(', ')}`);
  const srv = await serve({ port: 0, roots: { '/': outDir } });
  t.after(() => srv.close());
  const { newPage, log } = await browser(t);
  const page = await newPage();
  await page.goto(`${srv.url}/index.html`);
  expectScenario(await resultOf(page, log), 'vite');
});

test('plain <script type="module"> page (import map to the package) and a module Web Worker', { skip: noChromium }, async (t) => {
  const srv = await serve({ port: 0, roots: { '/pkg/': PKG, '/fixtures/': join(HERE, 'fixtures') } });
  t.after(() => srv.close());
  const { newPage, log } = await browser(t);

  const page = await newPage();
  await page.goto(`${srv.url}/fixtures/plain/index.html`);
  expectScenario(await resultOf(page, log), 'plain');

  const wpage = await newPage();
  await wpage.goto(`${srv.url}/fixtures/plain/worker.html`);
  const r = await resultOf(wpage, log);
  expectScenario(r, 'worker');
  assert.equal(r.inWorker, true);
});

test('Cloudflare Worker in workerd (miniflare): the "workerd" entry with the wasm as a compiled module', async (t) => {
  const modules = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) {
        if (name !== 'node_modules') walk(file);
      } else if (name.endsWith('.js') || name.endsWith('.wasm')) {
        modules.push({ type: name.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule', path: `/w/node_modules/letta-wasm/${relative(PKG, file)}`, contents: readFileSync(file) });
      }
    }
  };
  walk(PKG);
  const worker = `
    import { LettaClient } from './node_modules/letta-wasm/entry/workerd.js';
    import { scenario } from './scenario.js';
    export default { async fetch() { return Response.json(await scenario(LettaClient, 'workerd')); } };`;
  const mf = new Miniflare({
    modulesRoot: '/w',
    modules: [
      { type: 'ESModule', path: '/w/worker.js', contents: worker },
      { type: 'ESModule', path: '/w/scenario.js', contents: readFileSync(join(HERE, 'fixtures/scenario.js')) },
      ...modules,
    ],
    compatibilityDate: '2025-09-01',
    host: '127.0.0.1',
    port: 0,
  });
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch('http://localhost/');
  assert.equal(res.status, 200, await res.clone().text());
  expectScenario(await res.json(), 'workerd');
  // package.json maps the workerd condition to that entry
  const pj = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  assert.equal(pj.exports['.'].workerd, './entry/workerd.js');
});
