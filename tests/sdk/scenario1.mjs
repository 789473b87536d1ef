// The 1.x scenario: run against the official @letta-ai/letta-client 1.12.1 (over the fetch handler)
// and against letta-wasm's in-process `Letta` door. It asserts as it goes and returns a summary
// without ids, so both runs can be compared.
//
//   scenario1(client, { scripted, Errors })
//     client    a 1.x-shaped client
//     scripted  `scripted.define(name, answers)` of the engine behind it (the in-process client)
//     Errors    the module holding the 1.x error classes (the SDK's, or letta-wasm's)
import assert from 'node:assert/strict';

export const MISSING = 'block-123e4567-e89b-42d3-8456-426614174000';

/** Collects an async iterable. */
export async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** Awaits `promise`, expecting a rejection of class `Cls` with `status`; returns the error. */
export async function rejects(promise, Cls, status) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Cls, `expected ${Cls.name}, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, status, err.message);
    assert.equal(typeof err.error?.detail, 'string', `error body has a detail: ${JSON.stringify(err.error)}`);
    return err;
  }
  assert.fail(`expected ${Cls.name} (${status}), but the call succeeded`);
}

const labels = (blocks) => blocks.map((b) => b.label).sort();

export async function scenario1(client, { scripted, Errors }) {
  const summary = {};

  // ---- blocks CRUD
  const org = await client.blocks.create({
    label: 'organization',
    description: 'Shared information between all agents within the organization.',
    value: 'Nothing here yet.',
  });
  assert.match(org.id, /^block-/);
  assert.equal(org.value, 'Nothing here yet.');
  assert.equal((await client.blocks.retrieve(org.id)).label, 'organization');
  const updated = await client.blocks.update(org.id, { description: 'The org.' });
  assert.equal(updated.description, 'The org.');
  assert.equal(updated.value, 'Nothing here yet.');
  const byLabel = await client.blocks.list({ label: 'organization' });
  assert.deepEqual(byLabel.items.map((b) => b.id), [org.id]);
  const temp = await client.blocks.create({ label: 'temp', value: 'x' });
  await client.blocks.delete(temp.id);
  await rejects(client.blocks.retrieve(temp.id), Errors.NotFoundError, 404);
  summary.blocks = { label: updated.label, description: updated.description };

  // ---- agents with memory blocks and a shared block id, tags
  const worker = await client.agents.create({
    name: 'worker',
    model: 'scripted/worker',
    memory_blocks: [{ label: 'persona', value: 'I am a worker' }],
    block_ids: [org.id],
    tags: ['team', 'worker'],
  });
  const boss = await client.agents.create({
    name: 'boss',
    model: 'scripted/boss',
    memory_blocks: [{ label: 'persona', value: 'I am a supervisor' }],
    block_ids: [org.id],
    tags: ['team', 'boss'],
  });
  assert.match(worker.id, /^agent-/);
  assert.deepEqual(labels(worker.memory.blocks), ['organization', 'persona']);
  const sharedIds = (a) => a.memory.blocks.find((b) => b.label === 'organization').id;
  assert.equal(sharedIds(worker), org.id);
  assert.equal(sharedIds(boss), org.id);
  assert.deepEqual((await client.blocks.agents.list(org.id)).items.map((a) => a.name).sort(), ['boss', 'worker']);

  const team = await client.agents.list({ tags: ['team'] });
  const both = await client.agents.list({ tags: ['worker', 'boss'] });
  const all = await client.agents.list({ tags: ['team', 'boss'], match_all_tags: true });
  summary.tags = {
    team: team.items.map((a) => a.name).sort(),
    any: both.items.map((a) => a.name).sort(),
    all: all.items.map((a) => a.name),
  };
  assert.deepEqual(summary.tags, { team: ['boss', 'worker'], any: ['boss', 'worker'], all: ['boss'] });

  // ---- attach / detach, core memory by label
  const notes = await client.blocks.create({ label: 'notes', value: 'first note' });
  const attached = await client.agents.blocks.attach(notes.id, { agent_id: boss.id });
  assert.deepEqual(labels(attached.memory.blocks), ['notes', 'organization', 'persona']);
  assert.deepEqual(labels((await client.agents.blocks.list(boss.id)).items), ['notes', 'organization', 'persona']);
  const detached = await client.agents.blocks.detach(notes.id, { agent_id: boss.id });
  assert.deepEqual(labels(detached.memory.blocks), ['organization', 'persona']);
  await rejects(client.agents.blocks.retrieve('notes', { agent_id: boss.id }), Errors.NotFoundError, 404);
  const persona = await client.agents.blocks.update('persona', { agent_id: boss.id, value: 'I am the boss' });
  assert.equal(persona.value, 'I am the boss');
  assert.equal((await client.agents.blocks.retrieve('persona', { agent_id: boss.id })).value, 'I am the boss');
  assert.equal((await client.agents.blocks.retrieve('persona', { agent_id: worker.id })).value, 'I am a worker');
  summary.attach = labels(attached.memory.blocks);

  // ---- a message run on the scripted model: the worker edits the shared block
  scripted.define('worker', [
    {
      tool_calls: [
        { name: 'memory_replace', arguments: { label: 'organization', old_string: 'Nothing here yet.', new_string: 'Organization: Letta' } },
      ],
    },
    { content: 'Noted.' },
  ]);
  const res = await client.agents.messages.create(worker.id, { messages: [{ role: 'user', content: 'We are Letta.' }] });
  summary.run = {
    types: res.messages.map((m) => m.message_type),
    stop: res.stop_reason.stop_reason,
    assistant: res.messages.at(-1).content,
    steps: res.usage.step_count,
  };
  assert.deepEqual(summary.run, {
    types: ['tool_call_message', 'tool_return_message', 'assistant_message'],
    stop: 'end_turn',
    assistant: 'Noted.',
    steps: 2,
  });
  // The supervisor shares the block: it sees the worker's edit.
  summary.shared = (await client.agents.blocks.retrieve('organization', { agent_id: boss.id })).value;
  assert.equal(summary.shared, 'Organization: Letta');

  // ---- streamed runs: messages.stream and messages.create({ streaming: true })
  scripted.define('boss', [{ reasoning: 'Greet the team.', content: 'Hello team' }, { content: 'Again' }]);
  const stream = await client.agents.messages.stream(boss.id, { messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(stream.controller instanceof AbortController);
  const events = await collect(stream);
  const streamed = await collect(
    await client.agents.messages.create(boss.id, { messages: [{ role: 'user', content: 'again' }], streaming: true }),
  );
  summary.stream = {
    types: events.map((e) => e.message_type),
    text: events.find((e) => e.message_type === 'assistant_message')?.content,
    created: streamed.map((e) => e.message_type),
  };
  assert.deepEqual(summary.stream, {
    types: ['reasoning_message', 'assistant_message', 'stop_reason', 'usage_statistics'],
    text: 'Hello team',
    created: ['assistant_message', 'stop_reason', 'usage_statistics'],
  });
  const history = await collect(client.agents.messages.list(boss.id, { limit: 2 }));
  summary.history = history.map((m) => m.message_type);
  assert.ok(summary.history.includes('user_message') && summary.history.includes('assistant_message'), summary.history.join());

  // ---- custom tools: listing, attach
  const tool = await client.tools.create({
    source_code:
      'def roll_dice(sides: int) -> str:\n    """Roll a die.\n\n    Args:\n        sides: number of sides\n    """\n    return "4"\n',
  });
  assert.equal(tool.name, 'roll_dice');
  const listed = await client.tools.list({ name: 'roll_dice' });
  assert.deepEqual(listed.items.map((t) => t.id), [tool.id]);
  const withTool = await client.agents.tools.attach(tool.id, { agent_id: worker.id });
  assert.ok(withTool.tools.some((t) => t.id === tool.id));
  const agentTools = await collect(client.agents.tools.list(worker.id));
  summary.tools = agentTools.some((t) => t.name === 'roll_dice');
  assert.equal(summary.tools, true);

  // ---- pagination: `for await` walks every page (after = last id), pages of 2
  for (let i = 0; i < 5; i++) await client.blocks.create({ label: `page-${i}`, value: String(i) });
  const everything = (await client.blocks.list({ limit: 1000 })).items;
  const walked = await collect(client.blocks.list({ limit: 2 }));
  assert.deepEqual(walked.map((b) => b.id), everything.map((b) => b.id));
  let pages = 0;
  for await (const page of (await client.blocks.list({ limit: 2 })).iterPages()) {
    pages++;
    assert.ok(page.items.length <= 2);
  }
  summary.pages = { items: walked.length, pages };
  assert.equal(pages, Math.ceil(everything.length / 2) + 1); // the last request answers []
  const first = await client.agents.list({ limit: 1 });
  assert.equal(first.items.length, 1);
  assert.ok(first.hasNextPage());
  const second = await first.getNextPage();
  assert.equal(second.items.length, 1);
  assert.notEqual(second.items[0].id, first.items[0].id);

  // ---- each error status
  const e400 = await rejects(client.blocks.create({ label: 'tiny', value: 'x'.repeat(20), limit: 5 }), Errors.BadRequestError, 400);
  const e404 = await rejects(client.agents.retrieve(MISSING.replace('block', 'agent')), Errors.NotFoundError, 404);
  const dup = await client.blocks.create({ label: 'persona', value: 'another persona' });
  const e409 = await rejects(client.agents.blocks.attach(dup.id, { agent_id: worker.id }), Errors.ConflictError, 409);
  const e422 = await rejects(client.blocks.retrieve('not-a-block-id'), Errors.UnprocessableEntityError, 422);
  const e422b = await rejects(client.agents.create({ name: 42 }), Errors.UnprocessableEntityError, 422);
  for (const e of [e400, e404, e409, e422, e422b]) assert.ok(e instanceof Errors.APIError);
  summary.errors = [e400, e404, e409, e422, e422b].map((e) => [e.status, e.constructor.name]);

  // ---- reset
  const reset = await client.agents.messages.reset(boss.id, { add_default_initial_messages: false });
  assert.equal(reset.id, boss.id);
  const after = await collect(client.agents.messages.list(boss.id));
  summary.afterReset = after.filter((m) => m.message_type !== 'system_message').length;

  return summary;
}
