// The REST surface through LettaClient: blocks, agents, core memory, tools; Dates and camelCase.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Letta } from 'letta-wasm';
import { newClient } from './helpers.mjs';

/** Every key of `value` (deeply) is camelCase, except inside the listed opaque containers. */
function assertCamelKeys(value, where = '$') {
  if (Array.isArray(value)) return value.forEach((v, i) => assertCamelKeys(v, `${where}[${i}]`));
  if (value === null || typeof value !== 'object' || value instanceof Date) return;
  for (const [k, v] of Object.entries(value)) {
    assert.ok(!/_/.test(k), `${where}.${k} is not camelCase`);
    if (!['metadata', 'jsonSchema', 'argsJsonSchema', 'parameters'].includes(k)) assertCamelKeys(v, `${where}.${k}`);
  }
}

test('blocks: create, retrieve, modify, list (label filter), count, delete', async (t) => {
  const client = newClient(t);
  const created = await client.blocks.create({
    label: 'org',
    value: 'Letta',
    limit: 100,
    description: 'The organization',
    metadata: { owner_team: 'core', nestedKey: { a_b: 1 } },
    readOnly: false,
  });
  assert.match(created.id, /^block-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(created.label, 'org');
  assert.equal(created.value, 'Letta');
  assert.equal(created.limit, 100);
  assert.equal(created.description, 'The organization');
  assert.equal(created.readOnly, false);
  assert.deepEqual(created.metadata, { owner_team: 'core', nestedKey: { a_b: 1 } }, 'metadata keys are left as given');
  assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));
  assert.ok(created.updatedAt instanceof Date);
  assertCamelKeys(created);

  assert.deepEqual(await client.blocks.retrieve(created.id), created);

  const modified = await client.blocks.modify(created.id, { value: 'Letta, Inc.', description: 'new', readOnly: true });
  assert.equal(modified.id, created.id);
  assert.equal(modified.value, 'Letta, Inc.');
  assert.equal(modified.description, 'new');
  assert.equal(modified.readOnly, true);
  assert.equal(modified.limit, 100, 'unset fields are kept');
  assert.equal(modified.label, 'org');
  assert.ok(modified.updatedAt.getTime() >= created.updatedAt.getTime());
  assert.equal((await client.blocks.retrieve(created.id)).value, 'Letta, Inc.');

  const second = await client.blocks.create({ label: 'org', value: 'second' });
  const other = await client.blocks.create({ label: 'other', value: 'x' });
  const byLabel = await client.blocks.list({ label: 'org' });
  assert.deepEqual(byLabel.map((b) => b.id).sort(), [created.id, second.id].sort());
  assert.ok(byLabel.every((b) => b.label === 'org'));
  assert.deepEqual((await client.blocks.list()).map((b) => b.id).sort(), [created.id, second.id, other.id].sort());
  assert.deepEqual(await client.blocks.list({ label: 'nothing' }), []);
  assert.equal(await client.blocks.count(), 3);

  await client.blocks.delete(created.id);
  await assert.rejects(client.blocks.retrieve(created.id), Letta.NotFoundError);
  assert.equal(await client.blocks.count(), 2);
  assert.deepEqual((await client.blocks.list({ label: 'org' })).map((b) => b.id), [second.id]);
});

