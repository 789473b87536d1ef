// The www/ demo end to end in headless Chromium, on the packed package: run a task on the scripted
// model, see the agents work, the shared blocks and the timeline change; reload: the team and its
// state come back from IndexedDB; Reset starts over. Saves target/screenshots/www-demo.png.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, PKG, noChromium, browser, serve } from './support.mjs';

const text = (page, sel) => page.locator(sel).innerText();

test('www demo: a task on the scripted team, live blocks and timeline, state kept across reload, reset', { skip: noChromium }, async (t) => {
  const srv = await serve({ port: 0, roots: { '/pkg/': PKG, '/': join(ROOT, 'www') } });
  t.after(() => srv.close());
  const { newPage, log } = await browser(t);
  const page = await newPage();
  const ready = async () =>
    page.waitForFunction(() => window.demo?.ready || window.demo?.error, null, { timeout: 30_000 }).then(async () => {
      assert.equal(await page.evaluate(() => window.demo.error), null, log.join('\n'));
    });

  await page.goto(`${srv.url}/index.html?delay=60`);
  await ready();
  assert.match(await text(page, '#block-workspace pre'), /^# Team workspace\s*$/);
  assert.equal(await page.locator('#timeline li').count(), 0);

  await page.fill('#task', 'reverse the words of a sentence');
  await page.click('#run');
  await page.waitForFunction(() => window.demo.runs === 1, null, { timeout: 60_000 });
  // Each agent's status as it changed (the page logs what it rendered).
  const seen = await page.evaluate(() => window.demo.statusLog);
  for (const want of ['coordinator: calling memory_rethink → tasks', 'researcher: thinking', 'coder: calling core_memory_append → workspace', 'reviewer: calling memory_replace → requests', 'reviewer: idle']) {
    assert.ok(seen.includes(want), `saw status "${want}" (saw: ${seen.join(' | ')})`);
  }

  assert.match(await text(page, '#status'), /last run: end_turn/);
  const workspace = await text(page, '#block-workspace pre');
  assert.match(workspace, /## T1 \(researcher\)/);
  assert.match(workspace, /export function reverseWordsSentence/);
  assert.match(workspace, /APPROVED: T2/);
  assert.match(await text(page, '#block-tasks pre'), /"T3".*"status": "done"/);
  assert.match(await text(page, '#block-requests pre'), /\[resolved\] T2/);
  assert.match(await text(page, '#block-feedback pre'), /best practice \(T2\)/);
  for (const label of ['tasks', 'requests', 'workspace', 'feedback']) {
    assert.ok(Number(await page.locator(`#block-${label}`).getAttribute('data-changes')) >= 1, `${label} changed`);
    assert.ok((await page.locator(`#block-${label} pre span.added`).count()) >= 1, `${label} has highlighted lines`);
  }
  // Timeline: the user's run, then the coordinator's three messages to the workers, each replied.
  const items = await page.locator('#timeline li').allInnerTexts();
  assert.equal(items.length, 4, items.join('\n'));
  assert.match(items[0], /you → coordinator \(run, end_turn\)/);
  assert.match(items[1], /coordinator → researcher \(wait, replied\)[\s\S]*T1 done/);
  assert.match(items[2], /coordinator → coder \(wait, replied\)/);
  assert.match(items[3], /coordinator → reviewer \(wait, replied\)/);
  const tokens = await page.locator('.agent .tokens').allInnerTexts();
  for (const line of tokens) assert.match(line, /^[1-9]\d* steps · [1-9]\d* prompt \+ [1-9]\d* completion/, line);

  mkdirSync(join(ROOT, 'target/screenshots'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'target/screenshots/www-demo.png'), fullPage: true });

  // Reload: the same team, its blocks and the timeline are back (IndexedDB + the page's run log).
  const ids = await page.evaluate(() => Object.values(window.demo.state.team.agents).map((a) => a.id).sort());
  await page.reload();
  await ready();
  assert.match(await text(page, '#status'), /restored from IndexedDB \(1 earlier run\)/);
  assert.deepEqual(await page.evaluate(() => Object.values(window.demo.state.team.agents).map((a) => a.id).sort()), ids);
  assert.equal(await text(page, '#block-workspace pre'), workspace);
  assert.equal(await page.locator('#timeline li').count(), 4);

  // A second task continues the board (T4-T6) on the restored team.
  await page.fill('#task', 'sort');
  await page.click('#run');
  await page.waitForFunction(() => window.demo.runs === 1 && !window.demo.state.running, null, { timeout: 60_000 });
  assert.match(await text(page, '#block-tasks pre'), /"T6".*"status": "done"/);
  assert.match(await text(page, '#block-escalations pre'), /"sort" is vague/);
  assert.equal(await page.locator('#timeline li').count(), 8);

  // Reset: everything goes; a fresh team is created.
  await Promise.all([page.waitForEvent('load'), page.click('#reset')]);
  await ready();
  assert.match(await text(page, '#status'), /team created/);
  assert.match(await text(page, '#block-workspace pre'), /^# Team workspace\s*$/);
  assert.equal(await page.locator('#timeline li').count(), 0);
  const fresh = await page.evaluate(() => Object.values(window.demo.state.team.agents).map((a) => a.id).sort());
  assert.notDeepEqual(fresh, ids);
  assert.deepEqual(log.filter((l) => !/favicon/.test(l)), []);
});
