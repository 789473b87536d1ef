// The TypeScript example of the "Multi-Agent Shared Memory" guide (seed 000), as written in the
// guide, with ONLY the import changed ('@letta-ai/letta-client' -> 'letta-wasm'). Everything
// after the "---- test harness" line is added by the test suite (tests/js/seed.test.mjs): the
// guide's follow-up (core memory routes) and a JSON report of the state for the test to check.
// Compiled with tsc --strict (tsconfig.json next to this file) and run with node.

// install letta-client with `npm install @letta-ai/letta-client`
import { LettaClient } from 'letta-wasm'

// create a client to connect to Letta
const client = new LettaClient({ token: "LETTA_API_KEY" });

// create a shared memory block
const sharedBlock = await client.blocks.create({
  label: "organization",
  description: "Shared information between all agents within the organization.",
  value: "Nothing here yet, we should update this over time."
});

// create a supervisor agent
const supervisorAgent = await client.agents.create({
  model: "anthropic/claude-3-5-sonnet-20241022",
  embedding: "openai/text-embedding-3-small",
  // blocks created for this agent
  memoryBlocks: [{ label: "persona", value: "I am a supervisor" }],
  // pre-existing shared block that is "attached" to this agent
  blockIds: [sharedBlock.id]
});

// create a worker agent
const workerAgent = await client.agents.create({
  model: "anthropic/claude-3-5-sonnet-20241022",
  embedding: "openai/text-embedding-3-small",
  // blocks created for this agent
  memoryBlocks: [{ label: "persona", value: "I am a worker" }],
  // pre-existing shared block that is "attached" to this agent
  blockIds: [sharedBlock.id]
});

// ---- test harness ------------------------------------------------------------------------------

import type { Letta } from 'letta-wasm';

const summary = (blocks: Letta.Block[]) => blocks.map((b) => ({ id: b.id, label: b.label, value: b.value }));

const before = {
  sharedBlockId: sharedBlock.id,
  supervisor: { id: supervisorAgent.id, blocks: summary(await client.agents.blocks.list(supervisorAgent.id)) },
  worker: { id: workerAgent.id, blocks: summary(await client.agents.blocks.list(workerAgent.id)) },
};

// The guide's follow-up: "worker agents can write the output of their task to a memory block, which is
// then read by a supervisor agent ... using the core memory routes".
// 1. The worker's own (unshared) output block, written through the worker's core memory route and
//    read by the supervisor through the same route.
const outputBlock = await client.blocks.create({ label: "task_output", value: "" });
await client.agents.blocks.attach(workerAgent.id, outputBlock.id);
await client.agents.blocks.modify(workerAgent.id, "task_output", { value: "Task 1 done: 42 widgets counted." });
const readBySupervisor: Letta.Block = await client.agents.blocks.retrieve(workerAgent.id, "task_output");

// 2. The shared block, written through the worker's route, read through the supervisor's.
await client.agents.blocks.modify(workerAgent.id, "organization", { value: "Organization: Letta" });
const sharedViaSupervisor: Letta.Block = await client.agents.blocks.retrieve(supervisorAgent.id, "organization");

console.log(
  JSON.stringify({
    before,
    followUp: {
      outputBlockId: outputBlock.id,
      readBySupervisor: { id: readBySupervisor.id, label: readBySupervisor.label, value: readBySupervisor.value },
      sharedViaSupervisor: { id: sharedViaSupervisor.id, value: sharedViaSupervisor.value },
      supervisorLabels: (await client.agents.blocks.list(supervisorAgent.id)).map((b) => b.label),
    },
  }),
);
client.close();
