// Error classes: status -> class, fields (statusCode, status, body.detail, rawResponse), messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  Letta,
  LettaError,
  LettaTimeoutError,
  NotFoundError,
  PaymentRequiredError,
  UnprocessableEntityError,
} from 'letta-wasm';
import { MISSING, newClient, sleep, user } from './helpers.mjs';

/**
 * Awaits `promise`, which must reject with `Cls` (status `status`) and a detail matching `detail`.
 * Returns the error for further checks.
 */
async function rejectsWith(promise, Cls, status, detail) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a ${Cls.name}, but the call succeeded`);
  assert.ok(err instanceof Cls, `expected a ${Cls.name}, got ${err?.constructor?.name}: ${err?.message}`);
  assert.ok(err instanceof LettaError, 'every status error is a LettaError');
  assert.ok(err instanceof Error);
  assert.equal(err.name, Cls.name);
  assert.equal(err.statusCode, status);
  assert.equal(err.status, status);
  assert.equal(typeof err.body?.detail, 'string', JSON.stringify(err.body));
  assert.match(err.body.detail, detail);
  // Readable message: "<detail> (status N)" first, then 0.x's "Status code: N\nBody: <json>".
  const [first, second, third] = err.message.split('\n');
  assert.equal(first, `${err.body.detail} (status ${status})`);
  assert.equal(second, `Status code: ${status}`);
  assert.equal(third, `Body: ${JSON.stringify(err.body)}`);
  assert.equal(err.rawResponse?.status, status);
  return err;
}

test('Letta namespace exposes the same error classes as the top-level exports', () => {
  assert.equal(Letta.NotFoundError, NotFoundError);
  assert.equal(Letta.UnprocessableEntityError, UnprocessableEntityError);
  assert.equal(Letta.BadRequestError, BadRequestError);
  assert.equal(Letta.ConflictError, ConflictError);
  assert.equal(Letta.AuthenticationError, AuthenticationError);
  assert.equal(Letta.PaymentRequiredError, PaymentRequiredError);
  for (const Cls of [NotFoundError, UnprocessableEntityError, BadRequestError, ConflictError, AuthenticationError, PaymentRequiredError]) {
    assert.equal(Object.getPrototypeOf(Cls), LettaError, `${Cls.name} extends LettaError`);
  }
  // LettaTimeoutError is an Error but not a LettaError (as in 0.x).
  assert.ok(new LettaTimeoutError('t') instanceof Error);
  assert.ok(!(new LettaTimeoutError('t') instanceof LettaError));
  // 0.x constructors: new Letta.NotFoundError(body) / new LettaError({ message, statusCode, body }).
  const e = new Letta.NotFoundError({ detail: 'gone' });
  assert.equal(e.statusCode, 404);
  assert.equal(e.message.split('\n')[0], 'gone (status 404)');
  const plain = new LettaError({ message: 'boom', statusCode: 500, body: { detail: 'x' } });
  assert.equal(plain.status, 500);
  assert.equal(plain.message.split('\n')[0], 'boom (status 500)');
  // Enum consts of the namespace.
  assert.equal(Letta.StopReasonType.EndTurn, 'end_turn');
  assert.equal(Letta.MessageCreateRole.User, 'user');
  assert.equal(Letta.MessageType.ToolReturnMessage, 'tool_return_message');
});

test('NotFoundError (404): unknown agent, block, tool, label', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ memoryBlocks: [{ label: 'persona', value: 'p' }] });
  await rejectsWith(client.agents.retrieve(`agent-${MISSING}`), NotFoundError, 404, /^Agent not found: agent-123e4567/);
  await rejectsWith(client.agents.modify(`agent-${MISSING}`, { name: 'x' }), NotFoundError, 404, /Agent not found/);
  await rejectsWith(client.agents.delete(`agent-${MISSING}`), NotFoundError, 404, /Agent not found/);
  await rejectsWith(client.agents.messages.create(`agent-${MISSING}`, user('hi')), NotFoundError, 404, /Agent not found/);
  await rejectsWith(client.agents.messages.list(`agent-${MISSING}`), NotFoundError, 404, /Agent not found/);
  await rejectsWith(client.blocks.retrieve(`block-${MISSING}`), Letta.NotFoundError, 404, /^Block not found: block-123e4567/);
  await rejectsWith(client.blocks.modify(`block-${MISSING}`, { value: 'x' }), NotFoundError, 404, /Block not found/);
  await rejectsWith(client.blocks.delete(`block-${MISSING}`), NotFoundError, 404, /Block not found/);
  await rejectsWith(client.agents.create({ blockIds: [`block-${MISSING}`] }), NotFoundError, 404, /Block not found/);
  await rejectsWith(client.agents.blocks.attach(agent.id, `block-${MISSING}`), NotFoundError, 404, /Block not found/);
  await rejectsWith(client.tools.retrieve(`tool-${MISSING}`), NotFoundError, 404, /^Tool not found: tool-123e4567/);
  await rejectsWith(client.tools.delete(`tool-${MISSING}`), NotFoundError, 404, /Tool not found/);
  await rejectsWith(client.agents.tools.attach(agent.id, `tool-${MISSING}`), NotFoundError, 404, /Tool not found/);
  await rejectsWith(client.agents.create({ tools: ['no_such_tool'] }), NotFoundError, 404, /Tool not found: 'no_such_tool'/);
  const err = await rejectsWith(client.agents.blocks.retrieve(agent.id, 'nope'), NotFoundError, 404, /No block with label 'nope'/);
  assert.ok(err.body.detail.includes(agent.id));
  await rejectsWith(client.agents.blocks.modify(agent.id, 'nope', { value: 'x' }), NotFoundError, 404, /No block with label 'nope'/);
  // A failed create leaves nothing behind.
  assert.equal(await client.agents.count(), 1);
});

test('UnprocessableEntityError (422): malformed ids, missing fields, wrong types, empty messages', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({});
  await rejectsWith(client.agents.retrieve('agent-1'), UnprocessableEntityError, 422, /'agent-1' is not a valid agent id.*agent-<uuid4>/);
  await rejectsWith(client.blocks.retrieve('nope'), Letta.UnprocessableEntityError, 422, /not a valid block id/);
  await rejectsWith(client.tools.retrieve('tool-xyz'), UnprocessableEntityError, 422, /not a valid tool id/);
  await rejectsWith(client.blocks.create({ value: 'no label' }), UnprocessableEntityError, 422, /^body\.label: field required$/);
  await rejectsWith(client.blocks.create({ label: 'a', value: 5 }), UnprocessableEntityError, 422, /body\.value: expected a string, got a number/);
  await rejectsWith(client.blocks.create({ label: 'a', value: '', limit: 'big' }), UnprocessableEntityError, 422, /body\.limit/);
  await rejectsWith(client.blocks.create({ label: 'a', value: '', limit: -1 }), UnprocessableEntityError, 422, /body\.limit/);
  await rejectsWith(client.agents.create({ name: 5 }), UnprocessableEntityError, 422, /body\.name: expected a string/);
  await rejectsWith(client.agents.messages.create(agent.id, { messages: [] }), UnprocessableEntityError, 422, /must not be empty/);
  await rejectsWith(client.agents.messages.create(agent.id, { messages: 'hi' }), UnprocessableEntityError, 422, /expected a list/);
  await rejectsWith(
    client.agents.messages.create(agent.id, { messages: [{ role: 'robot', content: 'x' }] }),
    UnprocessableEntityError,
    422,
    /role/,
  );
  await rejectsWith(client.agents.messages.create(agent.id, { messages: [{ role: 'user' }] }), UnprocessableEntityError, 422, /content: field required/);
  // camelCase request fields are named by their wire name in the detail.
  await rejectsWith(client.agents.messages.create(agent.id, { ...user('x'), maxSteps: 0 }), UnprocessableEntityError, 422, /max_steps: must be at least 1/);
  await rejectsWith(client.agents.list({ limit: 'x' }), UnprocessableEntityError, 422, /limit/);
  // Nothing was written by the rejected requests.
  assert.equal((await client.agents.messages.list(agent.id)).length, 1, 'only the system message');
  assert.equal(await client.blocks.count(), 0);
});

test('BadRequestError (400): value over a block’s limit (create and modify), duplicate tool name', async (t) => {
  const client = newClient(t);
  await rejectsWith(
    client.blocks.create({ label: 'org', value: '0123456789A', limit: 10 }),
    BadRequestError,
    400,
    /Block limit \(10\).*11 characters/,
  );
  const block = await client.blocks.create({ label: 'org', value: 'Letta', limit: 10 });
  await rejectsWith(client.blocks.modify(block.id, { value: '0123456789A' }), Letta.BadRequestError, 400, /exceeds block limit \(10 characters\)/);
  await rejectsWith(client.blocks.modify(block.id, { limit: 3 }), BadRequestError, 400, /Limit \(3\) cannot be less than current value length/);
  const agent = await client.agents.create({ blockIds: [block.id], memoryBlocks: [{ label: 'notes', value: '', limit: 4 }] });
  await rejectsWith(client.agents.blocks.modify(agent.id, 'org', { value: 'x'.repeat(11) }), BadRequestError, 400, /exceeds block limit/);
  await rejectsWith(client.agents.blocks.modify(agent.id, 'notes', { value: 'xxxxx' }), BadRequestError, 400, /exceeds block limit \(4 characters\)/);
  await rejectsWith(
    client.agents.create({ memoryBlocks: [{ label: 'big', value: 'xxxxx', limit: 4 }] }),
    BadRequestError,
    400,
    /Block limit \(4\)/,
  );
  assert.equal((await client.blocks.retrieve(block.id)).value, 'Letta', 'rejected edits change nothing');
  assert.equal((await client.agents.blocks.retrieve(agent.id, 'notes')).value, '');

  const schema = { name: 'lookup', parameters: { type: 'object', properties: {} } };
  await client.tools.create({ jsonSchema: schema, sourceCode: 'x' });
  await rejectsWith(client.tools.create({ jsonSchema: schema, sourceCode: 'x' }), BadRequestError, 400, /A tool named 'lookup' already exists/);
  await rejectsWith(client.tools.create({ jsonSchema: schema, fn: () => 1 }), BadRequestError, 400, /already exists/);
  await rejectsWith(
    client.tools.create({ jsonSchema: { name: 'send_message' }, sourceCode: 'x' }),
    BadRequestError,
    400,
    /send_message/,
  );
});

test('ConflictError (409): duplicate labels on one agent, at create and at attach', async (t) => {
  const client = newClient(t);
  await rejectsWith(
    client.agents.create({ memoryBlocks: [{ label: 'x', value: '' }, { label: 'x', value: '' }] }),
    ConflictError,
    409,
    /Duplicate block label 'x'/,
  );
  const persona = await client.blocks.create({ label: 'persona', value: 'shared persona' });
  await rejectsWith(
    client.agents.create({ memoryBlocks: [{ label: 'persona', value: 'own' }], blockIds: [persona.id] }),
    Letta.ConflictError,
    409,
    /persona/,
  );
  const agent = await client.agents.create({ memoryBlocks: [{ label: 'persona', value: 'own' }] });
  const err = await rejectsWith(client.agents.blocks.attach(agent.id, persona.id), ConflictError, 409, /already has a block labelled 'persona'/);
  assert.ok(err.body.detail.includes(agent.id));
  // Renaming an attached block onto a label the agent already has.
  const notes = await client.blocks.create({ label: 'notes', value: 'n' });
  await client.agents.blocks.attach(agent.id, notes.id);
  await rejectsWith(client.blocks.modify(notes.id, { label: 'persona' }), ConflictError, 409, /persona/);
  assert.deepEqual((await client.agents.blocks.list(agent.id)).map((b) => [b.label, b.value]), [
    ['persona', 'own'],
    ['notes', 'n'],
  ]);
  assert.equal(await client.agents.count(), 1, 'failed creates leave nothing behind');
});

test('errors carry through withRawResponse() and .catch()', async (t) => {
  const client = newClient(t);
  await assert.rejects(client.agents.retrieve(`agent-${MISSING}`).withRawResponse(), NotFoundError);
  const caught = await client.blocks.retrieve('bad').catch((e) => e);
  assert.ok(caught instanceof UnprocessableEntityError);
  const ok = await client.blocks.create({ label: 'a', value: 'b' }).withRawResponse();
  assert.equal(ok.rawResponse.status, 200);
  assert.equal(ok.data.value, 'b');
});

test('an already aborted request rejects with LettaError and does not run', async (t) => {
  const client = newClient(t);
  const controller = new AbortController();
  controller.abort();
  const err = await client.blocks.create({ label: 'a', value: 'b' }, { abortSignal: controller.signal }).catch((e) => e);
  assert.ok(err instanceof LettaError, String(err));
  assert.match(err.message, /The user aborted a request/);
  assert.equal(err.statusCode, undefined);
  assert.equal(await client.blocks.count(), 0, 'the aborted create did not run');
});

test('timeoutInSeconds rejects with LettaTimeoutError; the engine call runs on', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/slow' });
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  client.scripted.define('slow', async () => {
    await gate; // answers only once the test has seen the timeout
    return 'late answer';
  });
  const err = await client.agents.messages.create(agent.id, user('hi'), { timeoutInSeconds: 0.01 }).catch((e) => e);
  assert.ok(err instanceof LettaTimeoutError, String(err));
  assert.ok(!(err instanceof LettaError));
  assert.match(err.message, /Timeout exceeded when calling POST \/v1\/agents\/agent-.*\/messages/);
  release();
  // The run finishes in the background; the next request queues behind it.
  client.scripted.define('slow', ['second answer']);
  const r = await client.agents.messages.create(agent.id, user('again'));
  assert.equal(r.messages.at(-1).content, 'second answer');
  const history = await client.agents.messages.list(agent.id);
  assert.deepEqual(history.slice(1).map((m) => m.content), ['hi', 'late answer', 'again', 'second answer']);
  await sleep(0);
});

test('createStream with an already aborted signal rejects and does not run', async (t) => {
  const client = newClient(t);
  const agent = await client.agents.create({ model: 'scripted/never' });
  client.scripted.define('never', ['should not be called']);
  const controller = new AbortController();
  controller.abort();
  const err = await client.agents.messages
    .createStream(agent.id, user('hi'), { abortSignal: controller.signal })
    .catch((e) => e);
  assert.ok(err instanceof LettaError, String(err));
  assert.match(err.message, /The user aborted a request/);
  assert.equal(client.scripted.stats('never').calls, 0);
  assert.equal((await client.agents.messages.list(agent.id)).length, 1, 'nothing was written');
});
