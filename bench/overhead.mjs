// Framework overhead per LLM call (the method of shared/reference/peers.md §3.4):
// a 2-step tool loop (a tool call, then the final text) against a loopback OpenAI-compatible
// chat-completions server that answers at once; ms per LLM call of letta-wasm minus a raw `fetch`
// loop's, measured in the same process, alternating blocks so drift hits both alike.
//
//   bash scripts/build.sh && node bench/overhead.mjs [runs=300] [rounds=3]
//
// The raw loop replays the exact request bodies the engine sent (captured during warm-up), so both
// sides move the same bytes and parse the same answers; the difference is the engine's work:
// building the prompt from stored blocks, the provider mapping, the tool call, one store commit
// per step, and the wasm <-> JS crossings. The agent's context is reset before each timed run
// (outside the timing) so every run sends the same prompt.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { LettaClient } = await import(join(root, 'pkg/entry/node.js'));

const RUNS = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 3);
const WARMUP = 50;

// ---- the server: a tool call when the last message is the user's, else the final text ---------
const toolCall = JSON.stringify({
  id: 'chatcmpl-b', object: 'chat.completion', created: 1, model: 'bench',
  choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }],
  usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
});
const final = JSON.stringify({
  id: 'chatcmpl-b', object: 'chat.completion', created: 1, model: 'bench',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'It is sunny in Paris.' } }],
  usage: { prompt_tokens: 120, completion_tokens: 8, total_tokens: 128 },
});
const captured = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    // Cheap routing: the second call of a loop carries a tool result.
    const second = body.includes('"role":"tool"');
    if (captured.length < 2) captured.push(body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(second ? final : toolCall);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/v1`;

// ---- letta-wasm ----------------------------------------------------------------------------------
const client = new LettaClient({ providers: { openai: { apiKey: 'bench', baseUrl: base } } });
await client.tools.create({
  jsonSchema: { name: 'get_weather', description: 'Weather for a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  fn: ({ city }) => `Sunny in ${city}`,
});
const agent = await client.agents.create({
  model: 'openai/gpt-4o-mini',
  memoryBlocks: [{ label: 'persona', value: 'I am a helpful assistant.' }, { label: 'human', value: 'Name: Ada' }],
  tools: ['get_weather'],
});
const request = { messages: [{ role: 'user', content: 'What is the weather in Paris?' }] };
// The same loop on a scripted model (no HTTP at all): the engine's own share of the overhead.
client.scripted.define('bench', (req) =>
  req.messages.at(-1).role === 'tool'
    ? { content: 'It is sunny in Paris.' }
    : { toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
);
const offline = await client.agents.create({
  model: 'scripted/bench',
  memoryBlocks: [{ label: 'persona', value: 'I am a helpful assistant.' }, { label: 'human', value: 'Name: Ada' }],
  tools: ['get_weather'],
});

async function lettaBlock(n, id = agent.id) {
  let ms = 0;
  for (let i = 0; i < n; i++) {
    await client.agents.messages.reset(id);
    const t0 = performance.now();
    const r = await client.agents.messages.create(id, request);
    ms += performance.now() - t0;
    if (r.stopReason.stopReason !== 'end_turn') throw new Error(`run failed: ${JSON.stringify(r.error ?? r.stopReason)}`);
  }
  return ms / (2 * n);
}

// ---- raw fetch, same bytes ----------------------------------------------------------------------
async function rawBlock(n) {
  const [first, second] = captured;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    for (const body of [first, second]) {
      const r = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body,
      });
      const v = await r.json();
      if (!v.choices) throw new Error('bad answer');
    }
  }
  return (performance.now() - t0) / (2 * n);
}

await lettaBlock(WARMUP);
await lettaBlock(WARMUP, offline.id);
if (captured.length !== 2) throw new Error('did not capture both request bodies');
await rawBlock(WARMUP);

console.log(`letta-wasm overhead per LLM call: ${RUNS} two-step tool loops per block, Node ${process.version}`);
console.log(`request bodies: ${captured[0].length} B (tool call), ${captured[1].length} B (final answer)`);
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  const raw1 = await rawBlock(RUNS);
  const letta = await lettaBlock(RUNS);
  const raw2 = await rawBlock(RUNS);
  const scripted = await lettaBlock(RUNS, offline.id);
  const raw = (raw1 + raw2) / 2;
  rows.push({ raw, letta, overhead: letta - raw });
  console.log(
    `round ${round}: raw fetch ${raw.toFixed(3)} ms/call, letta-wasm ${letta.toFixed(3)} ms/call, ` +
      `overhead ${(letta - raw).toFixed(3)} ms/call (of which the engine loop on a scripted model, no HTTP: ${scripted.toFixed(3)})`,
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median overhead: ${median(rows.map((r) => r.overhead)).toFixed(3)} ms per LLM call (target < 0.3)`);
client.close();
server.close();
