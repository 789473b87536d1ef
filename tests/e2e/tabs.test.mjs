// Two pages (tabs) of one origin on one IndexedDB database edit one shared block at the same time:
// agents in both tabs append to it with their memory tools while both tabs also change the block
// through the API, and one agent is driven from both tabs. Nothing is lost: every appended line is
// there exactly once, in each agent's order; the API's changes did not overwrite the lines; the agent
// driven from two tabs ran one run at a time (its history is whole runs, one after another).
import test from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, launch } from './support/browser.mjs';

const skip = chromiumMissing();

/** Runs in a page: the scripted model every agent uses, and the tab's workload. */
function installWorkload() {
  const { sleep } = window.harness;
  const client = window.client;
  // "write <tag>" -> append <tag> to the shared block, then answer. Random waits interleave the tabs.
  client.scripted.define('appender', async (req) => {
    await sleep(window.think[0] + Math.random() * (window.think[1] - window.think[0]));
    const last = req.messages.at(-1);
    if (last.role === 'user') {
      const tag = last.content.replace(/^write /, '');
      // Two memory tools: memory_insert (the default set) and core_memory_append where attached.
      if (req.tools.some((x) => x.name === 'core_memory_append')) {
        return { toolCalls: [{ name: 'core_memory_append', arguments: { label: 'log', content: tag } }] };
      }
      return { toolCalls: [{ name: 'memory_insert', arguments: { label: 'log', new_string: tag, insert_line: -1 } }] };
    }
    return { content: 'ok' };
  });
  window.think = [0, 6];
  window.workload = async ({ tab, agents, shared, blockId, runs, think }) => {
    window.think = think;
    const c = window.client;
    const failures = [];
    const drive = async (name, id, prefix) => {
      for (let i = 0; i < runs; i++) {
        const r = await c.agents.messages.create(id, { messages: [{ role: 'user', content: `write ${prefix}-${i}` }] });
        const ret = r.messages.find((m) => m.messageType === 'tool_return_message');
        if (ret?.status !== 'success') failures.push([name, i, ret?.toolReturn]);
      }
    };
    const api = async () => {
      for (let k = 0; k < runs * 2; k++) {
        await c.blocks.modify(blockId, { description: `${tab} note ${k}` });
        await c.blocks.modify(blockId, { metadata: { [`last_${tab}`]: k } });
        // A read in this tab sees the other tab's writes (nothing stale is cached).
        await c.agents.blocks.retrieve(agents[0][1], 'log');
        await window.harness.sleep(Math.random() * 4);
      }
    };
    await Promise.all([
      ...agents.map(([name, id]) => drive(name, id, name)),
      drive('shared', shared, `S${tab}`),
      api(),
    ]);
    return failures;
  };
}

