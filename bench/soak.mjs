// Soak: many agents on a few shared blocks, a long stream of messages on the scripted model.
//
//   node --expose-gc bench/soak.mjs [--agents 1000] [--blocks 100] [--messages 100000]
//        [--per-agent 3] [--concurrency 64] [--edit 0.5] [--samples 20] [--limit 2000]
//        [--recycle N] [--seed 1] [--quick] [--json]
//
// --quick is 100 agents, 10 blocks, 5,000 messages.
//
// Each agent is attached to --per-agent of the --blocks shared blocks (labels s0..s<B-1>, each
// starting as the line "# s<i>"). Every message goes to a random agent and says what to do:
//   edit   "edit s<i>": the model (scripted/soak) reads the block from its system prompt; if the
//          value is over half the limit it compacts it (memory_replace of exactly the token lines
//          it saw with "": tokens appended meanwhile by other agents survive), otherwise it
//          appends a unique token line (core_memory_append). Then it answers "done".
//   ask    "ask a b": the model answers "<agent_id> <a+b>" with no tool call.
// Messages run --concurrency at a time (runs of one agent queue in the engine; different agents
// run concurrently), and the model yields to the event loop a random 0-2 times per call, so steps
// of different agents interleave and shared-block commits collide.
//
// Checked at the end (exit code 1 on any failure):
//   - every messages.create resolved, with stop reason end_turn, and every "ask" answer names the
//     agent it was sent to and the right sum (no lost or crossed messages);
//   - per block: the tokens whose append succeeded (tool return "success") = the tokens in the
//     block's final value + the tokens removed by successful compactions, each exactly once; no
//     token whose append failed appears anywhere (no lost, doubled or phantom edit);
//   - the model was called exactly as often as the runs need (2 calls per edit, 1 per ask);
//   - per agent (all agents when there are <= 200, else 200 sampled): the stored history holds
//     exactly as many user messages as were sent to it (messages.list).
//
// Memory: every messages/--samples messages, JS heap (heapUsed), RSS, and the wasm linear memory
// (the `memory` export of the wasm instance; it only grows). With --expose-gc a full GC runs before
// each sample. The history of every run is kept in the in-memory store (Letta keeps all messages),
// so memory grows with the messages by design; --recycle N deletes each agent after N runs and
// creates a fresh one in its place (same blocks), so the store reaches a steady state and any
// growth after warm-up is a leak. The verdict compares the last sample to the warm sample (the
// one at half the run, once the engine's capped caches are full).
//
// Not part of the test command: tests/js/load.test.mjs runs a small bounded version.

