// The agent loop through LettaClient: responses, tool errors, model errors, max steps, history,
// reset, streaming and custom JS tools.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Letta } from 'letta-wasm';
import { newClient, sleep, systemOf, toolCall, toolReturns, types, user } from './helpers.mjs';

test('a tool step then an answer: LettaResponse in camelCase', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({
    model: 'scripted/m',
    memoryBlocks: [{ label: 'human', value: 'Name: unknown', limit: 100 }],
  });
  client.scripted.define('m', [
    {
      reasoning: 'I should remember the name',
      toolCalls: [{ id: 'c1', name: 'memory_replace', arguments: { label: 'human', old_string: 'unknown', new_string: 'Ada' } }],
    },
    'Nice to meet you, Ada.',
  ]);
  const r = await client.agents.messages.create(agent.id, {
    messages: [{ role: Letta.MessageCreateRole.User, content: 'Hi, I am Ada' }],
  });

  assert.deepEqual(types(r), ['reasoning_message', 'tool_call_message', 'tool_return_message', 'assistant_message']);
  assert.deepEqual(r.stopReason, { messageType: 'stop_reason', stopReason: Letta.StopReasonType.EndTurn });
  assert.equal(r.usage.messageType, 'usage_statistics');
  assert.equal(r.usage.stepCount, 2);
  assert.ok(r.usage.totalTokens > 0);
  assert.equal(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens);

  const [reasoning, call, ret, answer] = r.messages;
  assert.equal(reasoning.reasoning, 'I should remember the name');
  assert.equal(call.toolCall.name, 'memory_replace');
  assert.deepEqual(JSON.parse(call.toolCall.arguments), { label: 'human', old_string: 'unknown', new_string: 'Ada' });
  assert.equal(typeof call.toolCall.toolCallId, 'string');
  assert.equal(ret.toolCallId, call.toolCall.toolCallId);
  assert.equal(ret.status, 'success');
  assert.equal(ret.toolReturn, 'Name: Ada');
  assert.equal(answer.content, 'Nice to meet you, Ada.');
  for (const m of r.messages) {
    assert.match(m.id, /^message-/);
    assert.ok(m.date instanceof Date, `${m.messageType}.date is a Date`);
    assert.equal(m.runId, reasoning.runId, 'one run id');
    assert.ok(!Object.keys(m).some((k) => k.includes('_')), `camelCase keys: ${Object.keys(m)}`);
  }
  assert.match(reasoning.runId, /^run-/);
  assert.equal((await client.agents.blocks.retrieve(agent.id, 'human')).value, 'Name: Ada');

  // The model's second request carries the tool result and the edited block.
  const reqs = client.scripted.requests('m');
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0].step, 0);
  assert.equal(reqs[1].step, 1);
  assert.equal(reqs[0].agent_id, agent.id);
  assert.ok(systemOf(reqs[0]).includes('Name: unknown'));
  assert.ok(systemOf(reqs[1]).includes('Name: Ada'));
  const toolMsg = reqs[1].messages.find((m) => m.role === 'tool');
  assert.equal(JSON.parse(toolMsg.content).status, 'OK');
  assert.deepEqual(reqs[0].tools.map((x) => x.name), ['memory_replace', 'memory_insert', 'conversation_search']);

  const state = await client.agents.retrieve(agent.id);
  assert.equal(state.lastStopReason, 'end_turn');
  assert.equal(state.messageIds.length, 5);
});