/** Two tabs, five agents and both tabs' API writes on one block; asserts that nothing is lost. */
async function twoTabs(t, { think, runs: RUNS }) {
  const browser = await launch(t);
  t.after(() => browser.log.length && console.log(browser.log.join('\n')));
  const db = `tabs-${Date.now()}`;
  const tab1 = await browser.open();
  const tab2 = await browser.open();

  // Tab 1 builds the team.
  const team = await tab1.evaluate(async (db) => {
    const client = (window.client = await window.harness.openClient(db));
    window.harness.countTransactions();
    const log = await client.blocks.create({ label: 'log', value: 'Log:', limit: 100_000 });
    const make = (name) =>
      client.agents.create({
        name,
        model: 'scripted/appender',
        blockIds: [log.id],
        memoryBlocks: [{ label: 'persona', value: name }],
        tools: name.endsWith('1') ? [] : ['core_memory_append'],
      });
    const agents = {};
    for (const name of ['a1', 'a2', 'b1', 'b2', 'shared']) agents[name] = (await make(name)).id;
    return { blockId: log.id, agents };
  }, db);

  // Tab 2 opens the same database and sees the team without being told the ids.
  const seen = await tab2.evaluate(async (db) => {
    const client = (window.client = await window.harness.openClient(db));
    window.harness.countTransactions();
    return Object.fromEntries((await client.agents.list()).map((a) => [a.name, a.id]));
  }, db);
  assert.deepEqual(seen, team.agents);

  await tab1.evaluate(installWorkload);
  await tab2.evaluate(installWorkload);
  const { agents, blockId } = team;
  const [fail1, fail2] = await Promise.all([
    tab1.evaluate((a) => window.workload(a), { tab: 'p1', agents: [['a1', agents.a1], ['a2', agents.a2]], shared: agents.shared, blockId, runs: RUNS, think }),
    tab2.evaluate((a) => window.workload(a), { tab: 'p2', agents: [['b1', agents.b1], ['b2', agents.b2]], shared: agents.shared, blockId, runs: RUNS, think }),
  ]);
  assert.deepEqual(fail1, []);
  assert.deepEqual(fail2, []);

  // Read the result from tab 1 (tab 2 wrote half of it).
  const result = await tab1.evaluate(async ({ blockId, shared }) => {
    const c = window.client;
    const block = await c.blocks.retrieve(blockId);
    const history = await c.agents.messages.list(shared, { limit: 10_000 });
    return { block, history: history.map((m) => [m.messageType, m.content ?? m.toolCall?.arguments ?? m.toolReturn]) };
  }, { blockId, shared: agents.shared });
  const counts = [await tab1.evaluate(() => window.__idbCounts), await tab2.evaluate(() => window.__idbCounts)];

  const lines = result.block.value.split('\n');
  assert.equal(lines[0], 'Log:');
  const want = [];
  for (const name of ['a1', 'a2', 'b1', 'b2', 'Sp1', 'Sp2']) {
    const mine = Array.from({ length: RUNS }, (_, i) => `${name}-${i}`);
    want.push(...mine);
    // In this writer's order...
    assert.deepEqual(lines.filter((l) => l.startsWith(`${name}-`)), mine, `${name}'s lines in order`);
  }
  // ...and each exactly once, nothing else.
  assert.deepEqual(lines.slice(1).sort(), want.sort());
  // The API's changes landed too, without overwriting the value: the last one of a tab wins per field.
  assert.match(result.block.description, new RegExp(`^p[12] note ${RUNS * 2 - 1}$`));
  assert.ok(
    ['last_p1', 'last_p2'].some((k) => result.block.metadata[k] === RUNS * 2 - 1),
    JSON.stringify(result.block.metadata),
  );

  // The agent driven from both tabs ran whole runs one after another.
  const runs = [];
  for (const [type, content] of result.history) {
    if (type === 'user_message') runs.push([content]);
    else if (runs.length) runs.at(-1).push(type);
  }
  assert.equal(runs.length, RUNS * 2);
  for (const run of runs) {
    assert.deepEqual(run.slice(1), ['tool_call_message', 'tool_return_message', 'assistant_message'], JSON.stringify(run));
  }

  // The tabs really raced: some commits lost their version check (aborted) and were replayed.
  const aborted = counts[0].aborted + counts[1].aborted;
  t.diagnostic(`write transactions ${counts[0].readwrite} + ${counts[1].readwrite}, refused by a version check ${aborted}`);
  assert.ok(aborted > 0, 'no commit conflicted: the tabs did not overlap');
}

// Models that take 5-25 ms per step (real ones take seconds): the tabs' steps overlap all the time.
test('two tabs edit one shared block at once through memory tools and the API: nothing lost', { skip, timeout: 90_000 }, (t) =>
  twoTabs(t, { think: [5, 25], runs: 6 }),
);

// Seven writers on one record with models that answer at once: nearly every step's first commit loses
// its version check. The IndexedDB store lets a commit that lost keep the database's commit turn for
// its retry, so the retry wins; without that, a step could lose 16 times in a row and give its edit
// up ("kept changing").
test('stress: seven writers in two tabs, models with no think time: nothing lost', { skip, timeout: 90_000 }, (t) =>
  twoTabs(t, { think: [0, 3], runs: 6 }),
);
