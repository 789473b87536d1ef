// Archival memory through both doors: 0.x `client.agents.passages.create/list/search/delete`
// (camelCase, Dates) and 1.x `client.agents.passages` (snake_case, `delete(memoryID, {agent_id})`).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Letta, LettaClient } from 'letta-wasm';
import { toolCall, user } from './helpers.mjs';

test('0.x door: agents.passages create, list, search, delete', async (t) => {
  const client = new LettaClient({ token: 'unused' });
  t.after(() => client.close());
  const agent = await client.agents.create({ model: 'scripted/a0', embedding: 'scripted/hash-64' });
  const [p1] = await client.agents.passages.create(agent.id, { text: 'The office cat is named Biscuit', tags: ['pets'] });
  assert.match(p1.id, /^passage-/);
  assert.equal(p1.text, 'The office cat is named Biscuit');
  assert.deepEqual(p1.tags, ['pets']);
  assert.equal(p1.embedding.length, 64);
  assert.equal(p1.embeddingConfig.handle, 'scripted/hash-64');
  assert.ok(p1.createdAt instanceof Date);
  await client.agents.passages.create(agent.id, { text: 'Revenue grew eleven percent', tags: ['finance'], createdAt: new Date('2025-01-02T03:04:05Z') });

  const list = await client.agents.passages.list(agent.id);
  assert.deepEqual(list.map((p) => p.text).sort(), ['Revenue grew eleven percent', 'The office cat is named Biscuit']);
  const desc = await client.agents.passages.list(agent.id, { ascending: false, limit: 1 });
  assert.equal(desc.length, 1);
  assert.equal((await client.agents.passages.list(agent.id, { search: 'biscuit' })).length, 1);

  const found = await client.agents.passages.search(agent.id, { query: 'what is the cat called', topK: 1 });
  assert.equal(found.count, 1);
  assert.equal(found.results[0].content, 'The office cat is named Biscuit');
  assert.deepEqual(found.results[0].tags, ['pets']);
  const tagged = await client.agents.passages.search(agent.id, { query: 'anything', tags: ['finance'], tagMatchMode: 'all' });
  assert.deepEqual(tagged.results.map((r) => r.content), ['Revenue grew eleven percent']);
  const dated = await client.agents.passages.search(agent.id, { query: 'revenue cat', startDatetime: '2025-01-01', endDatetime: '2025-01-02' });
  assert.deepEqual(dated.results.map((r) => r.content), ['Revenue grew eleven percent']);

  await client.agents.passages.delete(agent.id, p1.id);
  assert.equal((await client.agents.passages.list(agent.id)).length, 1);
  await assert.rejects(client.agents.passages.delete(agent.id, p1.id), (e) => e.statusCode === 404);
});

test('1.x door: agents.passages create, list (a plain array), search, delete(memoryID, {agent_id})', async (t) => {
  const client = new Letta({ apiKey: 'unused' });
  t.after(() => client.close?.());
  const agent = await client.agents.create({ model: 'scripted/a1', tools: ['archival_memory_insert', 'archival_memory_search'] });
  const created = await client.agents.passages.create(agent.id, { text: 'Launch is on March 3rd', tags: ['launch'], created_at: '2025-03-01T00:00:00Z' });
  assert.ok(Array.isArray(created));
  const [p] = created;
  assert.equal(p.created_at, '2025-03-01T00:00:00+00:00');
  assert.equal(p.embedding_config.handle, 'scripted/hash-256');
  const list = await client.agents.passages.list(agent.id, { ascending: true, limit: 10 });
  assert.ok(Array.isArray(list));
  assert.equal(list[0].id, p.id);
  const res = await client.agents.passages.search(agent.id, { query: 'when is the launch', tags: ['launch'], tag_match_mode: 'any', top_k: 3 });
  assert.equal(res.count, 1);
  assert.equal(res.results[0].id, p.id);
  assert.equal(res.results[0].content, 'Launch is on March 3rd');
  await client.agents.passages.delete(p.id, { agent_id: agent.id });
  assert.deepEqual(await client.agents.passages.list(agent.id), []);
});

test('the tools store and find passages; the count reaches the system prompt', async (t) => {
  const client = new LettaClient({ token: 'unused' });
  t.after(() => client.close());
  client.scripted.define('tools', [
    toolCall('archival_memory_insert', { content: 'The wifi password is hunter2', tags: ['office'] }),
    toolCall('archival_memory_search', { query: 'wifi password' }),
    'done',
  ]);
  const agent = await client.agents.create({ model: 'scripted/tools', tools: ['archival_memory_insert', 'archival_memory_search'] });
  const res = await client.agents.messages.create(agent.id, user('remember the wifi password'));
  assert.equal(res.stopReason.stopReason, 'end_turn');
  const returns = res.messages.filter((m) => m.messageType === 'tool_return_message');
  assert.match(returns[0].toolReturn, /^passage-/);
  const hits = JSON.parse(returns[1].toolReturn);
  assert.equal(hits[0].content, 'The wifi password is hunter2');
  const system = client.scripted.requests('tools').at(-1).messages[0].content;
  assert.match(system, /1 total memories you created are stored in archival memory/);
  assert.match(system, /Available archival memory tags: office/);
  const stored = await client.agents.passages.list(agent.id);
  assert.equal(stored[0].id, returns[0].toolReturn);
});
