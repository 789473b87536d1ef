// Debian's Chromium driven by playwright-core: never a downloaded browser (`npx playwright install`
// is not used and would not work offline). A fresh user-data-dir per launch, so IndexedDB starts empty
// and survives reloads and closed pages within the launch, like a real profile.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

export const CHROMIUM = process.env.LETTA_CHROMIUM || '/usr/bin/chromium';

// The flags that work as root in a sandboxed machine without network (docs: TOOLCHAIN.md).
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function chromiumMissing() {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (scripts/setup.sh --browser)`;
}

/**
 * Launches Chromium with a fresh profile and serves the pages; `t.after` cleans both up (`t` is a
 * node:test context, or any object with an `after(fn)` method). `cache`: see serve().
 * Resolves to `{ context, url, open(pathname?), log }`; `open` makes a new tab on the page and waits
 * for its harness. Browser console errors and page errors are collected in `log` (shown on failure).
 */
export async function launch(t, { cache = false } = {}) {
  const server = await serve({ cache });
  const profile = mkdtempSync(join(tmpdir(), 'letta-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  context.setDefaultTimeout(20_000);
  const log = [];
  const watch = (page) => {
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log.push(`console.${m.type()}: ${m.text()}`);
    });
  };
  t.after(async () => {
    await context.close().catch(() => {});
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const open = async (pathname = '/index.html') => {
    const page = await context.newPage();
    watch(page);
    await page.goto(server.url + pathname);
    if (pathname === '/blank.html') return page;
    await page.waitForFunction(() => window.harness?.ready === true || window.harness?.error, null, { timeout: 20_000 });
    const error = await page.evaluate(() => window.harness.error);
    if (error) throw new Error(`the page's harness failed to load: ${error}`);
    return page;
  };
  /** Reloads `page` and waits for its harness again. */
  const reload = async (page) => {
    await page.reload();
    await page.waitForFunction(() => window.harness?.ready === true || window.harness?.error, null, { timeout: 20_000 });
  };
  return { context, url: server.url, pkgDir: server.pkgDir, open, reload, log };
}
