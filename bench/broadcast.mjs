// Benchmark: a supervisor broadcasts to N agents whose model answers after a fixed delay.
//
//   node bench/broadcast.mjs [--delay MS] [--sizes 10,100,1000] [--runs 3] [--json]
//
// Each receiver runs on the scripted model `scripted/worker`, a JS function that waits DELAY ms
// (setTimeout, like a model over the network) and answers. The supervisor calls
// `send_message_to_agents_matching_all_tags` once; the engine runs every matching agent in
// parallel, so the broadcast should take about one delay, not N. Reported per N:
//   broadcast ms   the supervisor's messages.create (its 2 model steps are instant), i.e. the fan-out;
//                  the median of --runs runs, each on a fresh engine
//   / delay        broadcast ms over the delay: ~1 is parallel, ~N would be sequential
//   peak           the worker model's peak number of requests in flight (N when all overlap)
//   overhead/agent (broadcast ms - delay) / N: the engine's own cost per receiver (a run, its
//                  commits, the interaction log entry)
// Not part of the test command (scripts/test.sh); the parallelism itself is asserted in
// tests/multi_agent.rs and tests/js/seed-teams.test.mjs on peak in flight, not on time.

import { LettaClient } from '../pkg/entry/node.js'; // installed users write: import { LettaClient } from 'letta-wasm';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
if (argv.includes('--help')) {
  console.log('usage: node bench/broadcast.mjs [--delay MS] [--sizes 10,100,1000] [--runs 3] [--json]');
  process.exit(0);
}
const DELAY = Number(opt('delay', 50));
const SIZES = String(opt('sizes', '10,100,1000')).split(',').map(Number);
const RUNS = Number(opt('runs', 3));
const asJson = argv.includes('--json');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function bench(n) {
  const client = new LettaClient();
  client.scripted.define('worker', async (req) => {
    await sleep(DELAY);
    return { content: `ok from ${req.agent_id}` };
  });
  client.scripted.define('supervisor', (req) =>
    req.messages.at(-1).role === 'user'
      ? { toolCalls: [{ name: 'send_message_to_agents_matching_all_tags', arguments: { message: 'status?', tags: ['worker'] } }] }
      : { content: 'done' },
  );

  const t0 = performance.now();
  for (let i = 0; i < n; i++) await client.agents.create({ name: `w${i}`, model: 'scripted/worker', tags: ['worker'] });
  const sup = await client.agents.create({ name: 'supervisor', model: 'scripted/supervisor', tools: ['send_message_to_agents_matching_all_tags'] });
  const setupMs = performance.now() - t0;

  const t1 = performance.now();
  const res = await client.agents.messages.create(sup.id, { messages: [{ role: 'user', content: 'go' }] });
  const broadcastMs = performance.now() - t1;

  // The replies as the supervisor got them (the tool return; cut at its return char limit when big)
  // and as the interaction log keeps them (every exchange, in full).
  const ret = res.messages.find((m) => m.messageType === 'tool_return_message')?.toolReturn ?? '';
  let inReturn;
  try {
    inReturn = JSON.parse(ret).filter((r) => r.response?.length).length;
  } catch {
    inReturn = null; // not valid JSON: truncated
  }
  const log = await client.interactions.list({ limit: 100000 });
  const answered = log.filter((x) => x.status === 'replied' && x.reply?.length).length;
  const { peakInFlight, calls } = client.scripted.stats('worker');
  const logged = log.length;
  client.close();
  return {
    agents: n,
    delayMs: DELAY,
    setupMs: Math.round(setupMs),
    broadcastMs: Math.round(broadcastMs),
    delays: Math.round((broadcastMs / DELAY) * 100) / 100,
    sequentialMs: n * DELAY,
    peakInFlight,
    modelCalls: calls,
    answered,
    logged,
    returnChars: ret.length,
    returnComplete: inReturn === n,
    overheadPerAgentMs: Math.round(((broadcastMs - DELAY) / n) * 1000) / 1000,
    stopReason: res.stopReason.stopReason,
  };
}

// A warm-up (JIT, wasm tiering), then each size RUNS times on a fresh engine; the median run is kept.
await bench(10);
const rows = [];
for (const n of SIZES) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await bench(n));
  runs.sort((a, b) => a.broadcastMs - b.broadcastMs);
  rows.push({ ...runs[Math.floor(runs.length / 2)], runs: runs.map((r) => r.broadcastMs) });
}

if (asJson) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log(`Broadcast to N agents, each answering after ${DELAY} ms (send_message_to_agents_matching_all_tags; median of ${RUNS} runs)\n`);
  const head = ['agents', 'broadcast ms', '/ delay', 'if sequential', 'peak in flight', 'replied (log)', 'tool return', 'overhead/agent', 'setup ms'];
  const table = rows.map((r) =>
    [
      r.agents,
      r.broadcastMs,
      `${r.delays}×`,
      `${r.sequentialMs} ms`,
      r.peakInFlight,
      `${r.answered}/${r.agents}`,
      `${r.returnChars} chars${r.returnComplete ? '' : ' (cut)'}`,
      `${r.overheadPerAgentMs} ms`,
      r.setupMs,
    ].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`);
  for (const row of table) console.log(line(row));
  console.log('\nsetup ms: creating the N agents one by one (not part of the broadcast).');
  console.log('tool return: the JSON the supervisor model gets; "(cut)" = longer than the tool return char limit, so truncated.');
}
const bad = rows.filter((r) => r.answered !== r.agents || r.stopReason !== 'end_turn');
if (bad.length) console.error(`some broadcasts did not get every reply: ${JSON.stringify(bad)}`);
// Exit explicitly: the engine can leave timers behind (see examples/seeds/common.mjs, exit()).
process.stdout.write('', () => process.exit(bad.length ? 1 : 0));