test('agents: create (camelCase in), retrieve, list filters by name and tags, modify', async (t) => {
  const client = newClient(t);
  const shared = await client.blocks.create({ label: 'organization', value: 'Org', description: 'Shared' });
  const sup = await client.agents.create({
    name: 'supervisor',
    model: 'anthropic/claude-3-5-sonnet-20241022',
    embedding: 'openai/text-embedding-3-small',
    memoryBlocks: [{ label: 'persona', value: 'I am a supervisor', readOnly: true }],
    blockIds: [shared.id],
    tags: ['team', 'lead'],
    metadata: { some_key: 1 },
  });
  const wrk = await client.agents.create({ name: 'worker', model: 'scripted/w', blockIds: [shared.id], tags: ['team'] });
  const solo = await client.agents.create({ name: 'solo', tags: ['other'] });

  assert.match(sup.id, /^agent-/);
  assert.equal(sup.name, 'supervisor');
  assert.equal(sup.model, 'anthropic/claude-3-5-sonnet-20241022');
  assert.equal(sup.llmConfig.modelEndpointType, 'anthropic');
  assert.equal(sup.llmConfig.model, 'claude-3-5-sonnet-20241022');
  assert.equal(typeof sup.llmConfig.contextWindow, 'number');
  assert.equal(sup.embeddingConfig.embeddingDim, 1536);
  assert.deepEqual(sup.tags, ['team', 'lead']);
  assert.deepEqual(sup.metadata, { some_key: 1 });
  assert.deepEqual(sup.blocks.map((b) => [b.label, b.readOnly]), [['persona', true], ['organization', false]]);
  assert.equal(sup.blocks[1].id, shared.id);
  assert.deepEqual(sup.tools.map((x) => x.name), ['memory_replace', 'memory_insert', 'conversation_search']);
  assert.equal(sup.messageIds.length, 1, 'a new agent holds its system message');
  assert.ok(sup.createdAt instanceof Date);
  assertCamelKeys(sup);

  const got = await client.agents.retrieve(sup.id);
  assert.equal(got.id, sup.id);
  assert.deepEqual(got.blocks.map((b) => b.id), sup.blocks.map((b) => b.id));

  const names = async (request) => (await client.agents.list(request)).map((a) => a.name).sort();
  assert.deepEqual(await names(), ['solo', 'supervisor', 'worker']);
  assert.deepEqual(await names({ name: 'worker' }), ['worker']);
  assert.deepEqual(await names({ tags: 'team' }), ['supervisor', 'worker']);
  assert.deepEqual(await names({ tags: ['team'] }), ['supervisor', 'worker']);
  assert.deepEqual(await names({ tags: ['lead', 'team'], matchAllTags: true }), ['supervisor']);
  assert.deepEqual(await names({ tags: ['team', 'other'], matchAllTags: true }), []);
  assert.deepEqual(await names({ tags: ['lead', 'other'], matchAllTags: false }), ['solo', 'supervisor']);
  assert.deepEqual(await names({ tags: ['lead', 'nope'] }), ['supervisor'], 'matchAllTags defaults to false');
  assert.deepEqual(await names({ tags: ['nope'] }), []);
  assert.equal(await client.agents.count(), 3);
  // Paging: newest first by default; `after` continues from a cursor.
  assert.deepEqual((await client.agents.list({ limit: 2 })).map((a) => a.id), [solo.id, wrk.id]);
  assert.deepEqual((await client.agents.list({ limit: 2, after: wrk.id })).map((a) => a.id), [sup.id]);

  const modified = await client.agents.modify(wrk.id, {
    name: 'worker-1',
    tags: ['team', 'busy'],
    description: 'Counts widgets',
    model: 'openai/gpt-4o-mini',
    metadata: { shift_id: 'night' },
  });
  assert.equal(modified.id, wrk.id);
  assert.equal(modified.name, 'worker-1');
  assert.deepEqual(modified.tags, ['team', 'busy']);
  assert.equal(modified.description, 'Counts widgets');
  assert.equal(modified.llmConfig.model, 'gpt-4o-mini');
  assert.deepEqual(modified.metadata, { shift_id: 'night' });
  assert.deepEqual(modified.blocks.map((b) => b.id), [shared.id], 'blocks untouched');
  assert.ok(modified.updatedAt instanceof Date);
  assert.deepEqual(await names({ tags: ['busy'] }), ['worker-1']);
  assert.deepEqual(await names({ name: 'worker' }), []);
});

test('agents.delete: a block shared with another agent survives; the deleted agent’s own block is gone', async (t) => {
  const client = newClient(t);
  const shared = await client.blocks.create({ label: 'organization', value: 'Org' });
  const sup = await client.agents.create({ memoryBlocks: [{ label: 'persona', value: 'sup' }], blockIds: [shared.id] });
  const wrk = await client.agents.create({ memoryBlocks: [{ label: 'persona', value: 'wrk' }], blockIds: [shared.id] });
  const supPersona = sup.blocks.find((b) => b.label === 'persona').id;

  assert.deepEqual((await client.blocks.agents.list(shared.id)).map((a) => a.id).sort(), [sup.id, wrk.id].sort());
  await client.agents.delete(sup.id);
  await assert.rejects(client.agents.retrieve(sup.id), Letta.NotFoundError);
  await assert.rejects(client.blocks.retrieve(supPersona), Letta.NotFoundError);
  assert.equal((await client.blocks.retrieve(shared.id)).value, 'Org');
  assert.deepEqual((await client.blocks.agents.list(shared.id)).map((a) => a.id), [wrk.id]);
  assert.deepEqual((await client.agents.blocks.list(wrk.id)).map((b) => b.label), ['persona', 'organization']);
  assert.equal(await client.agents.count(), 1);

  // An inline block that was shared later also survives its creator.
  const notes = (await client.agents.create({ memoryBlocks: [{ label: 'notes', value: 'n' }] }));
  const notesId = notes.blocks[0].id;
  await client.agents.blocks.attach(wrk.id, notesId);
  await client.agents.delete(notes.id);
  assert.equal((await client.agents.blocks.retrieve(wrk.id, 'notes')).id, notesId);
});