test('bad tool arguments from the model become tool errors; the run goes on and nothing changes', async (t) => {
  const client = newClient(t);
  const policy = await client.blocks.create({ label: 'policy', value: 'fixed', readOnly: true });
  assert.equal(policy.readOnly, true);
  const agent = await client.agents.create({
    model: 'scripted/bad',
    memoryBlocks: [{ label: 'notes', value: 'alpha beta', limit: 20 }],
    blockIds: [policy.id],
    tools: ['core_memory_append', 'core_memory_replace', 'memory_rethink'],
  });
  const cases = [
    ['malformed JSON text', { toolCalls: [{ name: 'memory_replace', arguments: '{not json' }] }, 'not valid JSON'],
    ['missing fields', toolCall('memory_replace', { label: 'notes' }), "Missing required argument 'old_string'"],
    ['unknown label', toolCall('memory_replace', { label: 'nope', old_string: 'a', new_string: 'b' }), 'does not exist (available labels: notes, policy)'],
    ['text not found', toolCall('memory_replace', { label: 'notes', old_string: 'gamma', new_string: 'b' }), 'did not appear verbatim'],
    ['over the limit', toolCall('core_memory_append', { label: 'notes', content: 'this is far too long for the limit' }), 'Exceeds 20 character limit'],
    ['read-only block', toolCall('memory_rethink', { label: 'policy', new_memory: 'hacked' }), 'read-only'],
    ['wrong argument type', toolCall('memory_insert', { label: 'notes', new_string: 5 }), 'must be a string'],
    ['unknown tool', toolCall('no_such_tool', {}), 'not available to this agent'],
  ];
  client.scripted.define('bad', [...cases.map(([, answer]) => answer), 'I give up']);
  const r = await client.agents.messages.create(agent.id, user('try things'));

  assert.equal(r.stopReason.stopReason, 'end_turn', 'the run goes on after tool errors');
  assert.equal(r.messages.at(-1).content, 'I give up');
  assert.equal(r.usage.stepCount, cases.length + 1);
  const returns = toolReturns(r);
  assert.equal(returns.length, cases.length);
  cases.forEach(([what, , want], i) => {
    assert.equal(returns[i].status, Letta.ToolReturnMessageStatus.Error, `${what}: ${returns[i].toolReturn}`);
    assert.ok(returns[i].toolReturn.includes(want), `${what}: "${returns[i].toolReturn}" should contain "${want}"`);
  });
  // The model saw every error as a failed tool result.
  const last = client.scripted.requests('bad').at(-1);
  const results = last.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content));
  assert.equal(results.length, cases.length);
  assert.ok(results.every((x) => x.status === 'Failed'), JSON.stringify(results));
  // Blocks unchanged.
  assert.equal((await client.agents.blocks.retrieve(agent.id, 'notes')).value, 'alpha beta');
  assert.equal((await client.blocks.retrieve(policy.id)).value, 'fixed');
});

test('a model error stops with llm_api_error and the next message works', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/flaky', memoryBlocks: [{ label: 'notes', value: 'n' }] });
  client.scripted.define('flaky', [{ error: { status: 503, message: 'overloaded' } }]);
  const r = await client.agents.messages.create(agent.id, user('first'));
  assert.equal(r.stopReason.stopReason, 'llm_api_error');
  assert.deepEqual(r.messages, []);
  assert.equal(r.usage.stepCount, 0);

  // A throwing scripted function and an empty queue are model errors too.
  client.scripted.define('flaky', () => {
    throw Object.assign(new Error('rate limited'), { status: 429 });
  });
  assert.equal((await client.agents.messages.create(agent.id, user('second'))).stopReason.stopReason, 'llm_api_error');
  client.scripted.define('flaky', []);
  assert.equal((await client.agents.messages.create(agent.id, user('third'))).stopReason.stopReason, 'llm_api_error');
  // A tool call without a name is an invalid response.
  client.scripted.define('flaky', [{ toolCalls: [{ name: '' }] }]);
  assert.equal((await client.agents.messages.create(agent.id, user('fourth'))).stopReason.stopReason, 'invalid_llm_response');

  client.scripted.define('flaky', ['recovered']);
  const ok = await client.agents.messages.create(agent.id, user('fifth'));
  assert.equal(ok.stopReason.stopReason, 'end_turn');
  assert.deepEqual(ok.messages.map((m) => m.content), ['recovered']);
  const last = client.scripted.requests('flaky').at(-1);
  assert.deepEqual(
    last.messages.filter((m) => m.role === 'user').map((m) => m.content),
    ['first', 'second', 'third', 'fourth', 'fifth'],
    'the failed runs kept their user messages, nothing else',
  );
  assert.equal(last.messages.filter((m) => m.role === 'assistant').length, 0);
  assert.equal((await client.agents.blocks.retrieve(agent.id, 'notes')).value, 'n');

  // An unknown provider is an API error, not a crash.
  const lost = await client.agents.create({ model: 'nowhere/model' });
  assert.equal((await client.agents.messages.create(lost.id, user('hi'))).stopReason.stopReason, 'llm_api_error');
});

