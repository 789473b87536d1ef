// Agents messaging agents through the packed package (wasm): background mailbox runs on the
// JS event loop, waitForIdle, parallel broadcasts, cycles, the interaction log, agents as tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newClient, user, toolReturns, sleep } from './helpers.mjs';

const firstStep = (req) => req.messages.at(-1).role === 'user';
const lastToolMessage = (req) => {
  const m = req.messages.findLast((x) => x.role === 'tool');
  return m && JSON.parse(m.content);
};

test('an async message returns at once and is handled in the background', async (t) => {
  const client = newClient(t);
  const handled = [];
  client.scripted.define('inbox', async (req) => {
    await sleep(40);
    handled.push(req.messages.at(-1).content);
    return { content: 'noted' };
  });
  const inbox = await client.agents.create({ name: 'inbox', model: 'scripted/inbox' });
  client.scripted.define('sender', (req) =>
    firstStep(req)
      ? { toolCalls: [{ name: 'send_message_to_agent_async', arguments: { message: 'ping', other_agent_id: inbox.id } }] }
      : { content: 'sent' },
  );
  const sender = await client.agents.create({ model: 'scripted/sender', includeMultiAgentTools: true });
  const res = await client.agents.messages.create(sender.id, user('tell the inbox'));
  assert.equal(res.stopReason.stopReason, 'end_turn');
  assert.match(toolReturns(res)[0].toolReturn, /^Successfully sent message/);
  assert.deepEqual(handled, [], 'the sender did not wait for the receiver');
  await client.waitForIdle();
  assert.equal(handled.length, 1);
  assert.match(handled[0], /^\[Incoming message from agent with ID 'agent-[0-9a-f-]+' - this is a one-way notification/);
  const log = await client.interactions.list({ agentId: inbox.id });
  assert.equal(log.length, 1);
  assert.equal(log[0].status, 'delivered');
  assert.equal(log[0].senderId, sender.id);
  assert.ok(log[0].createdAt instanceof Date);
});

test('a tag broadcast runs the receivers in parallel and labels each reply', async (t) => {
  const client = newClient(t);
  client.scripted.define('worker', async (req) => {
    await sleep(20);
    return { content: `ready (${req.agentId ?? req.agent_id})` };
  });
  const workers = [];
  for (let i = 0; i < 6; i++) workers.push(await client.agents.create({ name: `w${i}`, model: 'scripted/worker', tags: ['worker'] }));
  client.scripted.define('sup', (req) =>
    firstStep(req)
      ? { toolCalls: [{ name: 'send_message_to_agents_matching_all_tags', arguments: { message: 'status?', tags: ['worker'] } }] }
      : { content: `heard from ${lastToolMessage(req).message.length}` },
  );
  const sup = await client.agents.create({ model: 'scripted/sup', tools: ['send_message_to_agents_matching_all_tags'] });
  const res = await client.agents.messages.create(sup.id, user('round up'));
  const replies = JSON.parse(toolReturns(res)[0].toolReturn);
  assert.deepEqual(replies.map((r) => r.agent_id), workers.map((w) => w.id));
  assert.ok(replies.every((r, i) => r.response[0] === `ready (${workers[i].id})`));
  assert.equal(client.scripted.stats('worker').peakInFlight, 6, 'all six were asked at once');
  assert.equal(res.messages.at(-1).content, 'heard from 6');
});

test('a wait-for-reply cycle comes back as a tool error, not a hang', async (t) => {
  const client = newClient(t);
  const a = await client.agents.create({ model: 'scripted/a', includeMultiAgentTools: true });
  const b = await client.agents.create({ model: 'scripted/b', includeMultiAgentTools: true });
  const ask = (other) => (req) =>
    firstStep(req)
      ? { toolCalls: [{ name: 'send_message_to_agent_and_wait_for_reply', arguments: { message: 'your view?', other_agent_id: other } }] }
      : { content: `${lastToolMessage(req).status}: ${JSON.stringify(lastToolMessage(req).message)}` };
  client.scripted.define('a', ask(b.id));
  client.scripted.define('b', ask(a.id));
  const res = await client.agents.messages.create(a.id, user('discuss'));
  const answer = res.messages.at(-1).content;
  assert.match(answer, /^OK: /);
  assert.match(answer, /Failed: .*cycle/, 'b was refused, then replied to a');
});

test('agents as tools: a JS tool body messages another agent', async (t) => {
  const client = newClient(t);
  client.scripted.define('researcher', (req) => ({ content: `findings on ${req.messages.at(-1).content}` }));
  const researcher = await client.agents.create({ model: 'scripted/researcher' });
  await client.tools.create({
    jsonSchema: { name: 'call_research_agent', description: 'Asks the researcher.', parameters: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] } },
    fn: async ({ topic }, { client: c }) => {
      const r = await c.agents.messages.create(researcher.id, user(topic));
      return r.messages.at(-1).content;
    },
  });
  client.scripted.define('orch', (req) =>
    firstStep(req)
      ? { toolCalls: [{ name: 'call_research_agent', arguments: { topic: 'RAG' } }] }
      : { content: `report: ${lastToolMessage(req).message}` },
  );
  const orch = await client.agents.create({ model: 'scripted/orch', tools: ['call_research_agent'] });
  const res = await client.agents.messages.create(orch.id, user('write a guide'));
  assert.equal(res.messages.at(-1).content, 'report: findings on RAG');
});
