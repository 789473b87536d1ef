// A small team of Letta agents that coordinates through SHARED MEMORY BLOCKS, all in-process.
//
//   node examples/team.mjs ["goal"] [--json] [--scripted]      (or: bash scripts/team.sh ...)
//
// Three agents, each with its own `persona` block, all attached to two shared blocks:
//   tasks      the task board (JSON: id, description, assigned_to, status, depends_on)
//   workspace  where workers post their results
// The app is the orchestrator (as in a Letta "coordination cycle"):
//   1. the coordinator gets a goal and writes tasks onto the board (memory_rethink);
//   2. in rounds, every worker with a ready task is woken up, in parallel; it finds its task in its
//      own prompt (the shared board), appends its result to `workspace` (core_memory_append) and
//      marks the task done (memory_replace); a task waits until the tasks it depends on are done;
//   3. the coordinator reviews the workspace and answers with a summary.
// Then the outcome is checked; the exit code is 0 only if every task is done, the workspace holds
// each worker's results and the summary names every task (1 otherwise, 2 if the model is unusable).
//
// The agents run on built-in scripted models (`scripted/<role>`, programmed in ./brains.mjs): no
// network, no API key, same result every time. With OPENAI_API_KEY or ANTHROPIC_API_KEY set, they
// use that provider instead (unless --scripted is given).

import { LettaClient } from '../pkg/entry/node.js'; // installed users write: import { LettaClient } from 'letta-wasm';
import * as brains from './brains.mjs';

const loadedMs = performance.now(); // process start -> engine loaded (the wasm compiles at import)

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: node examples/team.mjs ["goal"] [--json] [--scripted]');
  process.exit(0);
}
const asJson = argv.includes('--json');
const goal = argv.filter((a) => !a.startsWith('--')).join(' ').trim() || 'Write a short brief on how Letta agents coordinate through shared memory blocks';

// ---------------------------------------------------------------------------------------------
// Model: scripted brains by default, a hosted model when an API key is set.
// A hosted model that cannot be reached (no network, a bad key) ends the run with `llm_api_error`;
// the example then prints the provider's error and exits 2.

const hosted = argv.includes('--scripted')
  ? null
  : process.env.OPENAI_API_KEY
    ? { provider: 'openai', model: 'openai/gpt-4o-mini', apiKey: process.env.OPENAI_API_KEY }
    : process.env.ANTHROPIC_API_KEY
      ? { provider: 'anthropic', model: 'anthropic/claude-3-5-haiku-latest', apiKey: process.env.ANTHROPIC_API_KEY }
      : null;

const client = new LettaClient(hosted ? { providers: { [hosted.provider]: { apiKey: hosted.apiKey } } } : {});
const ROLES = ['coordinator', 'researcher', 'writer'];
const WORKERS = ['researcher', 'writer'];
if (!hosted) for (const role of ROLES) client.scripted.define(role, brains[role]);
const modelOf = (role) => hosted?.model ?? `scripted/${role}`;

// ---------------------------------------------------------------------------------------------
// Output

