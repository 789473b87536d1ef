// letta-wasm's own exports, typed: the named `Letta` (1.x client at runtime, 0.x namespace of types),
// the default export, the fetch handler, both doors' clients.
import LettaDefault, { Letta, LettaClient, createFetchHandler, APIError, Stream, type FetchHandler } from 'letta-wasm';

const v1 = new Letta({ providers: { scripted: { bot: ['hi'] } } });
const same: LettaDefault = v1;
const handler: FetchHandler = createFetchHandler(v1, { apiKey: 'k', cors: ['https://app.example'], maxBodyBytes: 1 << 16 });
createFetchHandler(new LettaClient(), { cors: true });
const role: 'user' = Letta.MessageCreateRole.User; // 0.x consts on the named export
const camel: Letta.AgentState | undefined = undefined; // 0.x types on the named export
const snake: LettaDefault.AgentState | undefined = undefined; // 1.x types on the default export

export async function use(): Promise<void> {
  const agent = await v1.agents.create({ model: 'scripted/bot' });
  const s: Stream<LettaDefault.LettaStreamingResponse> = await v1.agents.messages.stream(agent.id, { messages: [{ role, content: 'x' }] });
  for await (const e of s) if (e.message_type === 'usage_statistics') console.log(e.step_count);
  const r = await handler(new Request('http://x/v1/agents/'));
  console.log(r.status, camel?.llmConfig, snake?.llm_config, same.baseURL);
  v1.tools.bind('add', (args: { a: number }, ctx) => args.a + ctx.agent_id.length);
  v1.scripted.define('bot', [{ content: 'ok' }]);
  try {
    await v1.blocks.retrieve('x');
  } catch (err) {
    if (err instanceof APIError) console.log(err.status, err.error);
    if (err instanceof LettaDefault.UnprocessableEntityError) console.log(err.headers);
  }
  await v1.waitForIdle();
  v1.close();
}