/** Runs the soak on `client` (a LettaClient). Returns { ok, failures, stats, samples }. */
export async function soak(client, opts = {}) {
  const o = {
    agents: 1000,
    blocks: 100,
    messages: 100000,
    perAgent: 3,
    concurrency: 64,
    edit: 0.5,
    samples: 20,
    limit: 2000,
    recycle: 0,
    seed: 1,
    wasmMemory: null, // () => bytes
    log: () => {},
    ...opts,
  };
  const rand = prng(o.seed);
  const pick = (n) => Math.floor(rand() * n);
  const failures = [];
  const fail = (msg) => {
    if (failures.length < 50) failures.push(msg);
  };

  // ---- the scripted model
  let tokenSeq = 0;
  let modelCalls = 0;
  const yieldRand = prng(o.seed ^ 0x9e3779b9);
  client.scripted.define('soak', async (req) => {
    modelCalls++;
    for (let k = Math.floor(yieldRand() * 3); k > 0; k--) await new Promise(setImmediate);
    const user = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const cmd = user.match(/(edit|ask) (\S+) ?(\S+)?$/);
    if (!cmd) return { content: `unexpected request: ${user.slice(-200)}` };
    if (req.step > 0) return { content: 'done' }; // after the tool return
    if (cmd[1] === 'ask') return { content: `${req.agent_id} ${Number(cmd[2]) + Number(cmd[3])}` };
    const label = cmd[2];
    const value = blockValue(req.messages[0].content, label);
    if (value === null) return { content: `no block ${label}` };
    const lines = value.split('\n');
    if (value.length > o.limit / 2 && lines.length > 1) {
      return { toolCalls: [{ name: 'memory_replace', arguments: { label, old_string: '\n' + lines.slice(1).join('\n'), new_string: '' } }] };
    }
    return { toolCalls: [{ name: 'core_memory_append', arguments: { label, content: `t${(tokenSeq++).toString(36)}` } }] };
  });

  // ---- blocks and agents
  const t0 = performance.now();
  const blocks = [];
  for (let i = 0; i < o.blocks; i++) {
    const b = await client.blocks.create({ label: `s${i}`, value: `# s${i}`, limit: o.limit, description: `shared block ${i}` });
    blocks.push(b);
  }
  const ledger = new Map(blocks.map((b) => [b.label, { appended: [], failed: [], compacted: [] }]));
  const makeAgent = async (slot) => {
    const chosen = new Set();
    while (chosen.size < Math.min(o.perAgent, o.blocks)) chosen.add(pick(o.blocks));
    const labels = [...chosen].map((i) => blocks[i].label);
    const a = await client.agents.create({
      name: `soak-${slot}`,
      model: 'scripted/soak',
      tools: ['core_memory_append', 'memory_replace'],
      blockIds: [...chosen].map((i) => blocks[i].id),
    });
    return { id: a.id, labels, runs: 0, users: 0, busy: 0 };
  };
  const agents = [];
  for (let i = 0; i < o.agents; i++) agents.push(await makeAgent(i));
  const setupMs = performance.now() - t0;
  o.log(`setup: ${o.blocks} blocks, ${o.agents} agents in ${(setupMs / 1000).toFixed(1)} s`);

  // ---- memory samples
  const samples = [];
  const sample = (done) => {
    if (typeof globalThis.gc === 'function') globalThis.gc();
    const m = process.memoryUsage();
    const s = {
      messages: done,
      seconds: (performance.now() - tStart) / 1000,
      heapMB: m.heapUsed / 2 ** 20,
      rssMB: m.rss / 2 ** 20,
      externalMB: m.external / 2 ** 20,
      wasmMB: o.wasmMemory ? o.wasmMemory() / 2 ** 20 : NaN,
    };
    samples.push(s);
    o.log(
      `  ${String(done).padStart(7)} msgs ${s.seconds.toFixed(1).padStart(7)} s  heap ${s.heapMB.toFixed(1).padStart(7)} MB  rss ${s.rssMB
        .toFixed(1)
        .padStart(7)} MB  wasm ${s.wasmMB.toFixed(1).padStart(7)} MB`,
    );
  };

  // ---- the message stream
  const every = Math.max(1, Math.floor(o.messages / o.samples));
  let next = 0;
  let done = 0;
  let edits = 0;
  let asks = 0;
  let recycled = 0;
  const expectedCalls = { n: 0 };
  const tStart = performance.now();
  sample(0);
  const one = async (i) => {
    let slot = pick(agents.length);
    while (agents[slot].id === null) slot = pick(agents.length); // being recycled
    const agent = agents[slot];
    agent.busy++;
    const isEdit = rand() < o.edit;
    let text;
    let want = null;
    if (isEdit) {
      text = `edit ${agent.labels[pick(agent.labels.length)]}`;
      edits++;
    } else {
      const a = pick(1000);
      const b = pick(1000);
      text = `ask ${a} ${b}`;
      want = `${agent.id} ${a + b}`;
      asks++;
    }
    let r;
    try {
      agent.users++;
      r = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: `#${i} ${text}` }] });
    } catch (e) {
      fail(`message #${i} to ${agent.id} threw: ${e?.message ?? e}`);
      agent.busy--;
      return;
    }
    agent.runs++;
    if (r.stopReason?.stopReason !== 'end_turn') fail(`message #${i}: stop reason ${JSON.stringify(r.stopReason)}`);
    const answer = r.messages.filter((m) => m.messageType === 'assistant_message').map((m) => m.content);
    if (isEdit) {
      expectedCalls.n += 2;
      const call = r.messages.find((m) => m.messageType === 'tool_call_message')?.toolCall;
      const ret = r.messages.find((m) => m.messageType === 'tool_return_message');
      if (!call || !ret || answer.join() !== 'done') {
        fail(`message #${i}: edit run shaped ${r.messages.map((m) => m.messageType)} / ${answer}`);
      } else {
        const args = JSON.parse(call.arguments);
        const led = ledger.get(args.label);
        if (call.name === 'core_memory_append') (ret.status === 'success' ? led.appended : led.failed).push(args.content);
        else if (ret.status === 'success') led.compacted.push(...args.old_string.split('\n').filter(Boolean));
      }
    } else {
      expectedCalls.n += 1;
      if (answer.length !== 1 || answer[0] !== want) fail(`message #${i}: answer ${JSON.stringify(answer)}, want ${JSON.stringify(want)}`);
    }
    agent.busy--;
    if (o.recycle && agent.runs >= o.recycle && agent.busy === 0 && agents[slot] === agent) {
      // Replace the agent (and its history) by a fresh one on the same blocks.
      agents[slot] = { ...agent, id: null, busy: 1 }; // reserve the slot while it is rebuilt
      await checkHistory(agent);
      await client.agents.delete(agent.id);
      const fresh = await makeAgent(slot);
      agents[slot] = fresh;
      recycled++;
    }
  };
  const checkHistory = async (agent) => {
    let users = 0;
    let after;
    for (;;) {
      const page = await client.agents.messages.list(agent.id, { limit: 500, order: 'asc', ...(after ? { after } : {}) });
      users += page.filter((m) => m.messageType === 'user_message').length;
      if (page.length < 500) break;
      after = page.at(-1).id;
    }
    if (users !== agent.users) fail(`agent ${agent.id}: ${users} user messages stored, ${agent.users} sent`);
  };
  const workers = Array.from({ length: o.concurrency }, async () => {
    for (;;) {
      const i = next++;
      if (i >= o.messages) return;
      await one(i);
      done++;
      if (done % every === 0) sample(done);
    }
  });
  await Promise.all(workers);
  const runSeconds = (performance.now() - tStart) / 1000;
  if (done % every !== 0) sample(done);
  await client.waitForIdle();

  // ---- checks
  if (done !== o.messages) fail(`${done} of ${o.messages} messages completed`);
  if (modelCalls !== expectedCalls.n) fail(`model called ${modelCalls} times, the runs need ${expectedCalls.n}`);
  let appendedTotal = 0;
  let compactedTotal = 0;
  let failedTotal = 0;
  for (const b of blocks) {
    const led = ledger.get(b.label);
    const value = (await client.blocks.retrieve(b.id)).value;
    const lines = value.split('\n');
    if (lines[0] !== `# s${b.label.slice(1)}`) fail(`block ${b.label}: header lost: ${JSON.stringify(lines[0])}`);
    const present = lines.slice(1);
    const seen = new Map();
    for (const t of [...present, ...led.compacted]) seen.set(t, (seen.get(t) ?? 0) + 1);
    for (const t of led.appended) {
      const n = seen.get(t) ?? 0;
      if (n !== 1) fail(`block ${b.label}: token ${t} appended once, found ${n} times (value + compactions)`);
      seen.delete(t);
    }
    for (const [t, n] of seen) fail(`block ${b.label}: token ${t} (${n}x) was never appended successfully`);
    if (value.length > o.limit) fail(`block ${b.label}: ${value.length} chars over limit ${o.limit}`);
    appendedTotal += led.appended.length;
    compactedTotal += led.compacted.length;
    failedTotal += led.failed.length;
  }
  const sampled = agents.length <= 200 ? agents : Array.from({ length: 200 }, (_, k) => agents[Math.floor((k * agents.length) / 200)]);
  for (const a of sampled) await checkHistory(a);

  const stats = {
    agents: o.agents,
    blocks: o.blocks,
    messages: done,
    edits,
    asks,
    appends: appendedTotal,
    appendsFailed: failedTotal,
    tokensCompacted: compactedTotal,
    recycled,
    setupSeconds: setupMs / 1000,
    runSeconds,
    messagesPerSecond: done / runSeconds,
    modelCalls,
  };
  return { ok: failures.length === 0, failures, stats, samples, verdict: memoryVerdict(samples) };
}

