// The seed (shared/seeds/000_*), TypeScript part, with only the import changed. Must pass tsc --strict.
import { LettaClient } from 'letta-wasm'

// create a client to connect to Letta
const client = new LettaClient({
  token: "LETTA_API_KEY"
});

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
export { supervisorAgent, workerAgent };