test('maxSteps stops a looping agent with max_steps', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/loop', memoryBlocks: [{ label: 'notes', value: '' }] });
  client.scripted.define('loop', () => toolCall('memory_insert', { label: 'notes', new_string: 'x' }));
  const r = await client.agents.messages.create(agent.id, { ...user('go'), maxSteps: 2 });
  assert.equal(r.stopReason.stopReason, Letta.StopReasonType.MaxSteps);
  assert.equal(r.usage.stepCount, 2);
  assert.equal(toolReturns(r).length, 2);
  assert.equal((await client.agents.blocks.retrieve(agent.id, 'notes')).value, 'x\nx');
  assert.equal(client.scripted.stats('loop').calls, 2);
  assert.equal((await client.agents.retrieve(agent.id)).lastStopReason, 'max_steps');
});

test('includeReturnMessageTypes filters the response', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/f', memoryBlocks: [{ label: 'notes', value: '' }] });
  client.scripted.define('f', [{ reasoning: 'r', ...toolCall('memory_insert', { label: 'notes', new_string: 'x' }) }, 'done']);
  const r = await client.agents.messages.create(agent.id, { ...user('go'), includeReturnMessageTypes: ['assistant_message'] });
  assert.deepEqual(types(r), ['assistant_message']);
  assert.equal(r.usage.stepCount, 2);
});

test('messages.list: history in order, limit and after paging; messages.reset', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/h' });
  client.scripted.define('h', ['one', 'two', 'three', 'fresh']);
  for (const text of ['a', 'b', 'c']) await client.agents.messages.create(agent.id, user(text));

  const all = await client.agents.messages.list(agent.id);
  assert.deepEqual(all.map((m) => m.messageType), [
    'system_message',
    'user_message', 'assistant_message',
    'user_message', 'assistant_message',
    'user_message', 'assistant_message',
  ]);
  assert.deepEqual(all.slice(1).map((m) => m.content), ['a', 'one', 'b', 'two', 'c', 'three']);
  assert.ok(all.every((m) => m.date instanceof Date));
  assert.equal(new Set(all.map((m) => m.id)).size, all.length);

  // `limit`: the newest N, oldest first.
  assert.deepEqual((await client.agents.messages.list(agent.id, { limit: 2 })).map((m) => m.content), ['c', 'three']);
  // `after`: continues from a cursor.
  assert.deepEqual(
    (await client.agents.messages.list(agent.id, { after: all[1].id, limit: 2 })).map((m) => m.content),
    ['one', 'b'],
  );
  assert.deepEqual((await client.agents.messages.list(agent.id, { after: all[1].id })).map((m) => m.id), all.slice(2).map((m) => m.id));
  assert.deepEqual(await client.agents.messages.list(agent.id, { after: all.at(-1).id }), []);
  assert.deepEqual((await client.agents.messages.list(agent.id, { before: all[2].id })).map((m) => m.id), all.slice(0, 2).map((m) => m.id));

  // reset: the context holds only the system message again; the history is kept.
  const state = await client.agents.messages.reset(agent.id);
  assert.equal(state.id, agent.id);
  assert.equal(state.messageIds.length, 1);
  await client.agents.messages.create(agent.id, user('after reset'));
  const req = client.scripted.requests('h').at(-1);
  assert.deepEqual(req.messages.map((m) => m.role), ['system', 'user'], 'system + the new message only');
  assert.equal(req.messages[1].content, 'after reset');
  assert.equal((await client.agents.messages.list(agent.id)).length, all.length + 2);
});

test('createStream yields the run’s chunks in order, then stop_reason and usage_statistics', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/s', memoryBlocks: [{ label: 'notes', value: '' }] });
  client.scripted.define('s', [
    { reasoning: 'thinking', ...toolCall('memory_insert', { label: 'notes', new_string: 'streamed' }) },
    { reasoning: 'answering', content: 'All done.' },
  ]);
  const stream = await client.agents.messages.createStream(agent.id, user('stream please'));
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks.map((c) => c.messageType), [
    'reasoning_message',
    'tool_call_message',
    'tool_return_message',
    'reasoning_message',
    'assistant_message',
    'stop_reason',
    'usage_statistics',
  ]);
  assert.equal(chunks[2].toolReturn, 'streamed');
  assert.equal(chunks[4].content, 'All done.');
  assert.ok(chunks[4].date instanceof Date);
  assert.equal(chunks[5].stopReason, 'end_turn');
  assert.equal(chunks[6].stepCount, 2);
  // The streamed messages are the stored ones.
  const history = await client.agents.messages.list(agent.id);
  assert.deepEqual(
    history.slice(2).map((m) => [m.messageType, m.id]),
    chunks.slice(0, 5).map((c) => [c.messageType, c.id]),
  );
  // A stream is single use.
  assert.deepEqual(await stream.next(), { value: undefined, done: true });
});

