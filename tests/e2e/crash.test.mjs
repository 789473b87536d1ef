// A page closed in the middle of a run: the first step of the run was committed, the second one was
// half done (its model answered, its memory edit was applied in memory, its custom tool was still
// running) when the tab went away. Reopened, the database holds exactly the last committed step:
// the first step's messages and block edit, nothing of the second. The agent is not stuck (the closed
// tab's cross-tab lock is gone) and its next message works.
import test from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, launch } from './support/browser.mjs';

const skip = chromiumMissing();

test('a page closed mid-run leaves the last committed step, and the agent carries on', { skip, timeout: 90_000 }, async (t) => {
  const browser = await launch(t);
  t.after(() => browser.log.length && console.log(browser.log.join('\n')));
  const db = `crash-${Date.now()}`;

  const page1 = await browser.open();
  const ids = await page1.evaluate(async (db) => {
    const { openClient, never } = window.harness;
    const client = (window.client = await openClient(db));
    window.progress = [];
    client.scripted.define('stepper', (req) => {
      const step = req.step;
      window.progress.push(`model step ${step}`);
      if (step === 0) return { toolCalls: [{ name: 'core_memory_append', arguments: { label: 'notes', content: 'step one done' } }] };
      if (step === 1) {
        // Both in one step: a memory edit, then a tool that never returns (the step never commits).
        return {
          toolCalls: [
            { name: 'core_memory_append', arguments: { label: 'notes', content: 'step two half' } },
            { name: 'slow_tool', arguments: { what: 'wait' } },
          ],
        };
      }
      return { content: 'finished' };
    });
    await client.tools.create({
      jsonSchema: { name: 'slow_tool', description: 'Takes forever.', parameters: { type: 'object', properties: { what: { type: 'string' } } } },
      fn: () => {
        window.progress.push('slow_tool running');
        return never();
      },
    });
    const agent = await client.agents.create({
      name: 'stepper',
      model: 'scripted/stepper',
      memoryBlocks: [{ label: 'notes', value: 'Notes:' }],
      tools: ['core_memory_append', 'slow_tool'],
    });
    const before = await client.agents.messages.list(agent.id, { limit: 1000 });
    // Not awaited: the run is cut short by closing the page.
    window.run = client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'do two steps' }] });
    await window.harness.until(() => window.progress.includes('slow_tool running'), 10_000, 'the second step to be in its tool');
    // The first step is committed: another client on the same database (a second tab) sees it.
    return { agent: agent.id, before: before.length, progress: window.progress };
  }, db);
  assert.deepEqual(ids.progress, ['model step 0', 'model step 1', 'slow_tool running']);

  // What a second tab sees while the run is stuck in step 2 (read-only: no lock is needed to read).
  const page2 = await browser.open();
  const during = await page2.evaluate(async ({ db, agent }) => {
    const c = await window.harness.openClient(db);
    const m = await c.agents.messages.list(agent, { limit: 1000 });
    return m.map((x) => x.messageType);
  }, { db, agent: ids.agent });
  await page2.close();

  // The tab goes away in the middle of step 2.
  await page1.close();

  const page3 = await browser.open();
  const after = await page3.evaluate(async ({ db, agent }) => {
    const c = (window.client = await window.harness.openClient(db));
    const messages = await c.agents.messages.list(agent, { limit: 1000 });
    const notes = await c.agents.blocks.retrieve(agent, 'notes');
    const state = await c.agents.retrieve(agent);
    return {
      messages: messages.map((m) => [m.messageType, m.toolCall?.name ?? m.toolReturn ?? m.content ?? null, m.stepId ?? null]),
      notes: notes.value,
      stop: state.lastStopReason ?? null,
    };
  }, { db, agent: ids.agent });

  const types = after.messages.map((m) => m[0]);
  // The system message, the input, then exactly step 1: its tool call and its result.
  assert.deepEqual(types, ['system_message', 'user_message', 'tool_call_message', 'tool_return_message'], JSON.stringify(after.messages));
  assert.deepEqual(during, types, 'a second tab saw the same committed state during the run');
  assert.equal(after.messages[2][1], 'core_memory_append');
  assert.equal(after.messages[2][2], after.messages[3][2], 'both messages are of one step');
  assert.equal(after.notes, 'Notes:\nstep one done', 'the first step is there, nothing of the second');
  assert.equal(after.stop, null, 'the run never finished');

  // The agent is not held by the closed tab, and its next message works on top of that state.
  const next = await page3.evaluate(async (agent) => {
    const c = window.client;
    c.scripted.define('stepper', (req) => ({ content: `resumed after ${req.messages.filter((m) => m.role === 'tool').length} tool result(s)` }));
    const r = await c.agents.messages.create(agent, { messages: [{ role: 'user', content: 'still there?' }] });
    const all = await c.agents.messages.list(agent, { limit: 1000 });
    const notes = await c.agents.blocks.retrieve(agent, 'notes');
    return {
      reply: r.messages.map((m) => [m.messageType, m.content]),
      stop: r.stopReason.stopReason,
      count: all.length,
      notes: notes.value,
      request: c.scripted.requests('stepper')[0].messages.map((m) => m.role),
    };
  }, ids.agent);
  assert.deepEqual(next.reply, [['assistant_message', 'resumed after 1 tool result(s)']]);
  assert.equal(next.stop, 'end_turn');
  assert.equal(next.count, 6);
  assert.equal(next.notes, 'Notes:\nstep one done');
  // The model saw the committed context: system, the first input, step 1's call and result, the new input.
  assert.deepEqual(next.request, ['system', 'user', 'assistant', 'tool', 'user']);
});
