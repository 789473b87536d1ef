// A team built in a page survives a reload: agents, the shared block, the history of a scripted
// run, a custom tool's definition, and an agent-to-agent message that was still queued (processed
// after the reload). Custom tool bodies are code, not data: after the reload the tool is a clear
// tool error until the app binds its body again by name.
import test from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, launch } from './support/browser.mjs';

const skip = chromiumMissing();

/** Everything a user would look at, read through the public API (same shape before and after). */
function snapshot() {
  return window.harness.page.snapshot();
}

test('a team built in a page is all there after a reload; its queued message runs then', { skip, timeout: 90_000 }, async (t) => {
  const browser = await launch(t);
  t.after(() => browser.log.length && console.log(browser.log.join('\n')));
  const page = await browser.open();
  const db = `team-${Date.now()}`;

  // Shared by both page loads: how to read the team back.
  const installSnapshot = () =>
    page.evaluate(() => {
      window.harness.page = {
        async snapshot() {
          const c = window.client;
          const agents = await c.agents.list();
          const blocks = await c.blocks.list();
          const tools = (await c.tools.list()).filter((x) => x.toolType === 'custom');
          const messages = {};
          for (const a of agents) messages[a.name] = await c.agents.messages.list(a.id, { limit: 1000 });
          const core = {};
          for (const a of agents) core[a.name] = (await c.agents.blocks.list(a.id)).map((b) => [b.label, b.value]);
          return { agents, blocks, tools, messages, core, interactions: await c.interactions.list() };
        },
      };
    });

  // ---- 1. build the team --------------------------------------------------------------------
  const built = await page.evaluate(async (db) => {
    const { openClient, never, until } = window.harness;
    const client = (window.client = await openClient(db));
    const ids = {};
    client.scripted.define('writer', [
      { toolCalls: [{ name: 'memory_insert', arguments: { label: 'project', new_string: 'Decision: ship v1', insert_line: -1 } }] },
      { toolCalls: [{ name: 'lookup_price', arguments: { item: 'widget' } }] },
      { content: 'Recorded the decision and the price.' },
    ]);
    client.scripted.define('coordinator', (req) =>
      req.messages.at(-1).role === 'user'
        ? { toolCalls: [{ name: 'send_message_to_agent_async', arguments: { message: 'Please review v1', other_agent_id: ids.reviewer } }] }
        : { content: 'Asked for a review.' },
    );
    // The reviewer is busy (its model never answers in this page load): the coordinator's message
    // stays in its mailbox.
    client.scripted.define('reviewer', () => never());

    const project = await client.blocks.create({ label: 'project', value: 'Project notes.', description: 'Shared by the team' });
    const tool = await client.tools.create({
      jsonSchema: {
        name: 'lookup_price',
        description: 'Looks up the price of an item.',
        parameters: { type: 'object', properties: { item: { type: 'string' } }, required: ['item'] },
      },
      fn: ({ item }) => `price of ${item}: 42`,
    });
    const writer = await client.agents.create({
      name: 'writer',
      model: 'scripted/writer',
      memoryBlocks: [{ label: 'persona', value: 'I write things down.' }],
      blockIds: [project.id],
      toolIds: [tool.id],
      tags: ['team'],
    });
    const reviewer = await client.agents.create({
      name: 'reviewer',
      model: 'scripted/reviewer',
      memoryBlocks: [{ label: 'persona', value: 'I review.' }],
      blockIds: [project.id],
      tags: ['team'],
    });
    ids.reviewer = reviewer.id;
    const coordinator = await client.agents.create({
      name: 'coordinator',
      model: 'scripted/coordinator',
      includeMultiAgentTools: true,
      tags: ['team', 'lead'],
      metadata: { floor: 3 },
    });

    const run = await client.agents.messages.create(writer.id, { messages: [{ role: 'user', content: 'Note the decision and price a widget.' }] });
    const asked = await client.agents.messages.create(coordinator.id, { messages: [{ role: 'user', content: 'Get v1 reviewed.' }] });
    // The reviewer's background run has started and is waiting on its model.
    await until(() => client.scripted.stats('reviewer').inFlight === 1, 10_000, 'the reviewer to pick up its mail');
    return {
      ids: { project: project.id, tool: tool.id, writer: writer.id, reviewer: reviewer.id, coordinator: coordinator.id },
      run: run.messages.map((m) => [m.messageType, m.toolReturn ?? m.content ?? m.toolCall?.name]),
      runStop: run.stopReason.stopReason,
      askedStop: asked.stopReason.stopReason,
    };
  }, db);
  assert.deepEqual(built.run, [
    ['tool_call_message', 'memory_insert'],
    ['tool_return_message', built.run[1][1]],
    ['tool_call_message', 'lookup_price'],
    ['tool_return_message', 'price of widget: 42'],
    ['assistant_message', 'Recorded the decision and the price.'],
  ]);
  assert.equal(built.runStop, 'end_turn');
  assert.equal(built.askedStop, 'end_turn');

  await installSnapshot();
  const before = await page.evaluate(snapshot);
  assert.equal(before.agents.length, 3);
  assert.deepEqual(before.core.writer, [['persona', 'I write things down.'], ['project', 'Project notes.\nDecision: ship v1']]);
  assert.equal(before.interactions.length, 1);
  assert.equal(before.interactions[0].status, 'queued', JSON.stringify(before.interactions[0]));
  assert.equal(before.messages.reviewer.filter((m) => m.messageType === 'user_message').length, 0, 'the reviewer has not taken its mail yet');

  // ---- 2. reload: a new engine on the same database -----------------------------------------
  await browser.reload(page);
  const reopened = await page.evaluate(async ({ db, ids }) => {
    const { openClient } = window.harness;
    // The app defines its models again at start (here with the client's options, so the model is
    // there before the reopened store resumes the reviewer's mailbox).
    const client = (window.client = await openClient(db, {
      providers: { scripted: { reviewer: (req) => ({ content: `Reviewed: ${req.messages.at(-1).content.split('] ').at(-1)}` }) } },
    }));
    return { storage: client._engine.engine.storage() };
  }, { db, ids: built.ids });
  assert.equal(reopened.storage, `indexeddb:${db}`);
  await installSnapshot();

  // The queued message is processed by the reopened engine (in the background).
  const after = await page.evaluate(async () => {
    await window.client.waitForIdle();
    return window.harness.page.snapshot();
  });
  // Everything that was there is there, unchanged...
  assert.deepEqual(after.agents.map((a) => a.id), before.agents.map((a) => a.id));
  for (const name of ['writer', 'coordinator']) {
    const a = after.agents.find((x) => x.name === name);
    const b = before.agents.find((x) => x.name === name);
    assert.deepEqual(a, b, `agent ${name} unchanged`);
    assert.deepEqual(after.messages[name], before.messages[name], `history of ${name} unchanged`);
  }
  assert.deepEqual(after.blocks, before.blocks);
  assert.deepEqual(after.tools, before.tools);
  assert.equal(after.tools[0].name, 'lookup_price');
  assert.deepEqual(after.core, before.core);
  assert.deepEqual(after.agents.find((a) => a.name === 'coordinator').metadata, { floor: 3 });

  // ...and the reviewer took its mail exactly once, after the reload.
  const incoming = after.messages.reviewer.filter((m) => m.messageType === 'user_message');
  assert.equal(incoming.length, 1, JSON.stringify(after.messages.reviewer));
  assert.match(incoming[0].content, /^\[Incoming message from agent with ID '.+'.*Please review v1$/s);
  assert.equal(incoming[0].senderId, built.ids.coordinator);
  assert.equal(after.messages.reviewer.at(-1).content, 'Reviewed: Please review v1');
  assert.equal(after.interactions.length, 1);
  assert.equal(after.interactions[0].status, 'delivered');

  // The custom tool's definition came back, its body did not: a clear tool error, the run goes on.
  const unbound = await page.evaluate(async (writerId) => {
    const c = window.client;
    c.scripted.define('writer', [{ toolCalls: [{ name: 'lookup_price', arguments: { item: 'gadget' } }] }, { content: 'tried' }]);
    const r = await c.agents.messages.create(writerId, { messages: [{ role: 'user', content: 'price a gadget' }] });
    const ret = r.messages.find((m) => m.messageType === 'tool_return_message');
    // Re-bound by name, it works again.
    c.tools.bind('lookup_price', ({ item }) => `price of ${item}: 7`);
    c.scripted.define('writer', [{ toolCalls: [{ name: 'lookup_price', arguments: { item: 'gadget' } }] }, { content: 'priced' }]);
    const r2 = await c.agents.messages.create(writerId, { messages: [{ role: 'user', content: 'price a gadget again' }] });
    const ret2 = r2.messages.find((m) => m.messageType === 'tool_return_message');
    return { status: ret.status, text: ret.toolReturn, stop: r.stopReason.stopReason, status2: ret2.status, text2: ret2.toolReturn };
  }, built.ids.writer);
  assert.equal(unbound.status, 'error');
  assert.match(unbound.text, /No JavaScript body is bound for tool 'lookup_price'.*client\.tools\.bind\('lookup_price', fn\)/);
  assert.equal(unbound.stop, 'end_turn');
  assert.deepEqual([unbound.status2, unbound.text2], ['success', 'price of gadget: 7']);

  // ---- 3. another reload: the processed message is not processed again ----------------------
  await browser.reload(page);
  const third = await page.evaluate(async (db) => {
    const client = (window.client = await window.harness.openClient(db));
    let calls = 0;
    client.scripted.define('reviewer', () => {
      calls++;
      return { content: 'again?' };
    });
    await window.harness.sleep(100);
    await client.waitForIdle();
    const reviewer = (await client.agents.list({ name: 'reviewer' }))[0];
    const msgs = await client.agents.messages.list(reviewer.id, { limit: 1000 });
    return { calls, users: msgs.filter((m) => m.messageType === 'user_message').length };
  }, db);
  assert.deepEqual(third, { calls: 0, users: 1 });
});