test('createStream: an early break leaves the engine usable and the run complete', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/s', memoryBlocks: [{ label: 'notes', value: '' }] });
  client.scripted.define('s', async (req) => {
    await sleep(2);
    const question = req.messages.findLast((m) => m.role === 'user').content;
    if (question === 'long run' && req.step < 3) {
      return { reasoning: `step ${req.step}`, ...toolCall('memory_insert', { label: 'notes', new_string: `line ${req.step}` }) };
    }
    return `finished: ${question}`;
  });
  const stream = await client.agents.messages.createStream(agent.id, user('long run'));
  let first;
  for await (const chunk of stream) {
    first = chunk;
    break;
  }
  assert.equal(first.messageType, 'reasoning_message');
  assert.equal(first.reasoning, 'step 0');
  assert.deepEqual(await stream.next(), { value: undefined, done: true }, 'nothing after break');

  // The next request queues behind the abandoned run, which finishes in the background.
  const r = await client.agents.messages.create(agent.id, user('next'));
  assert.equal(r.stopReason.stopReason, 'end_turn');
  assert.equal(r.messages.at(-1).content, 'finished: next');
  assert.equal((await client.agents.blocks.retrieve(agent.id, 'notes')).value, 'line 0\nline 1\nline 2');
  const contents = (await client.agents.messages.list(agent.id)).filter((m) => m.messageType === 'assistant_message').map((m) => m.content);
  assert.deepEqual(contents, ['finished: long run', 'finished: next']);
});

test('createStream of a model error ends with stop_reason llm_api_error', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/e' });
  client.scripted.define('e', [{ error: { message: 'down' } }, 'back']);
  const chunks = [];
  for await (const chunk of await client.agents.messages.createStream(agent.id, user('x'))) chunks.push(chunk);
  assert.deepEqual(chunks.map((c) => c.messageType), ['error_message', 'stop_reason', 'usage_statistics']);
  assert.equal(chunks[0].errorType, 'llm_api_error');
  assert.match(chunks[0].message, /down/);
  assert.equal(chunks[1].stopReason, 'llm_api_error');
  const r = await client.agents.messages.create(agent.id, user('y'));
  assert.equal(r.messages[0].content, 'back');
  // Errors before the first chunk reject the call.
  await assert.rejects(client.agents.messages.createStream(agent.id, { messages: [] }), Letta.UnprocessableEntityError);
});

