// Shared memory blocks between agents: freshness in the next LLM request, concurrent edits, run queueing.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newClient, prng, sleep, systemOf, toolCall, toolReturns, types, user } from './helpers.mjs';

test('a shared-block write by agent A (memory_replace tool) is in agent B’s next LLM request', async (t) => {
  const client = newClient(t);
  const shared = await client.blocks.create({ label: 'organization', value: 'Nothing here yet' });
  const a = await client.agents.create({ model: 'scripted/a', blockIds: [shared.id] });
  const b = await client.agents.create({ model: 'scripted/b', blockIds: [shared.id] });
  client.scripted.define('a', [
    toolCall('memory_replace', { label: 'organization', old_string: 'Nothing here yet', new_string: 'Org: Letta' }),
    'noted',
  ]);
  client.scripted.define('b', ['first answer', 'I see it']);

  await client.agents.messages.create(b.id, user('before'));
  assert.match(systemOf(client.scripted.requests('b')[0]), /<value>\nNothing here yet\n<\/value>/);

  const r = await client.agents.messages.create(a.id, user('Our org is Letta'));
  assert.deepEqual(types(r), ['tool_call_message', 'tool_return_message', 'assistant_message']);
  assert.equal(toolReturns(r)[0].status, 'success');

  await client.agents.messages.create(b.id, user('What is our org?'));
  const reqs = client.scripted.requests('b');
  assert.equal(reqs.length, 2);
  assert.ok(systemOf(reqs[1]).includes('<value>\nOrg: Letta\n</value>'), systemOf(reqs[1]));
  assert.ok(!systemOf(reqs[1]).includes('Nothing here yet'));
  // ...and in B's stored state.
  assert.equal((await client.agents.blocks.retrieve(b.id, 'organization')).value, 'Org: Letta');
});

test('a shared-block write by core_memory_append is in the other agent’s next request', async (t) => {
  const client = newClient(t);
  const shared = await client.blocks.create({ label: 'board', value: 'start' });
  const a = await client.agents.create({ model: 'scripted/a', blockIds: [shared.id], tools: ['core_memory_append'] });
  const b = await client.agents.create({ model: 'scripted/b', blockIds: [shared.id] });
  client.scripted.define('a', [toolCall('core_memory_append', { label: 'board', content: 'from A' }), 'ok']);
  client.scripted.define('b', ['seen']);
  await client.agents.messages.create(a.id, user('write'));
  await client.agents.messages.create(b.id, user('read'));
  assert.ok(systemOf(client.scripted.requests('b')[0]).includes('<value>\nstart\nfrom A\n</value>'));
});

test('an API write (blocks.modify) is in the next request of every agent sharing the block', async (t) => {
  const client = newClient(t);
  const shared = await client.blocks.create({ label: 'organization', value: 'v1' });
  const a = await client.agents.create({ model: 'scripted/a', blockIds: [shared.id] });
  const b = await client.agents.create({ model: 'scripted/b', blockIds: [shared.id] });
  client.scripted.define('a', ['ok', 'ok']);
  client.scripted.define('b', ['ok', 'ok']);
  await client.agents.messages.create(a.id, user('one'));
  await client.agents.messages.create(b.id, user('one'));

  const modified = await client.blocks.modify(shared.id, { value: 'Org: Letta (edited by API)' });
  assert.equal(modified.value, 'Org: Letta (edited by API)');
  await client.agents.messages.create(a.id, user('two'));
  await client.agents.messages.create(b.id, user('two'));
  for (const name of ['a', 'b']) {
    const [first, second] = client.scripted.requests(name);
    assert.ok(systemOf(first).includes('<value>\nv1\n</value>'), name);
    assert.ok(systemOf(second).includes('<value>\nOrg: Letta (edited by API)\n</value>'), `${name}: ${systemOf(second)}`);
  }

  // The same through one agent's core memory route reaches the other agent.
  await client.agents.blocks.modify(a.id, 'organization', { value: 'v3 via agent route' });
  client.scripted.define('b', ['ok']);
  await client.agents.messages.create(b.id, user('three'));
  assert.ok(systemOf(client.scripted.requests('b').at(-1)).includes('<value>\nv3 via agent route\n</value>'));
});