/**
 * Compares the last sample to the warm one, at half the run: the engine's capped caches (the
 * scripted model's last 2,000 requests, up to 20,000 cached messages) fill during the first
 * thousands of messages, and wasm memory never shrinks, so "warm" means after they are full.
 */
export function memoryVerdict(samples) {
  if (samples.length < 3) return null;
  const last = samples.at(-1);
  const warm = samples.find((s) => s.messages >= last.messages * 0.5) ?? samples[1];
  const per1k = (k) => ((last[k] - warm[k]) / Math.max(1, last.messages - warm.messages)) * 1000;
  const out = { warmAt: warm.messages, lastAt: last.messages };
  for (const k of ['heapMB', 'rssMB', 'wasmMB']) {
    out[k] = { warm: warm[k], last: last[k], growthMB: last[k] - warm[k], perThousandMessagesMB: per1k(k) };
  }
  // "Flat": each grew by less than 10% (and 1 MB) of its warm value from warm-up to the end.
  out.flat = ['heapMB', 'wasmMB'].every((k) => Number.isNaN(out[k].growthMB) || out[k].growthMB <= Math.max(1, out[k].warm * 0.1));
  return out;
}

/** The value of block `label` in a compiled system prompt (Letta's <memory_blocks> layout). */
function blockValue(system, label) {
  const start = system.indexOf(`<${label}>\n<description>`);
  if (start < 0) return null;
  const v = system.indexOf('<value>\n', start);
  const end = system.indexOf(`\n</value>\n</${label}>`, v);
  if (v < 0 || end < 0) return null;
  return system.slice(v + 8, end);
}

