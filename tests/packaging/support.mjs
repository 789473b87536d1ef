// Shared helpers: the installed package's directory, Debian's Chromium via playwright-core (never a
// downloaded browser), a loopback static server.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
export { serve } from '../../www/serve.mjs';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '../..');
export const PKG = dirname(createRequire(import.meta.url).resolve('letta-wasm/package.json'));
export const CHROMIUM = process.env.LETTA_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
export const noChromium = existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (scripts/setup.sh --browser)`;

/** A fresh persistent profile (IndexedDB survives reloads within it); closed by t.after. */
export async function browser(t) {
  const profile = mkdtempSync(join(tmpdir(), 'letta-packaging-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  context.setDefaultTimeout(30_000);
  const log = [];
  context.on('page', (page) => watch(page, log));
  t.after(async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  });
  const newPage = async () => {
    const page = await context.newPage();
    return page;
  };
  return { context, newPage, log };
}

function watch(page, log) {
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') log.push(`console.error: ${m.text()}`); });
}

/** Waits for window.result on the page and returns it (fails with the page's log). */
export async function resultOf(page, log) {
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 }).catch((e) => {
    throw new Error(`${e.message}\npage log:\n${log.join('\n')}`);
  });
  return page.evaluate(() => window.result);
}