test('a write by A while B is mid-run is seen by B’s next step', async (t) => {
  const client = newClient(t);
  const shared = await client.blocks.create({ label: 'board', value: 'start' });
  const a = await client.agents.create({ model: 'scripted/wa', blockIds: [shared.id], tools: ['core_memory_append'] });
  const b = await client.agents.create({
    model: 'scripted/wb',
    blockIds: [shared.id],
    memoryBlocks: [{ label: 'own', value: '' }],
  });
  client.scripted.define('wa', [toolCall('core_memory_append', { label: 'board', content: 'from A' }), 'ok']);
  client.scripted.define('wb', async (req) => {
    if (req.step === 0) {
      // While B waits for its model, A runs and edits the shared block.
      await client.agents.messages.create(a.id, user('write'));
      return toolCall('memory_insert', { label: 'own', new_string: 'step 1' });
    }
    return 'done';
  });
  const r = await client.agents.messages.create(b.id, user('work'));
  assert.equal(r.stopReason.stopReason, 'end_turn');
  const [first, second] = client.scripted.requests('wb');
  assert.ok(!systemOf(first).includes('from A'));
  assert.ok(systemOf(second).includes('start\nfrom A'), 'B’s second step sees A’s write');
});

test('concurrent core_memory_append edits of one shared block by 8 agents lose nothing', async (t) => {
  const client = newClient(t);
  const N_AGENTS = 8;
  const EDITS = 4;
  const SEED = 20240611;
  const random = prng(SEED);
  const shared = await client.blocks.create({ label: 'log', value: '', limit: 100000 });

  let inFlight = 0;
  let peak = 0;
  const agents = [];
  for (let i = 0; i < N_AGENTS; i++) {
    const name = `c${i}`;
    agents.push(await client.agents.create({ name, model: `scripted/${name}`, blockIds: [shared.id], tools: ['core_memory_append'] }));
    // One line per step, each after a random "thinking" delay, so the runs interleave between
    // reading the block and committing their edits.
    client.scripted.define(name, async (req) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        await sleep(Math.floor(random() * 6));
      } finally {
        inFlight--;
      }
      return req.step < EDITS ? toolCall('core_memory_append', { label: 'log', content: `${name}-${req.step + 1}` }) : `${name} done`;
    });
  }

  const results = await Promise.all(agents.map((a) => client.agents.messages.create(a.id, user('append your lines'))));
  assert.ok(peak > 1, 'the runs overlapped');
  results.forEach((r, i) => {
    assert.equal(r.stopReason.stopReason, 'end_turn', `agent c${i}`);
    assert.equal(r.usage.stepCount, EDITS + 1);
    const returns = toolReturns(r);
    assert.equal(returns.length, EDITS);
    assert.ok(returns.every((m) => m.status === 'success'), JSON.stringify(returns.map((m) => m.toolReturn)));
  });

  const { value } = await client.blocks.retrieve(shared.id);
  const lines = value.split('\n').filter(Boolean);
  assert.equal(lines.length, N_AGENTS * EDITS, `seed ${SEED}: ${value}`);
  assert.equal(new Set(lines).size, lines.length, 'every line exactly once');
  for (let i = 0; i < N_AGENTS; i++) {
    const mine = lines.filter((l) => l.startsWith(`c${i}-`));
    assert.deepEqual(mine, Array.from({ length: EDITS }, (_, k) => `c${i}-${k + 1}`), `seed ${SEED}: c${i}'s lines in order`);
  }
  // Every agent sees the same final block.
  for (const a of agents) assert.equal((await client.agents.blocks.retrieve(a.id, 'log')).value, value);
});

test('an API write during an agent’s step is kept by the agent’s append', async (t) => {
  const client = newClient(t);
  const shared = await client.blocks.create({ label: 'log', value: 'base', limit: 100000 });
  const a = await client.agents.create({ model: 'scripted/w', blockIds: [shared.id], tools: ['core_memory_append'] });
  let apiWrite;
  client.scripted.define('w', async (req) => {
    if (req.step === 0) {
      // The API rewrites the block while the agent's step is in flight...
      apiWrite = client.blocks.modify(shared.id, { value: 'base\napi' });
      await apiWrite;
      return toolCall('core_memory_append', { label: 'log', content: 'agent' });
    }
    return 'done';
  });
  await client.agents.messages.create(a.id, user('go'));
  // ...and the agent's append applies to the block as it is when the tool runs.
  assert.equal((await client.blocks.retrieve(shared.id)).value, 'base\napi\nagent');
});