const paint = (code) => (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[${code}m${s}\x1b[0m` : s);
const [bold, dim, red, green, cyan] = ['1', '2', '31', '32', '36'].map(paint);
const log = asJson ? () => {} : (...lines) => console.log(...lines);
const indent = (text, pad) => String(text).replaceAll('\n', `\n${pad}`);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const clip = (s, n = 90) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One line about a tool call: what it did to which block. */
function describeCall({ name, arguments: raw }) {
  let a;
  try {
    a = JSON.parse(raw);
  } catch {
    return `${name}(${clip(raw, 60)})`;
  }
  const head = `${name.padEnd(18)} ${a.label}:`;
  switch (name) {
    case 'memory_rethink': {
      const { tasks } = brains.parseBoard(a.new_memory ?? '');
      const list = tasks.map((t) => `${t.id} ${t.assigned_to}${t.depends_on?.length ? ` (after ${t.depends_on.join(', ')})` : ''}`);
      return `${head} ${tasks.length ? `wrote ${tasks.length} tasks: ${list.join(', ')}` : `rewrote it (${a.new_memory?.length} chars)`}`;
    }
    case 'core_memory_append':
      return `${head} + ${clip(JSON.stringify(a.content?.trim() ?? ''), 70)}`;
    case 'memory_replace': {
      // Show only what changed, e.g. T1 "pending" → "done".
      const [o, n] = [a.old_string ?? '', a.new_string ?? ''];
      let p = 0;
      while (p < o.length && o[p] === n[p]) p++;
      let s = 0;
      while (s < o.length - p && s < n.length - p && o.at(-1 - s) === n.at(-1 - s)) s++;
      const id = o.match(/"id":\s*"([^"]+)"/)?.[1];
      const cut = (x) => clip(JSON.stringify(x.slice(p, x.length - s)), 40);
      return `${head} ${id ? `${id} ` : ''}${cut(o)} → ${cut(n)}`;
    }
    default:
      return `${name}(${clip(raw, 60)})`;
  }
}

function printResponse(role, response) {
  for (const m of response.messages) {
    if (m.messageType === 'reasoning_message') log(dim(`    · ${m.reasoning}`));
    else if (m.messageType === 'tool_call_message') log(`    ⚙ ${describeCall(m.toolCall)}`);
    else if (m.messageType === 'tool_return_message' && m.status !== 'success') log(red(`      ✗ ${clip(m.toolReturn, 200)}`));
    else if (m.messageType === 'assistant_message') log(`    ${cyan(`${role}:`)} ${indent(m.content, '      ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Asking an agent (and counting its tokens)

const usage = Object.fromEntries(ROLES.map((r) => [r, { runs: 0, steps: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 }]));
const transcript = [];

class ModelUnavailable extends Error {}

async function ask(role, text) {
  const t = performance.now();
  const response = await client.agents.messages.create(team[role].id, { messages: [{ role: 'user', content: text }] });
  const ms = performance.now() - t;
  const stop = response.stopReason?.stopReason;
  if (stop === 'llm_api_error') {
    throw new ModelUnavailable(`${modelOf(role)} failed for the ${role}: ${response.error?.message ?? stop}`);
  }

  const u = usage[role];
  u.runs += 1;
  u.steps += response.usage?.stepCount ?? 0;
  for (const k of ['promptTokens', 'completionTokens', 'totalTokens']) u[k] += response.usage?.[k] ?? 0;
  const reply = response.messages.filter((m) => m.messageType === 'assistant_message').map((m) => m.content).join('\n');
  const tools = response.messages.filter((m) => m.messageType === 'tool_call_message').map((m) => m.toolCall.name);
  transcript.push({ agent: role, asked: text, tools, reply, stopReason: stop, ms: Math.round(ms * 10) / 10 });
  return { role, text, response, ms };
}

function printAsk({ role, text, response, ms }) {
  log(`  ${bold(`app → ${role}`)}: ${text} ${dim(`(${ms.toFixed(1)} ms, ${plural(response.usage?.stepCount ?? 0, 'step')})`)}`);
  printResponse(role, response);
  const stop = response.stopReason?.stopReason;
  if (stop !== 'end_turn') log(red(`    (the run stopped: ${stop})`));
}

const readBoard = async () => brains.parseBoard((await client.blocks.retrieve(tasks.id)).value);

// ---------------------------------------------------------------------------------------------
// The team

const tasks = await client.blocks.create({
  label: 'tasks',
  description: 'The team task board, JSON. Shared by every agent of the team.',
  value: brains.formatBoard({ goal: null, tasks: [] }),
  limit: 4000,
});
const workspace = await client.blocks.create({
  label: 'workspace',
  description: 'Shared results. Workers append a section per task; nobody overwrites it.',
  value: '# Team workspace',
  limit: 8000,
});

const PROTOCOL =
  'The `tasks` block is JSON {"goal", "tasks": [{"id", "description", "assigned_to", "status", "depends_on"}]}, one task per line.';
const PERSONAS = {
  coordinator:
    'I am the coordinator of a researcher and a writer. Given a goal, I write the plan onto the `tasks` block with memory_rethink ' +
    '(ids T1, T2, ...; status "pending"; depends_on lists the ids a task needs first); I do not do the tasks myself. ' +
    'Asked to review, I read the `workspace` block and answer with a summary that names every task id and its outcome. ' +
    PROTOCOL,
  researcher:
    'I am the researcher. On my turn I take my first task on the `tasks` board that is assigned to "researcher", is "pending" ' +
    'and whose depends_on tasks are all "done". I look it up in my `library` block, append my findings to `workspace` with ' +
    'core_memory_append as a section that starts "## <id> (researcher)" followed by "- " fact lines, then set that task\'s ' +
    'status to "done" with memory_replace on its line. One task per turn, then a one-line report. ' +
    PROTOCOL,
  writer:
    'I am the writer. On my turn I take my first task on the `tasks` board that is assigned to "writer", is "pending" and ' +
    'whose depends_on tasks are all "done". I write it from the goal and the workspace sections of the tasks it depends on, ' +
    'append it to `workspace` with core_memory_append as a section that starts "## <id> (writer)", then set that task\'s ' +
    'status to "done" with memory_replace on its line. One task per turn, then a one-line report. ' +
    PROTOCOL,
};
const LIBRARY = [
  "Memory blocks are labelled, size-limited pieces of text that are rendered into an agent's system prompt at every step.",
  "A block attached to several agents by id (blockIds) is shared: one agent's edit is in every other agent's next prompt.",
  'Agents edit blocks with memory tools: core_memory_append adds a line, memory_replace swaps an exact string, memory_rethink rewrites the block.',
  'A Letta agent is stateful: its persona, memory blocks and message history persist between calls.',
  'Teams coordinate through a shared tasks block: a coordinator assigns work, workers update their status and post results to a shared workspace.',
  'Archival memory keeps long-term passages outside the prompt, searched on demand.',
].join('\n');

const team = {};
for (const role of ROLES) {
  team[role] = await client.agents.create({
    name: role,
    model: modelOf(role),
    memoryBlocks: [
      { label: 'persona', value: PERSONAS[role] },
      ...(role === 'researcher' ? [{ label: 'library', value: LIBRARY, description: 'My reference notes, one fact per line.' }] : []),
    ],
    blockIds: [tasks.id, workspace.id], // the same two blocks for every member
    tools: role === 'coordinator' ? ['memory_rethink'] : ['core_memory_append'], // plus the base memory_replace, memory_insert, conversation_search
  });
}

log(bold(`A team of ${ROLES.length} agents on ${hosted ? hosted.model : 'scripted models (no network)'}`));
log(dim(`  shared blocks: tasks (${tasks.id}), workspace (${workspace.id})`));
log(dim(`  goal: ${goal}`));

const started = performance.now();
const rounds = [];
let summary = '';
try {
  // 1. Plan.
  log(`\n${bold('1. The coordinator plans')}`);
  printAsk(await ask('coordinator', `Goal: ${goal}`));

  // 2. Work, in rounds: everyone with a ready task runs at once; a round unblocks the next.
  log(`\n${bold('2. The workers take their tasks from the shared board')}`);
  let before = '';
  for (let round = 1; round <= 10; round++) {
    const board = await readBoard();
    const busy = WORKERS.filter((w) => board.tasks.some((t) => t.assigned_to === w && brains.isReady(t, board)));
    if (!busy.length) break;
    const statuses = JSON.stringify(board.tasks.map((t) => t.status));
    if (statuses === before) {
      log(red('  no task changed status in the last round: stopping'));
      break;
    }
    before = statuses;
    const t = performance.now();
    const results = await Promise.all(busy.map((w) => ask(w, 'Your turn: do your next ready task on the board.')));
    const ms = performance.now() - t;
    rounds.push({ round, agents: busy, ms: Math.round(ms * 10) / 10 });
    log(`  ${bold(`round ${round}`)} ${dim(`${busy.join(' ‖ ')}${busy.length > 1 ? ' in parallel' : ''}, ${ms.toFixed(1)} ms`)}`);
    results.forEach(printAsk);
  }

  // 3. Review.
  log(`\n${bold('3. The coordinator reviews the workspace')}`);
  const review = await ask('coordinator', 'The workers are done. Review the workspace and give the final summary.');
  printAsk(review);
  summary = transcript.at(-1).reply;
} catch (err) {
  // A hosted model that cannot be called: say why and exit 2. Anything else: exit 1, no stack trace.
  const unavailable = err instanceof ModelUnavailable && hosted;
  const msg = unavailable
    ? `The model could not be called: ${err.message}.\n` +
      `Run the scripted team instead: node examples/team.mjs --scripted (or unset ${hosted.provider.toUpperCase()}_API_KEY).`
    : `The team failed: ${err.message}`;
  console.error(red(msg));
  if (asJson) console.log(JSON.stringify({ ok: false, error: msg, model: hosted?.model ?? 'scripted' }, null, 2));
  client.close();
  process.exit(unavailable ? 2 : 1);
}
const teamMs = performance.now() - started;

// ---------------------------------------------------------------------------------------------
// The outcome

const board = await readBoard();
const boardText = (await client.blocks.retrieve(tasks.id)).value;
const workspaceText = (await client.blocks.retrieve(workspace.id)).value;
const entries = brains.parseWorkspace(workspaceText);

log(`\n${bold('The shared blocks now')}`);
log(`  ${cyan('tasks')}\n    ${indent(boardText, '    ')}`);
log(`  ${cyan('workspace')}\n    ${indent(workspaceText, '    ')}`);

log(`\n${bold('Usage')}`);
for (const role of ROLES) {
  const u = usage[role];
  const n = (x, w) => String(x).padStart(w);
  log(`  ${role.padEnd(12)} ${n(plural(u.runs, 'run'), 7)} ${n(plural(u.steps, 'step'), 8)} ${n(u.promptTokens, 7)} prompt + ${n(u.completionTokens, 5)} completion = ${n(u.totalTokens, 7)} tokens`);
}
const wallMs = performance.now();
log(dim(`  wall time ${wallMs.toFixed(0)} ms: node + wasm start-up ${loadedMs.toFixed(0)} ms, creating the team ${(started - loadedMs).toFixed(0)} ms, its work ${teamMs.toFixed(0)} ms`));

/** `text` names `id` as a word (T1, not T10). */
const mentions = (text, id) => new RegExp(`(^|\\W)${String(id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\W|$)`).test(text);

const checks = [
  { check: 'the coordinator put tasks on the board', ok: board.tasks.length > 0 },
  ...board.tasks.map((t) => ({ check: `${t.id} is done`, ok: t.status === 'done' })),
  ...board.tasks.map((t) => ({
    check: `the workspace holds ${t.assigned_to}'s result for ${t.id}`,
    ok: entries.some((e) => e.id === t.id && e.role === t.assigned_to && e.lines.length > 0),
  })),
  ...board.tasks.map((t) => ({ check: `the summary mentions ${t.id}`, ok: mentions(summary, t.id) })),
];
const ok = checks.every((c) => c.ok);

log(`\n${bold('Checks')}`);
for (const c of checks) log(`  ${c.ok ? green('✓') : red('✗')} ${c.check}`);
log(ok ? green(bold('\nThe team did its job.')) : red(bold('\nThe team did NOT do its job (see the checks above).')));

if (asJson) {
  const result = {
    ok,
    model: hosted?.model ?? 'scripted',
    goal,
    checks,
    tasks: board,
    workspace: workspaceText,
    summary,
    rounds,
    transcript,
    usage,
    wallMs: Math.round(wallMs),
    teamMs: Math.round(teamMs),
  };
  console.log(JSON.stringify(result, null, 2));
}
client.close();
process.exitCode = ok ? 0 : 1;
