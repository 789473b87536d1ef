// Load on the HTTP door: createFetchHandler served by node:http on 127.0.0.1 (a random port), and a
// load generator in the same process sending concurrent requests over loopback.
//
//   node bench/http-load.mjs [--clients 50] [--requests 20000] [--max-seconds 120] [--agents 50]
//        [--blocks 10] [--seed 1] [--json]
//
// Request mix (weights): GET block 15, PATCH block (whole value) 10, GET agent 15, PATCH agent
// (description) 10, GET core-memory block by label 10, GET agents list (limit 20) 5, POST block 5,
// POST messages 30 (half ask the scripted model a sum, half make it append a token to a shared
// block with core_memory_append, so agent commits collide with the PATCHes on the same blocks).
// Bounded in count (--requests) and time (--max-seconds: no new request after it).
//
// Checked (exit code 1 on failure): no 5xx and no status other than 200 (409 "CONFLICT" answers,
// which the API documents as retryable, are counted and reported separately, and fail too); every
// answer has the right shape (the id asked for; a message run ends with end_turn, and a sum is
// answered by the agent asked, correctly); the server saw every request.
// Reported: throughput, and p50/p90/p99/max latency per request kind (client-side, including
// the in-process server; both share one event loop, as a single-isolate Worker would).
//
// Not part of the test command: tests/js/load.test.mjs runs a small bounded version.

import http from 'node:http';
import { Readable } from 'node:stream';