test('a second run of one agent queues behind the first and sees its messages', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/q' });
  client.scripted.define('q', async (req) => {
    await sleep(req.messages.length === 2 ? 15 : 1); // the first run is the slow one
    const last = req.messages.findLast((m) => m.role === 'user');
    return `re: ${last.content}`;
  });
  const [r1, r2] = await Promise.all([
    client.agents.messages.create(agent.id, user('first')),
    client.agents.messages.create(agent.id, user('second')),
  ]);
  assert.equal(r1.messages.at(-1).content, 're: first');
  assert.equal(r2.messages.at(-1).content, 're: second');
  assert.equal(client.scripted.stats('q').peakInFlight, 1, 'never two runs of one agent at once');

  const [req1, req2] = client.scripted.requests('q');
  assert.deepEqual(
    req1.messages.slice(1).map((m) => [m.role, m.content]),
    [['user', 'first']],
  );
  assert.deepEqual(
    req2.messages.slice(1).map((m) => [m.role, m.content]),
    [
      ['user', 'first'],
      ['assistant', 're: first'],
      ['user', 'second'],
    ],
    'the second run’s first request includes the first run’s messages',
  );
  const history = await client.agents.messages.list(agent.id);
  assert.deepEqual(
    history.slice(1).map((m) => m.content),
    ['first', 're: first', 'second', 're: second'],
  );
});

test('four queued runs of one agent run one at a time, in call order', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/q' });
  const random = prng(7);
  client.scripted.define('q', async (req) => {
    await sleep(Math.floor(random() * 5));
    return `re: ${req.messages.findLast((m) => m.role === 'user').content}`;
  });
  await Promise.all([0, 1, 2, 3].map((i) => client.agents.messages.create(agent.id, user(`m${i}`))));
  assert.equal(client.scripted.stats('q').peakInFlight, 1);
  const history = await client.agents.messages.list(agent.id);
  assert.deepEqual(
    history.slice(1).map((m) => m.content),
    ['m0', 're: m0', 'm1', 're: m1', 'm2', 're: m2', 'm3', 're: m3'],
  );
});

test('the system prompt renders each block (description, read_only, code-point counts, limit)', async (t) => {
  const client = newClient(t);
  const policy = await client.blocks.create({ label: 'policy', value: 'fixed', readOnly: true, description: 'Rules' });
  const agent = await client.agents.create({
    model: 'scripted/p',
    memoryBlocks: [{ label: 'emoji', value: 'é😀x', limit: 3 }],
    blockIds: [policy.id],
  });
  client.scripted.define('p', ['ok', 'ok']);
  await client.agents.messages.create(agent.id, user('x'));
  const system = systemOf(client.scripted.requests('p')[0]);
  const section = system.slice(system.indexOf('<memory_blocks>'), system.indexOf('</memory_blocks>') + '</memory_blocks>'.length);
  assert.equal(
    section,
    [
      '<memory_blocks>',
      'The following memory blocks are currently engaged in your core memory unit:',
      '',
      '<emoji>',
      '<description>',
      '',
      '</description>',
      '<metadata>',
      '- chars_current=3', // code points, not UTF-16 units ('é😀x'.length is 4)
      '- chars_limit=3',
      '</metadata>',
      '<value>',
      'é😀x',
      '</value>',
      '</emoji>',
      '',
      '<policy>',
      '<description>',
      'Rules',
      '</description>',
      '<metadata>',
      '- read_only=true',
      '- chars_current=5',
      '- chars_limit=100000',
      '</metadata>',
      '<value>',
      'fixed',
      '</value>',
      '</policy>',
      '',
      '</memory_blocks>',
    ].join('\n'),
  );
  assert.ok(system.includes(`AGENT_ID: ${agent.id}`));

  // read-only stops the agent's tools, not the API; the API edit is in the next request.
  await client.blocks.modify(policy.id, { value: 'changed by API' });
  await client.agents.messages.create(agent.id, user('y'));
  assert.ok(systemOf(client.scripted.requests('p')[1]).includes('<value>\nchanged by API\n</value>'));
});

test('runs of different agents on one model overlap', async (t) => {
  const client = newClient(t);
  const agents = await Promise.all([0, 1, 2].map((i) => client.agents.create({ name: `p${i}`, model: 'scripted/shared-model' })));
  // Each call waits until all three calls have arrived (or 2 s, so a serialising engine fails
  // the assertion below instead of hanging).
  let arrived = 0;
  let allArrived;
  const barrier = new Promise((resolve) => (allArrived = resolve));
  client.scripted.define('shared-model', async (req) => {
    if (++arrived === agents.length) allArrived();
    let timer;
    await Promise.race([barrier, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    return `hello ${req.agent_id}`;
  });
  const results = await Promise.all(agents.map((a) => client.agents.messages.create(a.id, user('hi'))));
  results.forEach((r, i) => assert.equal(r.messages[0].content, `hello ${agents[i].id}`));
  const stats = client.scripted.stats('shared-model');
  assert.equal(stats.calls, 3);
  assert.equal(stats.inFlight, 0);
  assert.equal(stats.peakInFlight, 3, 'one agent’s model call does not block another agent');
});