/** mulberry32 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- command line
if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(
      'usage: node --expose-gc bench/soak.mjs [--agents 1000] [--blocks 100] [--messages 100000] [--per-agent 3]\n' +
        '       [--concurrency 64] [--edit 0.5] [--samples 20] [--limit 2000] [--recycle N] [--seed 1] [--quick] [--json]',
    );
    process.exit(0);
  }
  const opt = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const quick = argv.includes('--quick');
  const { LettaClient } = await import('../pkg/entry/node.js'); // installed users: from 'letta-wasm'
  const { initSync } = await import('../pkg/letta_wasm.js'); // already initialised: returns the exports
  const wasm = initSync();
  const client = new LettaClient();
  const json = argv.includes('--json');
  const result = await soak(client, {
    agents: opt('agents', quick ? 100 : 1000),
    blocks: opt('blocks', quick ? 10 : 100),
    messages: opt('messages', quick ? 5000 : 100000),
    perAgent: opt('per-agent', 3),
    concurrency: opt('concurrency', 64),
    edit: opt('edit', 0.5),
    samples: opt('samples', 20),
    limit: opt('limit', 2000),
    recycle: opt('recycle', 0),
    seed: opt('seed', 1),
    wasmMemory: () => wasm.memory.buffer.byteLength,
    log: json ? () => {} : (s) => console.log(s),
  });
  client.close();
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    const s = result.stats;
    console.log(
      `\n${s.messages} messages (${s.edits} edits: ${s.appends} appends ok, ${s.appendsFailed} refused, ${s.tokensCompacted} tokens compacted; ${s.asks} asks)` +
        ` in ${s.runSeconds.toFixed(1)} s: ${s.messagesPerSecond.toFixed(0)} messages/s (setup ${s.setupSeconds.toFixed(1)} s, ${s.recycled} agents recycled)`,
    );
    const v = result.verdict;
    if (v) {
      for (const k of ['heapMB', 'rssMB', 'wasmMB']) {
        console.log(
          `${k.slice(0, -2).padEnd(5)} warm (${v.warmAt} msgs) ${v[k].warm.toFixed(1)} MB -> end ${v[k].last.toFixed(1)} MB: ${v[k].growthMB >= 0 ? '+' : ''}${v[k].growthMB.toFixed(1)} MB (${v[k].perThousandMessagesMB.toFixed(2)} MB per 1,000 messages)`,
        );
      }
      console.log(`memory flat once warm (heap and wasm within 10%): ${v.flat ? 'yes' : 'NO'}${typeof globalThis.gc === 'function' ? '' : ' (run with --expose-gc for steadier heap figures)'}`);
    }
    console.log(result.ok ? 'checks: no lost, doubled or phantom edit; every message answered correctly' : `FAILED:\n  ${result.failures.join('\n  ')}`);
  }
  process.exit(result.ok ? 0 : 1);
}
