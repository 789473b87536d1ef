// Type-level use of the rest of the 0.x door and the extensions (not run).
import { LettaClient, Letta, LettaError, LettaTimeoutError, NotFoundError, type ScriptedRequest } from 'letta-wasm';
import { init, initSync } from 'letta-wasm/slim';

await init();
await init(new URL('file:///x.wasm'));
initSync({ module: new Uint8Array(0) });

const client = new LettaClient({
  providers: { scripted: { bot: [{ content: 'hi' }, 'plain', (r: ScriptedRequest) => ({ toolCalls: [{ name: 'add', arguments: { a: r.step } }] })] } },
});
client.scripted.define('echo', async (req) => req.messages.at(-1)?.content ?? '');
const stats: number = client.scripted.stats('echo').peakInFlight;
const reqs = client.scripted.requests('echo');
reqs[0]?.agent_id.toUpperCase();

const tool = await client.tools.create({ jsonSchema: { name: 'add' }, fn: (args: { a: number }, ctx) => args.a + ctx.agentId.length });
await client.tools.create({ sourceCode: 'def f(): pass' });
client.tools.bind(tool.name ?? 'add', () => 'ok');
await client.tools.modify(tool.id, { metadata: { a: 1 } });

const agent = await client.agents.create({ model: 'scripted/bot', tags: ['a'] });
const agents: Letta.AgentState[] = await client.agents.list({ tags: ['a'], matchAllTags: true });
const block: Letta.Block = await client.agents.blocks.retrieve(agent.id, 'persona');
await client.agents.blocks.modify(agent.id, 'persona', { value: 'x' });
await client.agents.blocks.attach(agent.id, block.id);
const res: Letta.LettaResponse = await client.agents.messages.create(agent.id, {
  messages: [{ role: Letta.MessageCreateRole.User, content: 'hello' }],
});
for (const m of res.messages) {
  if (m.messageType === 'assistant_message') console.log(m.content, m.date.getTime());
  if (m.messageType === 'tool_call_message') console.log(m.toolCall.arguments);
}
if (res.stopReason.stopReason === Letta.StopReasonType.EndTurn) console.log(res.usage.totalTokens);

const stream = await client.agents.messages.createStream(agent.id, { messages: [{ role: 'user', content: 'hi' }], streamTokens: true });
for await (const chunk of stream) {
  if ('messageType' in chunk && chunk.messageType === 'reasoning_message') console.log(chunk.reasoning);
  break;
}
const asPromise: Promise<AsyncIterable<Letta.LettaStreamingResponse>> = client.agents.messages.createStream(agent.id, { messages: [] });

const passages: Letta.Passage[] = await client.agents.passages.create(agent.id, { text: 't', tags: ['x'] });
const found = await client.agents.passages.search(agent.id, { query: 'q', tagMatchMode: 'any', topK: 3 });
console.log(passages[0]?.id, found.count, found.results[0]?.timestamp);
await client.agents.messages.reset(agent.id, { addDefaultInitialMessages: false });
const { data, rawResponse } = await client.blocks.retrieve(block.id).withRawResponse();
console.log(data.value, rawResponse.status, stats, agents.length, asPromise);

try {
  await client.agents.retrieve('nope', undefined, { abortSignal: new AbortController().signal, timeoutInSeconds: 5 });
} catch (e) {
  if (e instanceof Letta.NotFoundError) console.log(e.statusCode.toFixed(), e.body);
  if (e instanceof NotFoundError) console.log(e.status);
  if (e instanceof LettaError) console.log(e.rawResponse?.status);
  if (e instanceof LettaTimeoutError) console.log(e.message);
}
client.close();
