// Load and soak, bounded: the small versions of bench/soak.mjs and bench/http-load.mjs.
// Nothing here depends on timing: the assertions are no lost message, no lost or doubled edit,
// correct answers and no 5xx; throughput, memory and latency are only printed (t.diagnostic).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createFetchHandler } from 'letta-wasm';
import { soak } from '../../bench/soak.mjs';
import { httpLoad, latencyTable } from '../../bench/http-load.mjs';
import { newClient } from './helpers.mjs';

// The wasm instance's exports, for its linear memory (the glue module the package entry loaded;
// initSync returns the existing instance). Only reported.
const glue = new URL('../letta_wasm.js', import.meta.resolve('letta-wasm'));
const wasm = (await import(glue.href)).initSync();

test('soak: 100 agents on 10 shared blocks, 1,000 messages: no lost message or edit, every answer right', async (t) => {
  const client = newClient(t);
  const r = await soak(client, {
    agents: 100,
    blocks: 10,
    messages: 1000,
    concurrency: 32,
    limit: 300, // small, so blocks fill up and get compacted during the run
    samples: 4,
    recycle: 8, // agents are deleted and replaced (with their history) during the run
    wasmMemory: () => wasm.memory.buffer.byteLength,
  });
  const s = r.stats;
  t.diagnostic(
    `${s.messages} messages in ${s.runSeconds.toFixed(1)} s (${s.messagesPerSecond.toFixed(0)}/s): ${s.appends} appends, ` +
      `${s.appendsFailed} refused, ${s.tokensCompacted} tokens compacted, ${s.asks} asks, ${s.recycled} agents recycled`,
  );
  for (const m of r.samples) {
    t.diagnostic(`memory at ${m.messages}: heap ${m.heapMB.toFixed(1)} MB, rss ${m.rssMB.toFixed(1)} MB, wasm ${m.wasmMB.toFixed(1)} MB`);
  }
  assert.deepEqual(r.failures, []);
  assert.equal(s.messages, 1000);
  // The scenario did what it is meant to: edits, compactions and recycling all happened.
  assert.ok(s.appends > 250, `appends: ${s.appends}`);
  assert.ok(s.tokensCompacted > 0, 'no block was ever compacted');
  assert.ok(s.recycled > 0, 'no agent was recycled');
});

test('HTTP door: 1,000 requests from 20 concurrent clients on loopback: no 5xx, every answer 200 and right', async (t) => {
  const client = newClient(t);
  const r = await httpLoad(client, createFetchHandler, { clients: 20, requests: 1000, maxSeconds: 60, agents: 20, blocks: 5 });
  t.diagnostic(`${r.stats.requests} requests in ${r.stats.seconds.toFixed(1)} s (${r.stats.requestsPerSecond.toFixed(0)}/s), statuses ${JSON.stringify(r.statuses)}`);
  for (const line of latencyTable(r.latency).split('\n')) t.diagnostic(line);
  assert.deepEqual(r.failures, []);
  assert.equal(r.stats.requests, 1000, `stopped after ${r.stats.requests} requests (time bound)`);
  assert.deepEqual(Object.keys(r.statuses), ['200']);
  for (const kind of ['get_block', 'patch_block', 'get_agent', 'patch_agent', 'get_core_block', 'list_agents', 'post_block', 'message']) {
    assert.ok(r.latency[kind].n > 0, `no ${kind} request was sent`);
  }
});