test('agents.blocks: list, retrieve, modify, attach, detach', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ memoryBlocks: [{ label: 'persona', value: 'p', limit: 50 }] });
  const notes = await client.blocks.create({ label: 'notes', value: 'n' });

  const attached = await client.agents.blocks.attach(agent.id, notes.id);
  assert.equal(attached.id, agent.id, 'attach returns the agent state');
  assert.deepEqual(attached.blocks.map((b) => b.label), ['persona', 'notes']);
  // Attaching again is a no-op.
  assert.equal((await client.agents.blocks.attach(agent.id, notes.id)).blocks.length, 2);
  assert.deepEqual((await client.agents.blocks.list(agent.id)).map((b) => [b.label, b.value]), [['persona', 'p'], ['notes', 'n']]);

  const persona = await client.agents.blocks.retrieve(agent.id, 'persona');
  assert.equal(persona.value, 'p');
  assert.equal(persona.limit, 50);
  assert.ok(persona.createdAt instanceof Date);
  const viaAgent = await client.agents.blocks.retrieve(agent.id, 'notes');
  assert.equal(viaAgent.id, notes.id);

  const edited = await client.agents.blocks.modify(agent.id, 'notes', { value: 'edited', description: 'My notes' });
  assert.equal(edited.id, notes.id);
  assert.equal(edited.value, 'edited');
  assert.equal(edited.description, 'My notes');
  assert.equal((await client.blocks.retrieve(notes.id)).value, 'edited', 'the same block by id');

  // Renaming through the agent route: the new label is how the agent finds it.
  await client.agents.blocks.modify(agent.id, 'notes', { label: 'journal' });
  assert.equal((await client.agents.blocks.retrieve(agent.id, 'journal')).id, notes.id);
  await assert.rejects(client.agents.blocks.retrieve(agent.id, 'notes'), Letta.NotFoundError);

  const detached = await client.agents.blocks.detach(agent.id, notes.id);
  assert.deepEqual(detached.blocks.map((b) => b.label), ['persona']);
  await assert.rejects(client.agents.blocks.retrieve(agent.id, 'journal'), Letta.NotFoundError);
  await assert.rejects(client.agents.blocks.detach(agent.id, notes.id), Letta.NotFoundError);
  assert.equal((await client.blocks.retrieve(notes.id)).value, 'edited', 'detaching keeps the block');
});

test('tools: create, list, retrieve, modify, upsert, count, delete (detaches everywhere)', async (t) => {
  const client = newClient(t);
  const builtins = await client.tools.list();
  for (const name of ['memory_replace', 'memory_insert', 'conversation_search', 'core_memory_append', 'send_message']) {
    assert.ok(builtins.some((x) => x.name === name), name);
  }
  const baseCount = await client.tools.count();
  assert.equal(baseCount, builtins.length);

  const created = await client.tools.create({
    sourceCode: 'async function lookup(q) { return q }',
    description: 'Looks up',
    tags: ['search'],
    jsonSchema: {
      name: 'lookup',
      description: 'Looks up',
      parameters: { type: 'object', properties: { query_text: { type: 'string' } }, required: ['query_text'] },
    },
    returnCharLimit: 1000,
  });
  assert.match(created.id, /^tool-/);
  assert.equal(created.name, 'lookup');
  assert.equal(created.toolType, 'custom');
  assert.equal(created.description, 'Looks up');
  assert.deepEqual(created.tags, ['search']);
  assert.equal(created.returnCharLimit, 1000);
  assert.equal(created.sourceCode, 'async function lookup(q) { return q }');
  assert.deepEqual(created.jsonSchema.parameters.properties, { query_text: { type: 'string' } }, 'schemas are left as given');
  assert.ok(created.createdAt instanceof Date);
  assertCamelKeys(created);

  assert.deepEqual(await client.tools.retrieve(created.id), created);
  assert.deepEqual((await client.tools.list({ name: 'lookup' })).map((x) => x.id), [created.id]);
  assert.deepEqual((await client.tools.list({ toolTypes: ['custom'] })).map((x) => x.id), [created.id]);
  assert.equal(await client.tools.count(), baseCount + 1);

  const modified = await client.tools.modify(created.id, { description: 'Looks things up', metadata: { my_key: 'v' }, returnCharLimit: 500 });
  assert.equal(modified.id, created.id);
  assert.equal(modified.description, 'Looks things up');
  assert.deepEqual(modified.metadata, { my_key: 'v' }, 'tool metadata round-trips (metadata_ on the wire)');
  assert.equal(modified.returnCharLimit, 500);
  assert.deepEqual((await client.tools.retrieve(created.id)).metadata, { my_key: 'v' });

  const upserted = await client.tools.upsert({ sourceCode: 'x', jsonSchema: { name: 'lookup', description: 'Better' } });
  assert.equal(upserted.id, created.id, 'upsert replaces the tool of that name');
  assert.equal(upserted.description, 'Better');
  const fresh = await client.tools.upsert({ sourceCode: 'x', jsonSchema: { name: 'fresh', parameters: { type: 'object', properties: {} } } });
  assert.notEqual(fresh.id, created.id);
  assert.equal(await client.tools.count(), baseCount + 2);

  const agent = await client.agents.create({ tools: ['lookup', 'send_message'], includeBaseTools: false });
  assert.deepEqual((await client.agents.tools.list(agent.id)).map((x) => x.name), ['lookup', 'send_message']);
  assert.deepEqual((await client.agents.tools.detach(agent.id, created.id)).tools.map((x) => x.name), ['send_message']);
  assert.deepEqual((await client.agents.tools.attach(agent.id, created.id)).tools.map((x) => x.name).sort(), ['lookup', 'send_message']);

  await client.tools.delete(created.id);
  await assert.rejects(client.tools.retrieve(created.id), Letta.NotFoundError);
  assert.deepEqual((await client.agents.tools.list(agent.id)).map((x) => x.name), ['send_message'], 'deleting a tool detaches it');
  assert.equal(await client.tools.count(), baseCount + 1);
});