test('custom JS tools: sync and async bodies, context, throws, unbound, re-bind', async (t) => {
  const client = newClient(t);
  const schema = (name, properties = {}, required = []) => ({
    name,
    description: `the ${name} tool`,
    parameters: { type: 'object', properties, required },
  });
  const calls = [];
  const add = await client.tools.create({
    jsonSchema: schema('add', { a: { type: 'number' }, b: { type: 'number' } }, ['a', 'b']),
    fn: ({ a, b }, ctx) => {
      calls.push(ctx.agentId);
      return a + b;
    },
  });
  assert.equal(add.name, 'add');
  assert.equal(add.toolType, 'custom');
  assert.match(add.id, /^tool-/);
  const shout = await client.tools.create({
    jsonSchema: schema('shout', { text: { type: 'string' } }),
    fn: async ({ text }) => {
      await sleep(1);
      return `${text.toUpperCase()}!`;
    },
  });
  const reader = await client.tools.create({
    jsonSchema: schema('read_notes'),
    // The context's client reaches the same engine (here: the calling agent's own block).
    fn: async (_args, { agentId, client: c }) => ({ notes: (await c.agents.blocks.retrieve(agentId, 'notes')).value }),
  });
  const thrower = await client.tools.create({ jsonSchema: schema('thrower'), fn: () => { throw new Error('kaboom'); } });
  const rejecter = await client.tools.create({ jsonSchema: schema('rejecter'), fn: async () => { throw new TypeError('async kaboom'); } });
  const unbound = await client.tools.create({ jsonSchema: schema('unbound_tool'), sourceCode: 'function unbound_tool() {}' });

  const agent = await client.agents.create({ model: 'scripted/ct', memoryBlocks: [{ label: 'notes', value: 'my notes' }] });
  for (const tool of [add, shout, reader, thrower, rejecter, unbound]) {
    const state = await client.agents.tools.attach(agent.id, tool.id);
    assert.ok(state.tools.some((x) => x.id === tool.id));
  }
  const attached = (await client.agents.tools.list(agent.id)).map((x) => x.name);
  for (const name of ['add', 'shout', 'read_notes', 'thrower', 'rejecter', 'unbound_tool']) assert.ok(attached.includes(name), name);

  client.scripted.define('ct', [
    {
      toolCalls: [
        { name: 'add', arguments: { a: 2, b: 3 } },
        { name: 'shout', arguments: { text: 'hi' } },
        { name: 'read_notes', arguments: {} },
        { name: 'thrower', arguments: {} },
        { name: 'rejecter', arguments: {} },
        { name: 'unbound_tool', arguments: {} },
      ],
    },
    'ok',
  ]);
  const r = await client.agents.messages.create(agent.id, user('use your tools'));
  assert.equal(r.stopReason.stopReason, 'end_turn');
  const rets = toolReturns(r);
  assert.deepEqual(rets.map((m) => [m.name, m.status]), [
    ['add', 'success'],
    ['shout', 'success'],
    ['read_notes', 'success'],
    ['thrower', 'error'],
    ['rejecter', 'error'],
    ['unbound_tool', 'error'],
  ]);
  assert.equal(rets[0].toolReturn, '5', 'non-string results are JSON-encoded');
  assert.equal(rets[1].toolReturn, 'HI!', 'strings are returned as is');
  assert.deepEqual(JSON.parse(rets[2].toolReturn), { notes: 'my notes' });
  assert.match(rets[3].toolReturn, /kaboom/);
  assert.match(rets[4].toolReturn, /async kaboom/);
  assert.match(rets[5].toolReturn, /No JavaScript body is bound for tool 'unbound_tool'/);
  assert.match(rets[5].toolReturn, /client\.tools\.bind\('unbound_tool', fn\)/);
  assert.deepEqual(calls, [agent.id], 'ctx.agentId is the calling agent');
  const callIds = r.messages.filter((m) => m.messageType === 'tool_call_message').map((m) => m.toolCall.toolCallId);
  assert.deepEqual(rets.map((m) => m.toolCallId), callIds, 'one result per call, in order');

  // bind() gives the unbound tool a body and replaces an existing one.
  client.tools.bind('unbound_tool', () => 'now bound');
  client.tools.bind('add', ({ a, b }) => `a*b=${a * b}`);
  client.scripted.define('ct', [
    { toolCalls: [{ name: 'unbound_tool', arguments: {} }, { name: 'add', arguments: { a: 2, b: 3 } }] },
    'ok',
  ]);
  const r2 = await client.agents.messages.create(agent.id, user('again'));
  assert.deepEqual(toolReturns(r2).map((m) => [m.status, m.toolReturn]), [
    ['success', 'now bound'],
    ['success', 'a*b=6'],
  ]);
  assert.throws(() => client.tools.bind('add', 'not a function'), TypeError);

  // The model was offered the custom tools with their JSON schemas.
  const offered = client.scripted.requests('ct')[0].tools.find((x) => x.name === 'add');
  assert.deepEqual(offered.parameters, { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] });
  assert.equal(offered.description, 'the add tool');

  // Detached tools are no longer offered nor callable.
  await client.agents.tools.detach(agent.id, add.id);
  client.scripted.define('ct', [toolCall('add', { a: 1, b: 1 }), 'ok']);
  const r3 = await client.agents.messages.create(agent.id, user('add again'));
  assert.equal(toolReturns(r3)[0].status, 'error');
  assert.match(toolReturns(r3)[0].toolReturn, /not available to this agent/);
  assert.ok(!client.scripted.requests('ct').at(-1).tools.some((x) => x.name === 'add'));
});

test('a rejected tools.create({ fn }) does not replace the existing tool’s body', async (t) => {
  const client = newClient(t);
  const schema = { name: 'who', parameters: { type: 'object', properties: {} } };
  await client.tools.create({ jsonSchema: schema, fn: () => 'original body' });
  await assert.rejects(client.tools.create({ jsonSchema: schema, fn: () => 'impostor body' }), Letta.BadRequestError);
  const agent = await client.agents.create({ model: 'scripted/w', tools: ['who'] });
  client.scripted.define('w', [toolCall('who', {}), 'ok']);
  const r = await client.agents.messages.create(agent.id, user('who?'));
  assert.equal(toolReturns(r)[0].toolReturn, 'original body');
});

