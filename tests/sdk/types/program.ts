// A TypeScript program written for @letta-ai/letta-client 1.x. types.test.mjs compiles it with
// `tsc --strict` twice: against the official SDK's types, and against letta-wasm's (the module name is
// mapped by the tsconfig; in an app only the import line changes).
import Letta from '@letta-ai/letta-client';

export async function main(client: Letta): Promise<string[]> {
  const out: string[] = [];
  const shared = await client.blocks.create({ label: 'organization', value: 'Nothing yet.', description: 'Shared' });
  const agent = await client.agents.create({
    model: 'openai/gpt-4o-mini',
    memory_blocks: [{ label: 'persona', value: 'I am a worker' }],
    block_ids: [shared.id],
    tags: ['team'],
  });
  const block = await client.agents.blocks.retrieve('organization', { agent_id: agent.id });
  out.push(block.value, agent.llm_config.model, agent.memory.blocks[0]?.label ?? '');
  await client.agents.blocks.update('persona', { agent_id: agent.id, value: 'I am the boss' });
  const attached = await client.agents.blocks.attach(shared.id, { agent_id: agent.id });
  out.push(...attached.tags);
  await client.blocks.update(shared.id, { value: 'Organization: Letta' });

  const res = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'hi' }] });
  for (const m of res.messages) {
    if (m.message_type === 'assistant_message') out.push(typeof m.content === 'string' ? m.content : '');
    if (m.message_type === 'tool_return_message') out.push(m.status);
  }
  out.push(res.stop_reason.stop_reason, String(res.usage.step_count));

  const stream = await client.agents.messages.stream(agent.id, { messages: [{ role: 'user', content: 'again' }] });
  for await (const chunk of stream) {
    if (chunk.message_type === 'assistant_message') out.push(String(chunk.content));
    if (chunk.message_type === 'stop_reason') out.push(chunk.stop_reason);
  }
  const streamed = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'x' }], streaming: true });
  streamed.controller.signal.throwIfAborted();
  for await (const c of streamed) out.push(c.message_type ?? '');

  for await (const a of client.agents.list({ tags: ['team'], match_all_tags: true, limit: 10 })) out.push(a.id);
  const page = await client.blocks.list({ label: 'organization', limit: 5 });
  out.push(...page.items.map((b) => b.value));
  if (page.hasNextPage()) out.push(String((await page.getNextPage()).items.length));
  for await (const m of client.agents.messages.list(agent.id, { limit: 2 })) out.push(m.id);

  try {
    await client.blocks.retrieve('block-123e4567-e89b-42d3-8456-426614174000');
  } catch (err) {
    if (err instanceof Letta.NotFoundError) out.push(String(err.status));
    else if (err instanceof Letta.APIError) out.push(err.message);
    else throw err;
  }
  const { data, response } = await client.agents.retrieve(agent.id).withResponse();
  out.push(data.name, String(response.status));
  const raw: Response = await client.blocks.retrieve(shared.id).asResponse();
  out.push(String(raw.ok));

  const tool = await client.tools.create({ source_code: 'def f(x: int) -> int:\n    """F.\n\n    Args:\n        x: x\n    """\n    return x\n' });
  await client.agents.tools.attach(tool.id, { agent_id: agent.id });
  for await (const t of client.agents.tools.list(agent.id)) out.push(t.name ?? '');
  const reset = await client.agents.messages.reset(agent.id, { add_default_initial_messages: false });
  out.push(reset?.id ?? '');
  await client.agents.delete(agent.id);
  return out;
}

export const client: Letta = new Letta({ apiKey: 'sk-unused', baseURL: 'http://localhost:8283' });