test('dates come back as Date objects everywhere', async (t) => {
  const client = newClient(t);
  const block = await client.blocks.create({ label: 'a', value: 'b' });
  const agent = await client.agents.create({ model: 'scripted/d', blockIds: [block.id] });
  const tool = await client.tools.create({ jsonSchema: { name: 't', parameters: { type: 'object', properties: {} } }, fn: () => 'x' });
  client.scripted.define('d', ['hi']);
  const r = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'hey' }] });
  const isDate = (v, what) => assert.ok(v instanceof Date && !Number.isNaN(v.getTime()), `${what}: ${v}`);

  isDate(block.createdAt, 'block.createdAt');
  isDate(agent.createdAt, 'agent.createdAt');
  isDate(agent.updatedAt, 'agent.updatedAt');
  agent.blocks.forEach((b, i) => isDate(b.createdAt, `agent.blocks[${i}].createdAt`));
  isDate(tool.createdAt, 'tool.createdAt');
  r.messages.forEach((m, i) => isDate(m.date, `response.messages[${i}].date`));
  (await client.agents.messages.list(agent.id)).forEach((m, i) => isDate(m.date, `history[${i}].date`));
  isDate((await client.agents.retrieve(agent.id)).lastRunCompletion, 'agent.lastRunCompletion');
  for (const x of (await client.tools.list()).filter((x) => x.toolType === 'custom')) {
    isDate(x.createdAt, `tools.list ${x.name}.createdAt`);
    isDate(x.updatedAt, `tools.list ${x.name}.updatedAt`);
  }
});

test('built-in tools carry a real date or none (never an empty string)', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ tools: ['core_memory_append', 'send_message'] });
  const seen = [...(await client.tools.list()), ...agent.tools, ...(await client.agents.tools.list(agent.id))];
  const builtins = seen.filter((x) => x.toolType !== 'custom');
  assert.ok(builtins.length >= 5);
  for (const x of builtins) {
    for (const key of ['createdAt', 'updatedAt']) {
      const v = x[key];
      assert.ok(v == null || (v instanceof Date && !Number.isNaN(v.getTime())), `${x.name}.${key} = ${JSON.stringify(v)}`);
    }
  }
  // The same tool retrieved by id.
  const one = await client.tools.retrieve(builtins[0].id);
  assert.ok(one.createdAt == null || one.createdAt instanceof Date, `retrieve ${one.name}.createdAt = ${JSON.stringify(one.createdAt)}`);
});

test('camelCase in and out: request fields are converted, user dictionaries are not', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({
    model: 'scripted/c',
    memoryBlocks: [{ label: 'persona', value: 'p', readOnly: true, metadata: { camelKey: 1, snake_key: 2 } }],
    metadata: { someKey: { nested_key: 1 } },
    messageBufferAutoclear: true,
  });
  assert.equal(agent.blocks[0].readOnly, true);
  assert.deepEqual(agent.blocks[0].metadata, { camelKey: 1, snake_key: 2 });
  assert.equal(agent.messageBufferAutoclear, true);
  assert.deepEqual(agent.metadata, { someKey: { nested_key: 1 } });
  assert.deepEqual((await client.agents.retrieve(agent.id)).metadata, { someKey: { nested_key: 1 } });
  assertCamelKeys(agent);
  assertCamelKeys(await client.agents.list());
  assertCamelKeys(await client.tools.list());
  // Snake_case input keys (what the wire uses) are accepted as well.
  const b = await client.blocks.create({ label: 'x', value: 'y', read_only: true });
  assert.equal(b.readOnly, true);
});