test('tools.upsert({ fn }) replaces the body of an existing tool', async (t) => {
  const client = newClient(t);
  const schema = { name: 'ver', parameters: { type: 'object', properties: {} } };
  const v1 = await client.tools.create({ jsonSchema: schema, fn: () => 'v1' });
  const v2 = await client.tools.upsert({ jsonSchema: { ...schema, description: 'second' }, fn: () => 'v2' });
  assert.equal(v2.id, v1.id);
  assert.equal(v2.description, 'second');
  const agent = await client.agents.create({ model: 'scripted/u', tools: ['ver'] });
  client.scripted.define('u', [toolCall('ver', {}), 'ok']);
  assert.equal(toolReturns(await client.agents.messages.create(agent.id, user('v?')))[0].toolReturn, 'v2');
});

test('a JS tool can message another agent; its shared-block write is in the caller’s next step', async (t) => {
  const client = newClient(t);
  const board = await client.blocks.create({ label: 'board', value: 'empty' });
  const worker = await client.agents.create({ name: 'worker', model: 'scripted/worker', blockIds: [board.id] });
  await client.tools.create({
    jsonSchema: {
      name: 'ask_worker',
      description: 'Sends a task to the worker agent and returns its answer.',
      parameters: { type: 'object', properties: { task: { type: 'string' } }, required: ['task'] },
    },
    fn: async ({ task }, { client: c }) => {
      const r = await c.agents.messages.create(worker.id, { messages: [{ role: 'user', content: task }] });
      return r.messages.filter((m) => m.messageType === 'assistant_message').map((m) => m.content).join('\n');
    },
  });
  const sup = await client.agents.create({ name: 'supervisor', model: 'scripted/sup', blockIds: [board.id], tools: ['ask_worker'] });
  client.scripted.define('worker', [
    toolCall('memory_replace', { label: 'board', old_string: 'empty', new_string: '42 widgets' }),
    'Counted: 42 widgets.',
  ]);
  client.scripted.define('sup', [toolCall('ask_worker', { task: 'count the widgets' }), 'The worker counted 42 widgets.']);

  const r = await client.agents.messages.create(sup.id, user('How many widgets?'));
  assert.equal(r.stopReason.stopReason, 'end_turn');
  assert.deepEqual(toolReturns(r).map((m) => [m.status, m.toolReturn]), [['success', 'Counted: 42 widgets.']]);
  const [first, second] = client.scripted.requests('sup');
  assert.ok(systemOf(first).includes('<value>\nempty\n</value>'));
  assert.ok(systemOf(second).includes('<value>\n42 widgets\n</value>'), 'the supervisor’s next step sees the worker’s write');
  assert.equal(client.scripted.requests('worker')[0].messages.at(-1).content, 'count the widgets');
});

test('messages.cancel stops a run that is waiting for its model', async (t) => {
  const client = newClient(t);
  let release;
  client.scripted.define('slow', () => new Promise((resolve) => (release = () => resolve({ content: 'too late' }))));
  const agent = await client.agents.create({ model: 'scripted/slow' });
  const running = client.agents.messages.create(agent.id, user('think'));
  while (!release) await new Promise((r) => setTimeout(r, 1));
  const cancelled = await client.agents.messages.cancel(agent.id);
  assert.equal(Object.values(cancelled).length, 1);
  const res = await running;
  assert.equal(res.stopReason.stopReason, 'cancelled');
  release();
  const hist = await client.agents.messages.list(agent.id);
  assert.deepEqual(hist.map((m) => m.messageType), ['system_message', 'user_message'], 'the late answer never landed');
});

test('aborting messages.create stops the run itself, not only the wait', async (t) => {
  const client = newClient(t);
  let release;
  client.scripted.define('slow2', () => new Promise((resolve) => (release = () => resolve({ content: 'late' }))));
  const agent = await client.agents.create({ model: 'scripted/slow2' });
  const controller = new AbortController();
  const running = client.agents.messages.create(agent.id, user('think'), { abortSignal: controller.signal });
  while (!release) await new Promise((r) => setTimeout(r, 1));
  controller.abort();
  await assert.rejects(running, /aborted/);
  // The run ended as cancelled: the agent records it and the late answer never lands.
  for (let i = 0; i < 50 && (await client.agents.retrieve(agent.id)).lastStopReason !== 'cancelled'; i++) await sleep(5);
  assert.equal((await client.agents.retrieve(agent.id)).lastStopReason, 'cancelled');
  release();
  await sleep(10);
  assert.deepEqual((await client.agents.messages.list(agent.id)).map((m) => m.messageType), ['system_message', 'user_message']);
});