/** Serves `handler` on 127.0.0.1 (random port): { url, close(), served() }. The adapter of docs/http.md. */
export async function serve(handler) {
  let served = 0;
  const server = http.createServer(async (req, res) => {
    served++;
    const abort = new AbortController();
    res.on('close', () => res.writableFinished || abort.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) for (const v of [].concat(value ?? [])) headers.append(name, v);
    try {
      const response = await handler(
        new Request(new URL(req.url, `http://${req.headers.host}`), {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Readable.toWeb(req),
          duplex: 'half',
          signal: abort.signal,
        }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of response.body) res.write(chunk);
      res.end();
    } catch (e) {
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`adapter: the handler threw: ${e?.stack ?? e}`);
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    served: () => served,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

const MIX = [
  ['get_block', 15],
  ['patch_block', 10],
  ['get_agent', 15],
  ['patch_agent', 10],
  ['get_core_block', 10],
  ['list_agents', 5],
  ['post_block', 5],
  ['message', 30],
];

/**
 * Runs the load against `client` (a LettaClient, for its scripted model) and `createFetchHandler`.
 * Returns { ok, failures, stats, latency: { kind: { n, p50, p90, p99, max } }, statuses }.
 */
export async function httpLoad(client, createFetchHandler, opts = {}) {
  const o = { clients: 50, requests: 20000, maxSeconds: 120, agents: 50, blocks: 10, seed: 1, log: () => {}, ...opts };
  const rand = prng(o.seed);
  const pick = (n) => Math.floor(rand() * n);
  const failures = [];
  const fail = (msg) => {
    if (failures.length < 50) failures.push(msg);
  };

  let tokenSeq = 0;
  client.scripted.define('http-load', async (req) => {
    if (rand() < 0.5) await new Promise(setImmediate);
    const user = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const cmd = user.match(/(append|ask) (\S+) ?(\S+)?$/);
    if (!cmd) return { content: `unexpected: ${user.slice(-100)}` };
    if (req.step > 0) return { content: 'done' };
    if (cmd[1] === 'ask') return { content: `${req.agent_id} ${Number(cmd[2]) + Number(cmd[3])}` };
    return { toolCalls: [{ name: 'core_memory_append', arguments: { label: cmd[2], content: `h${(tokenSeq++).toString(36)}` } }] };
  });

  const handler = createFetchHandler(client, { apiKey: 'load-test-key' });
  const server = await serve(handler);
  const headers = { authorization: 'Bearer load-test-key', 'content-type': 'application/json' };
  const call = async (method, path, body) => {
    const r = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: r.status, json };
  };

  // Setup over HTTP too.
  const blocks = [];
  for (let i = 0; i < o.blocks; i++) {
    const r = await call('POST', '/v1/blocks/', { label: `h${i}`, value: `# h${i}`, limit: 100000 });
    if (r.status !== 200) throw new Error(`setup: POST /v1/blocks/ -> ${r.status} ${JSON.stringify(r.json)}`);
    blocks.push(r.json);
  }
  const agents = [];
  for (let i = 0; i < o.agents; i++) {
    const chosen = [pick(o.blocks), pick(o.blocks)].filter((v, k, a) => a.indexOf(v) === k);
    const r = await call('POST', '/v1/agents/', {
      name: `load-${i}`,
      model: 'scripted/http-load',
      tools: ['core_memory_append'],
      block_ids: chosen.map((k) => blocks[k].id),
    });
    if (r.status !== 200) throw new Error(`setup: POST /v1/agents/ -> ${r.status} ${JSON.stringify(r.json)}`);
    agents.push({ id: r.json.id, labels: chosen.map((k) => blocks[k].label) });
  }

  const total = Math.ceil(MIX.reduce((s, [, w]) => s + w, 0));
  const chooseKind = () => {
    let x = rand() * total;
    for (const [k, w] of MIX) if ((x -= w) < 0) return k;
    return MIX.at(-1)[0];
  };
  const lat = Object.fromEntries(MIX.map(([k]) => [k, []]));
  const statuses = {};
  let sent = 0;
  let conflicts = 0;
  let stoppedByTime = false;
  const t0 = performance.now();
  const deadline = t0 + o.maxSeconds * 1000;

  const one = async (i) => {
    const kind = chooseKind();
    const agent = agents[pick(agents.length)];
    const block = blocks[pick(blocks.length)];
    let req;
    let check;
    switch (kind) {
      case 'get_block':
        req = ['GET', `/v1/blocks/${block.id}`];
        check = (j) => j.id === block.id && typeof j.value === 'string';
        break;
      case 'patch_block':
        req = ['PATCH', `/v1/blocks/${block.id}`, { value: `# ${block.label} set by request ${i}` }];
        check = (j) => j.id === block.id && typeof j.value === 'string';
        break;
      case 'get_agent':
        req = ['GET', `/v1/agents/${agent.id}`];
        check = (j) => j.id === agent.id;
        break;
      case 'patch_agent':
        req = ['PATCH', `/v1/agents/${agent.id}`, { description: `request ${i}` }];
        check = (j) => j.id === agent.id && j.description === `request ${i}`;
        break;
      case 'get_core_block': {
        const label = agent.labels[pick(agent.labels.length)];
        req = ['GET', `/v1/agents/${agent.id}/core-memory/blocks/${label}`];
        check = (j) => j.label === label;
        break;
      }
      case 'list_agents':
        req = ['GET', '/v1/agents/?limit=20'];
        check = (j) => Array.isArray(j) && j.length === Math.min(20, agents.length);
        break;
      case 'post_block':
        req = ['POST', '/v1/blocks/', { label: `new${i}`, value: `created by request ${i}` }];
        check = (j) => typeof j.id === 'string' && j.label === `new${i}`;
        break;
      case 'message': {
        if (rand() < 0.5) {
          const a = pick(1000);
          const b = pick(1000);
          req = ['POST', `/v1/agents/${agent.id}/messages`, { messages: [{ role: 'user', content: `#${i} ask ${a} ${b}` }] }];
          const want = `${agent.id} ${a + b}`;
          check = (j) =>
            j.stop_reason?.stop_reason === 'end_turn' &&
            j.messages.filter((m) => m.message_type === 'assistant_message').map((m) => m.content).join() === want;
        } else {
          const label = agent.labels[pick(agent.labels.length)];
          req = ['POST', `/v1/agents/${agent.id}/messages`, { messages: [{ role: 'user', content: `#${i} append ${label}` }] }];
          check = (j) =>
            j.stop_reason?.stop_reason === 'end_turn' &&
            j.messages.some((m) => m.message_type === 'tool_return_message' && m.status === 'success');
        }
        break;
      }
    }
    const start = performance.now();
    let r;
    try {
      r = await call(...req);
    } catch (e) {
      fail(`#${i} ${req[0]} ${req[1]}: fetch failed: ${e?.cause?.message ?? e?.message ?? e}`);
      statuses.network = (statuses.network ?? 0) + 1;
      return;
    }
    lat[kind].push(performance.now() - start);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status === 409 && /CONFLICT/.test(r.json?.detail ?? '')) conflicts++;
    if (r.status !== 200) fail(`#${i} ${req[0]} ${req[1]} -> ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    else if (!check(r.json)) fail(`#${i} ${req[0]} ${req[1]}: unexpected answer ${JSON.stringify(r.json).slice(0, 300)}`);
  };

  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      for (;;) {
        if (sent >= o.requests) return;
        if (performance.now() > deadline) {
          stoppedByTime = true;
          return;
        }
        await one(sent++);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const served = server.served() - o.blocks - o.agents;
  await server.close();
  if (served !== sent) fail(`the server saw ${served} requests, the clients sent ${sent}`);
  if (stoppedByTime) o.log(`stopped by --max-seconds after ${sent} requests`);

  const latency = {};
  const all = [];
  for (const [k, xs] of Object.entries(lat)) {
    all.push(...xs);
    latency[k] = pct(xs);
  }
  latency.all = pct(all);
  return {
    ok: failures.length === 0,
    failures,
    statuses,
    latency,
    stats: { clients: o.clients, requests: sent, seconds, requestsPerSecond: sent / seconds, conflicts, stoppedByTime },
  };
}

function pct(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN);
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s.length ? s.at(-1) : NaN };
}

/** Latency table as text. */
export function latencyTable(latency) {
  const rows = [`${'kind'.padEnd(15)} ${'n'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p90 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`];
  for (const [k, v] of Object.entries(latency)) {
    rows.push(`${k.padEnd(15)} ${String(v.n).padStart(6)} ${[v.p50, v.p90, v.p99, v.max].map((x) => x.toFixed(1).padStart(8)).join(' ')}`);
  }
  return rows.join('\n');
}

function prng(seed) {
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
    console.log('usage: node bench/http-load.mjs [--clients 50] [--requests 20000] [--max-seconds 120] [--agents 50] [--blocks 10] [--seed 1] [--json]');
    process.exit(0);
  }
  const opt = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const { LettaClient, createFetchHandler } = await import('../pkg/entry/node.js'); // installed users: from 'letta-wasm'
  const client = new LettaClient();
  const json = argv.includes('--json');
  const result = await httpLoad(client, createFetchHandler, {
    clients: opt('clients', 50),
    requests: opt('requests', 20000),
    maxSeconds: opt('max-seconds', 120),
    agents: opt('agents', 50),
    blocks: opt('blocks', 10),
    seed: opt('seed', 1),
    log: (s) => console.log(s),
  });
  client.close();
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    const s = result.stats;
    console.log(`${s.requests} requests from ${s.clients} concurrent clients in ${s.seconds.toFixed(1)} s: ${s.requestsPerSecond.toFixed(0)} requests/s`);
    console.log(`statuses: ${JSON.stringify(result.statuses)} (409 CONFLICT: ${s.conflicts})`);
    console.log(latencyTable(result.latency));
    console.log(result.ok ? 'checks: no 5xx, every answer 200 and correct' : `FAILED:\n  ${result.failures.join('\n  ')}`);
  }
  process.exit(result.ok ? 0 : 1);
}
