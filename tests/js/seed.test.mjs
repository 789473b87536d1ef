// Seed 000 ("Multi-Agent Shared Memory"): its TypeScript example must compile under --strict and run
// with only the import changed. seed/shared-memory.ts is that example plus a small harness that
// prints the resulting state as JSON; this test compiles it with tsc, runs it with node and checks
// what it printed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const seedDir = join(here, 'seed');
// The repo root's dev dependency (see the root package.json); not a dependency of tests/js.
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

// The guide's TypeScript block as published (seed 000 keeps it on one line; whitespace is not compared).
const GUIDE_TS =
  '// install letta-client with `npm install @letta-ai/letta-client` ' +
  "import { LettaClient } from '@letta-ai/letta-client' " +
  '// create a client to connect to Letta const client = new LettaClient({ token: "LETTA_API_KEY" }); ' +
  '// create a shared memory block const sharedBlock = await client.blocks.create({ label: "organization", ' +
  'description: "Shared information between all agents within the organization.", ' +
  'value: "Nothing here yet, we should update this over time." }); ' +
  '// create a supervisor agent const supervisorAgent = await client.agents.create({ ' +
  'model: "anthropic/claude-3-5-sonnet-20241022", embedding: "openai/text-embedding-3-small", ' +
  '// blocks created for this agent memoryBlocks: [{ label: "persona", value: "I am a supervisor" }], ' +
  '// pre-existing shared block that is "attached" to this agent blockIds: [sharedBlock.id] }); ' +
  '// create a worker agent const workerAgent = await client.agents.create({ ' +
  'model: "anthropic/claude-3-5-sonnet-20241022", embedding: "openai/text-embedding-3-small", ' +
  '// blocks created for this agent memoryBlocks: [{ label: "persona", value: "I am a worker" }], ' +
  '// pre-existing shared block that is "attached" to this agent blockIds: [sharedBlock.id] });';

const squash = (s) => s.split(/\s+/).filter(Boolean).join(' ');

test("seed 000: the example is the guide's, with only the import changed", async () => {
  const src = await readFile(join(seedDir, 'shared-memory.ts'), 'utf8');
  const example = src.slice(src.indexOf('// install letta-client'), src.indexOf('// ---- test harness'));
  const ours = "import { LettaClient } from 'letta-wasm'";
  assert.equal(example.split(ours).length, 2, 'the example imports LettaClient from letta-wasm, once');
  assert.equal(squash(example.replace(ours, "import { LettaClient } from '@letta-ai/letta-client'")), squash(GUIDE_TS));
});

test('seed 000: compiles with tsc --strict and runs in node', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'letta-wasm-seed-'));
  t.after(() => rm(out, { recursive: true, force: true }));

  // Compile (type errors fail the test with tsc's output).
  try {
    await run(process.execPath, [tsc, '-p', join(seedDir, 'tsconfig.json'), '--outDir', out], { cwd: here });
  } catch (err) {
    assert.fail(`tsc --strict failed:\n${err.stdout}${err.stderr}`);
  }
  // The emitted ESM resolves 'letta-wasm' from tests/js/node_modules.
  await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(here, 'node_modules'), join(out, 'node_modules'), 'dir');

  const { stdout } = await run(process.execPath, [join(out, 'shared-memory.js')], { cwd: out });
  const report = JSON.parse(stdout.trim().split('\n').at(-1));
  const { before, followUp } = report;

  // Both agents hold their own persona and THE SAME organization block.
  for (const [who, persona] of [['supervisor', 'I am a supervisor'], ['worker', 'I am a worker']]) {
    const blocks = before[who].blocks;
    assert.deepEqual(blocks.map((b) => b.label), ['persona', 'organization'], who);
    assert.equal(blocks[0].value, persona);
    assert.equal(blocks[1].id, before.sharedBlockId, `${who}'s organization block is the shared one`);
    assert.equal(blocks[1].value, 'Nothing here yet, we should update this over time.');
  }
  assert.notEqual(before.supervisor.blocks[0].id, before.worker.blocks[0].id, 'personas are separate blocks');
  assert.notEqual(before.supervisor.id, before.worker.id);
  assert.match(before.supervisor.id, /^agent-[0-9a-f-]{36}$/);

  // Follow-up: the worker's output block, read back through the worker's core memory route.
  assert.deepEqual(followUp.readBySupervisor, {
    id: followUp.outputBlockId,
    label: 'task_output',
    value: 'Task 1 done: 42 widgets counted.',
  });
  // A write through the worker's route is what the supervisor's route reads.
  assert.deepEqual(followUp.sharedViaSupervisor, { id: before.sharedBlockId, value: 'Organization: Letta' });
  assert.deepEqual(followUp.supervisorLabels, ['persona', 'organization'], 'the output block is the worker’s only');
});
