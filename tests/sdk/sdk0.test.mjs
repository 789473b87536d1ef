// The official @letta-ai/letta-client 0.1.211 (npm alias `letta0`, the Fern generation) against
// letta-wasm's fetch handler: through its `fetcher` option (adapter in helpers.mjs), and through a
// replaced global `fetch`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { LettaClient, Letta as L0, LettaError } from 'letta0';
import { backend, fetcherFromFetch } from './helpers.mjs';

const T = { timeout: 60_000 };
const MISSING_AGENT = 'agent-123e4567-e89b-42d3-8456-426614174000';

async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** Expects a 0.x LettaError with `statusCode` (422 is Letta.UnprocessableEntityError in 0.x). */
async function rejects(promise, statusCode) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LettaError, `expected a LettaError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.statusCode, statusCode, err.message);
    assert.equal(typeof err.body?.detail, 'string', JSON.stringify(err.body));
    if (statusCode === 422) assert.ok(err instanceof L0.UnprocessableEntityError);
    return err;
  }
  assert.fail(`expected status ${statusCode}, but the call succeeded`);
}

const labels = (blocks) => blocks.map((b) => b.label).sort();

/** The 0.x scenario (camelCase, `modify`, parent-first arguments, plain arrays). */
async function scenario0(client, scripted) {
  // blocks CRUD
  const org = await client.blocks.create({ label: 'organization', description: 'The org.', value: 'Nothing here yet.' });
  assert.match(org.id, /^block-/);
  assert.equal((await client.blocks.retrieve(org.id)).value, 'Nothing here yet.');
  assert.equal((await client.blocks.modify(org.id, { description: 'Shared.' })).description, 'Shared.');
  assert.deepEqual((await client.blocks.list({ label: 'organization' })).map((b) => b.id), [org.id]);
  const temp = await client.blocks.create({ label: 'temp', value: 'x' });
  await client.blocks.delete(temp.id);
  await rejects(client.blocks.retrieve(temp.id), 404);

  // agents with memory blocks and a shared block id, tags
  const worker = await client.agents.create({
    name: 'worker',
    model: 'scripted/worker',
    memoryBlocks: [{ label: 'persona', value: 'I am a worker' }],
    blockIds: [org.id],
    tags: ['team', 'worker'],
  });
  const boss = await client.agents.create({
    name: 'boss',
    model: 'scripted/boss',
    memoryBlocks: [{ label: 'persona', value: 'I am a supervisor' }],
    blockIds: [org.id],
    tags: ['team', 'boss'],
  });
  assert.deepEqual(labels(worker.memory.blocks), ['organization', 'persona']);
  assert.ok(worker.createdAt instanceof Date, 'dates become Date objects');
  assert.equal(boss.memory.blocks.find((b) => b.label === 'organization').id, org.id);
  assert.deepEqual((await client.agents.list({ tags: ['team'] })).map((a) => a.name).sort(), ['boss', 'worker']);
  assert.deepEqual((await client.agents.list({ tags: ['team', 'boss'], matchAllTags: true })).map((a) => a.name), ['boss']);

  // attach / detach, core memory by label
  const notes = await client.blocks.create({ label: 'notes', value: 'n' });
  assert.deepEqual(labels((await client.agents.blocks.attach(boss.id, notes.id)).memory.blocks), ['notes', 'organization', 'persona']);
  assert.deepEqual(labels(await client.agents.blocks.list(boss.id)), ['notes', 'organization', 'persona']);
  assert.deepEqual(labels((await client.agents.blocks.detach(boss.id, notes.id)).memory.blocks), ['organization', 'persona']);
  assert.equal((await client.agents.blocks.modify(boss.id, 'persona', { value: 'I am the boss' })).value, 'I am the boss');
  assert.equal((await client.agents.blocks.retrieve(boss.id, 'persona')).value, 'I am the boss');

  // a message run on the scripted model
  scripted.define('worker', [
    { toolCalls: [{ name: 'memory_replace', arguments: { label: 'organization', old_string: 'Nothing here yet.', new_string: 'Organization: Letta' } }] },
    { content: 'Noted.' },
  ]);
  const res = await client.agents.messages.create(worker.id, { messages: [{ role: 'user', content: 'We are Letta.' }] });
  assert.deepEqual(res.messages.map((m) => m.messageType), ['tool_call_message', 'tool_return_message', 'assistant_message']);
  assert.equal(res.stopReason.stopReason, 'end_turn');
  assert.equal(res.messages[0].toolCall.name, 'memory_replace');
  assert.equal((await client.agents.blocks.retrieve(boss.id, 'organization')).value, 'Organization: Letta');

  // a streamed run
  scripted.define('boss', [{ reasoning: 'Greet.', content: 'Hello team [DONE] and more' }]);
  const stream = await client.agents.messages.createStream(boss.id, { messages: [{ role: 'user', content: 'hi' }] });
  const events = await collect(stream);
  assert.deepEqual(events.map((e) => e.messageType), ['reasoning_message', 'assistant_message', 'stop_reason', 'usage_statistics']);
  // A literal [DONE] inside a payload does not end 0.x's line-based parser early.
  assert.equal(events[1].content, 'Hello team [DONE] and more');
  assert.equal(events[3].stepCount, 1);
  const history = await client.agents.messages.list(boss.id, { limit: 50 });
  assert.ok(history.some((m) => m.messageType === 'user_message'));

  // custom tools
  const tool = await client.tools.create({
    sourceCode: 'def roll_dice(sides: int) -> str:\n    """Roll a die.\n\n    Args:\n        sides: number of sides\n    """\n    return "4"\n',
  });
  assert.deepEqual((await client.tools.list({ name: 'roll_dice' })).map((t) => t.id), [tool.id]);
  await client.agents.tools.attach(worker.id, tool.id);
  assert.ok((await client.agents.tools.list(worker.id)).some((t) => t.name === 'roll_dice'));

  // manual pagination with `after`
  for (let i = 0; i < 5; i++) await client.blocks.create({ label: `page-${i}`, value: String(i) });
  const everything = await client.blocks.list({ limit: 1000 });
  const walked = [];
  let after;
  for (;;) {
    const page = await client.blocks.list({ limit: 2, after });
    if (!page.length) break;
    walked.push(...page.map((b) => b.id));
    after = page.at(-1).id;
  }
  assert.deepEqual(walked, everything.map((b) => b.id));

  // each error status
  await rejects(client.blocks.create({ label: 'tiny', value: 'x'.repeat(20), limit: 5 }), 400);
  await rejects(client.agents.retrieve(MISSING_AGENT), 404);
  const dup = await client.blocks.create({ label: 'persona', value: 'another' });
  await rejects(client.agents.blocks.attach(worker.id, dup.id), 409);
  await rejects(client.blocks.retrieve('not-a-block-id'), 422);

  // reset takes its flag as a query parameter in 0.x
  const reset = await client.agents.messages.reset(boss.id, { addDefaultInitialMessages: false });
  assert.equal(reset.id, boss.id);
}

test('official 0.x SDK runs the scenario through its `fetcher` option', T, async (t) => {
  const { client, fetch, calls } = backend(t);
  const sdk = new LettaClient({ baseUrl: 'http://letta.local', token: 'unused', fetcher: fetcherFromFetch(fetch) });
  await scenario0(sdk, client.scripted);
  assert.ok(calls.some((c) => /^PATCH \/v1\/agents\/agent-[^/]+\/reset-messages\?add_default_initial_messages=false$/.test(c)), calls.join('\n'));
  assert.ok(calls.some((c) => /^GET \/v1\/agents\/\?tags=team&tags=boss&match_all_tags=true$/.test(c)), calls.join('\n'));
});

test('official 0.x SDK runs the scenario through the global fetch', T, async (t) => {
  const { client, fetch, calls } = backend(t);
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => (String(input).startsWith('http://letta.local/') ? fetch(input, init) : original(input, init));
  t.after(() => {
    globalThis.fetch = original;
  });
  const sdk = new LettaClient({ baseUrl: 'http://letta.local', token: 'unused' });
  await scenario0(sdk, client.scripted);
  assert.ok(calls.length > 40);
});

test('0.x with apiKey: its token is the Bearer key; a wrong one is 401', T, async (t) => {
  const { client, fetch } = backend(t, { apiKey: 'secret' });
  const wrong = new LettaClient({ baseUrl: 'http://letta.local', token: 'nope', fetcher: fetcherFromFetch(fetch) });
  const err = await rejects(wrong.blocks.create({ label: 'a', value: 'b' }), 401);
  assert.match(err.body.detail, /Unauthorized/);
  const noToken = new LettaClient({ baseUrl: 'http://letta.local', fetcher: fetcherFromFetch(fetch) });
  await rejects(noToken.agents.list(), 401); // 0.x sends "Bearer undefined"
  assert.equal((await client.blocks.list()).length, 0);
  const right = new LettaClient({ baseUrl: 'http://letta.local', token: 'secret', fetcher: fetcherFromFetch(fetch) });
  assert.equal((await right.blocks.create({ label: 'a', value: 'b' })).value, 'b');
});
