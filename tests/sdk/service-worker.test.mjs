// The fetch handler in a service worker (headless Chromium via playwright-core): a page's own
// fetch('/v1/...') is answered by letta-wasm in the browser, with no server behind it. The static
// server here only hands out the page, sw.js and the package's files; it answers 404 for /v1/.
// Needs /usr/bin/chromium (scripts/setup.sh --browser); skipped without it, saying so.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SW_DIR = fileURLToPath(new URL('./sw/', import.meta.url));
const PKG = dirname(createRequire(import.meta.url).resolve('letta-wasm/package.json'));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

function staticServer() {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    let file;
    if (path === '/') file = join(SW_DIR, 'index.html');
    else if (path === '/sw.js') file = join(SW_DIR, 'sw.js');
    else if (path.startsWith('/node_modules/letta-wasm/')) {
      const rel = normalize(path.slice('/node_modules/letta-wasm/'.length));
      if (!rel.startsWith('..')) file = join(PKG, rel);
    }
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not here');
    }
    res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

test('a service worker answers the page’s /v1/ requests from letta-wasm', { timeout: 120_000, skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (scripts/setup.sh --browser)` }, async (t) => {
  const { chromium } = await import('playwright-core');
  const { server, url } = await staticServer();
  t.after(() => new Promise((r) => server.close(r)));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  await page.goto(url);
  assert.equal(await page.evaluate(() => window.swReady), 'ok', logs.join('\n'));

  const result = await page.evaluate(async () => {
    const auth = { authorization: 'Bearer sk-sw', 'content-type': 'application/json' };
    const call = async (method, path, body, headers = auth) => {
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, type: r.headers.get('content-type'), body: r.headers.get('content-type')?.includes('json') ? await r.json() : await r.text() };
    };
    const denied = await call('GET', '/v1/agents/', undefined, {});
    const block = await call('POST', '/v1/blocks/', { label: 'organization', value: 'in the browser' });
    const agent = await call('POST', '/v1/agents/', { model: 'scripted/echo', block_ids: [block.body.id] });
    const run = await call('POST', `/v1/agents/${agent.body.id}/messages`, { messages: [{ role: 'user', content: 'hi' }] });
    const sse = await call('POST', `/v1/agents/${agent.body.id}/messages`, { messages: [{ role: 'user', content: 'sse' }], streaming: true });
    const core = await call('GET', `/v1/agents/${agent.body.id}/core-memory/blocks/organization`);
    return { denied, block, agent, run, sse, core };
  });
  assert.equal(result.denied.status, 401);
  assert.equal(result.block.status, 200, JSON.stringify(result.block));
  assert.match(result.agent.body.id, /^agent-/);
  assert.equal(result.run.body.messages.at(-1).content, 'Echo: hi');
  assert.match(result.sse.type, /^text\/event-stream/);
  assert.match(result.sse.body, /"content":"Echo: sse"[\s\S]*data: \[DONE\]\n\n$/);
  assert.equal(result.core.body.value, 'in the browser');
});
