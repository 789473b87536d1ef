// Seed 003 ("Multi-Agent Systems"): a supervisor and three workers coordinated through Letta's
// built-in cross-agent tool and a shared JSON task block, with the interaction log printed.
//
//   node examples/seeds/supervisor-workers.mjs ["message"] [--json] [--scripted] [--output FILE]
//
// As in the seed: a shared block `task_coordination` holds the team's tasks (active_tasks with
// id/description/assigned_to/status/due_date, team_notes, last_updated); the supervisor has
// `send_message_to_agents_matching_all_tags` and the three workers are tagged `worker`. The user
// asks the supervisor for a status update ("interact_with_multi_agent.py --message ..."):
//   1. the supervisor broadcasts ONE message to every agent tagged `worker`; the engine runs the
//      three workers in parallel and hands back each one's reply, labelled by agent;
//   2. each worker reads its task from the shared block and its private `progress` notes, sets its
//      task's status (memory_replace on the shared block) and replies;
//   3. the supervisor sets `last_updated` and adds the round to `team_notes`, then answers the user
//      with a summary quoting every worker's reply.
// Then the interaction log (`client.interactions.list()`) is printed, as the seed's interact script
// logs it (`--output FILE` saves the whole log), and the outcome is checked (exit 0 only if every
// task was updated, the summary quotes each worker, the log has one exchange per worker and the
// broadcast ran in parallel; 1 otherwise; 2 if the model is unusable).
//
// The agents run on scripted brains (below; no network, same result every time) unless
// OPENAI_API_KEY or ANTHROPIC_API_KEY is set and --scripted is not given.

import * as c from './common.mjs';

const USAGE = 'usage: node examples/seeds/supervisor-workers.mjs ["message"] [--json] [--scripted] [--output FILE]';
const args = c.parseArgs(USAGE);
const MESSAGE =
  args.text ||
  "What's the status of our quarterly analysis project? Please coordinate with all workers to provide a progress update focusing on Q1 growth trends in the eastern region.";

const BLOCK = 'task_coordination';
const TAG = 'worker';
const WORKERS = ['worker_1', 'worker_2', 'worker_3'];

// The seed's shared memory, as it shows it.
const INITIAL_BOARD = {
  active_tasks: [
    { id: 'task-001', description: 'Analyze quarterly sales data', assigned_to: 'worker_1', status: 'in_progress', due_date: '2025-04-15' },
    { id: 'task-002', description: 'Create summary report', assigned_to: 'worker_2', status: 'pending', due_date: '2025-04-20' },
    { id: 'task-003', description: 'Prepare presentation slides', assigned_to: 'worker_3', status: 'not_started', due_date: '2025-04-25' },
  ],
  team_notes: 'Focus on highlighting Q1 growth trends in the eastern region',
  last_updated: '2025-04-09T08:00:00Z',
};

// Each worker's private notes: what it has actually done (its status follows from them).
const PROGRESS = {
  worker_1: 'Finished: Q1 sales data analysed. Eastern region revenue grew 18% over Q4, led by the Boston and New York accounts.',
  worker_2: 'Drafting: the summary report has its growth section written; waiting for the final eastern-region numbers from task-001.',
  worker_3: 'Started: slide template chosen; building the Q1 eastern-region growth slides next.',
};

const PERSONAS = {
  supervisor:
    `I am the supervisor of a team of workers, each tagged \`${TAG}\`. The \`${BLOCK}\` block (JSON) holds our active tasks, ` +
    'team_notes and last_updated. When the user asks for a status update, I send ONE message to all workers at once with ' +
    `send_message_to_agents_matching_all_tags (tags ["${TAG}"]) asking each to update its task's status in \`${BLOCK}\` and ` +
    'report. Then I record the round in the block with one memory_replace: last_updated becomes the current time (ISO 8601) ' +
    'and team_notes gets a short "Status check" note with each task\'s new status. Finally I answer the user with a summary ' +
    'that names every worker and quotes its reply.',
  worker: (name) =>
    `I am ${name}. My task is the entry of the \`${BLOCK}\` block (JSON) whose assigned_to is "${name}". When the supervisor ` +
    'asks for a status update, I read my private `progress` block and set my task\'s status in the shared block with ' +
    'memory_replace: "completed" if my progress notes say the work is finished, otherwise "in_progress". I change nothing ' +
    "else. Then I reply in one or two sentences: my task id, its old → new status, and my progress.",
};

// ---------------------------------------------------------------------------------------------
// The scripted brains: each decides from what its agent is shown (memory blocks in the system
// prompt, the incoming message, this run's tool results), like a model would.

/** A worker: update my task's status from my progress notes, then report. */
function worker(request) {
  const { calls, lastCall } = c.look(request);
  const me = c.readBlock(request, 'persona')?.match(/I am (\w+)\./)?.[1];
  const raw = c.readBlock(request, BLOCK) ?? '';
  const task = c.parseJsonBlock(raw)?.active_tasks?.find((t) => t.assigned_to === me);
  const progress = c.readBlock(request, 'progress') ?? '';
  if (!task) return c.reply(`I (${me}) have no task in ${BLOCK}.`);
  const target = /^(finished|done)\b/i.test(progress) ? 'completed' : 'in_progress';

  const edits = calls.filter((x) => x.name === 'memory_replace');
  const done = edits.find((x) => x.result?.status === 'OK');
  if (done) {
    const before = c.parseJson(`{${done.args.old_string.replace(/,\s*$/, '')}}`)?.status ?? '?';
    return c.reply(`${task.id} (${task.description}): ${before} → ${task.status}. ${progress}`, 'My task is updated: report.');
  }
  if (edits.length >= 3) return c.reply(`I could not update ${task.id}: ${lastCall.result?.message}`);
  if (task.status === target) return c.reply(`${task.id} (${task.description}): still ${task.status}. ${progress}`);
  const edit = c.jsonFieldEdit(BLOCK, raw, `"id": "${task.id}"`, 'status', target);
  return c.call('memory_replace', edit, `My progress notes say "${progress.split(':')[0]}": ${task.id} becomes ${target}.`);
}

/** The supervisor: broadcast to the workers, record the round on the board, summarise. */
function supervisor(request) {
  const { ask, calls } = c.look(request);
  const tag = c.readBlock(request, 'persona')?.match(/tagged `(\w+)`/)?.[1] ?? TAG;
  const broadcast = calls.find((x) => x.name === 'send_message_to_agents_matching_all_tags');
  if (!broadcast) {
    const message = `Status update, please. The user asks: "${ask}" Update your task's status in the ${BLOCK} block, then reply with your task id, its old → new status and your progress.`;
    return c.call('send_message_to_agents_matching_all_tags', { message, tags: [tag] }, `Ask every agent tagged "${tag}" at once.`);
  }
  if (broadcast.result?.status !== 'OK' || !Array.isArray(broadcast.result.message)) {
    return c.reply(`I could not reach the workers: ${JSON.stringify(broadcast.result?.message)}`);
  }
  const answers = broadcast.result.message; // [{ agent_id, agent_name, response: [texts] } | { ..., error }]
  const raw = c.readBlock(request, BLOCK) ?? '';
  const board = c.parseJsonBlock(raw);
  const edits = calls.filter((x) => x.name === 'memory_replace');
  const now = c.promptTime(request) ?? new Date().toISOString();

  if (!edits.some((x) => x.result?.status === 'OK') && edits.length < 3 && board) {
    // One edit for the two adjacent fields: from "team_notes" to the end of "last_updated".
    const base = String(board.team_notes).split(' | ')[0];
    const statuses = board.active_tasks.map((t) => `${t.id} ${t.status} (${t.assigned_to})`).join(', ');
    const notes = `${base} | Status check ${now}: ${statuses}.`;
    const at = raw.indexOf('"team_notes"');
    const end = raw.indexOf('"last_updated"');
    const tail = c.jsonFieldEdit(BLOCK, raw, '"last_updated"', 'last_updated', now);
    if (at >= 0 && end > at && tail) {
      const old_string = raw.slice(at, end) + tail.old_string;
      const new_string = `"team_notes": ${JSON.stringify(notes)},\n  ${tail.new_string}`;
      return c.call('memory_replace', { label: BLOCK, old_string, new_string }, `All ${answers.length} workers answered: record the round on the board.`);
    }
  }

  const lines = answers.map((a) => (a.error ? `- ${a.agent_name}: FAILED (${a.error})` : `- ${a.agent_name}: "${a.response.join(' ')}"`));
  const completed = board?.active_tasks.filter((t) => t.status === 'completed') ?? [];
  return c.reply(
    [
      `Status update from ${c.plural(answers.length, 'worker')} (one broadcast to every agent tagged "${tag}"):`,
      ...lines,
      `Board: ${completed.length} of ${board?.active_tasks.length ?? '?'} tasks completed${completed.length ? ` (${completed.map((t) => t.id).join(', ')})` : ''}; last_updated ${now}.`,
    ].join('\n'),
    'Summarise every reply for the user.',
  );
}

// ---------------------------------------------------------------------------------------------
// The team

const hosted = c.chooseHosted(args);
const log = c.makeLog(args.asJson);
const client = c.createTeamClient({ hosted, brains: { supervisor, worker } });
const { bold, dim, cyan } = c;

await c.runExample({ name: 'supervisor-workers', ...args, hosted, log, client }, async () => {
  // Step 1 of the seed (1_multi_agent_letta.py): the shared block, the supervisor, the workers.
  const shared = await client.blocks.create({
    label: BLOCK,
    description: 'Shared task coordination for the supervisor and its workers (JSON).',
    value: c.formatJson(INITIAL_BOARD),
    limit: 5000,
  });
  const supervisorAgent = await client.agents.create({
    name: 'supervisor',
    model: c.modelFor(hosted, 'supervisor'),
    memoryBlocks: [{ label: 'persona', value: PERSONAS.supervisor }],
    blockIds: [shared.id],
    tags: ['supervisor'],
    tools: ['send_message_to_agents_matching_all_tags'],
  });
  const workers = [];
  for (const name of WORKERS) {
    workers.push(
      await client.agents.create({
        name,
        model: c.modelFor(hosted, 'worker'),
        memoryBlocks: [
          { label: 'persona', value: PERSONAS.worker(name) },
          { label: 'progress', value: PROGRESS[name], description: 'My own progress notes.' },
        ],
        blockIds: [shared.id],
        tags: [TAG],
      }),
    );
  }
  const names = Object.fromEntries([supervisorAgent, ...workers].map((a) => [a.id, a.name]));

  log(bold(`A supervisor and ${workers.length} workers on ${hosted ? hosted.model : 'scripted models (no network)'}`));
  log(dim(`  shared block ${BLOCK} (${shared.id}), attached to all ${workers.length + 1} agents`));
  for (const a of [supervisorAgent, ...workers]) log(dim(`  ${a.name.padEnd(10)} ${a.id}  tags [${a.tags.join(', ')}]`));
  log(`\n${bold(`The shared ${BLOCK} block before`)}\n    ${c.indent(shared.value, '    ')}`);

  // Step 2 of the seed (interact_with_multi_agent.py --message ...).
  log(`\n${bold('user → supervisor')}: ${MESSAGE}`);
  const t = performance.now();
  const response = c.checkModel(
    await client.agents.messages.create(supervisorAgent.id, { messages: [{ role: 'user', content: MESSAGE }] }),
    'supervisor',
  );
  const ms = performance.now() - t;
  c.printResponse(log, 'supervisor', response, names);
  log(dim(`    (${ms.toFixed(0)} ms, ${c.plural(response.usage?.stepCount ?? 0, 'step')})`));

  const interactions = await client.interactions.list();
  c.checkInteractions(interactions, names);

  log(`\n${bold('Interaction log')} ${dim('(client.interactions.list())')}`);
  c.printInteractions(log, interactions, names);

  log(`\n${bold("The workers' runs")}`);
  for (const w of workers) {
    const runId = interactions.find((x) => x.receiverId === w.id)?.receiverRunId;
    const history = await client.agents.messages.list(w.id, { limit: 100 });
    const run = history.filter((m) => m.runId === runId && m.messageType !== 'user_message');
    log(`  ${cyan(w.name)} ${dim(runId ?? '(did not run)')}`);
    c.printResponse(log, w.name, { messages: run }, names, '    ');
  }

  const after = (await client.blocks.retrieve(shared.id)).value;
  log(`\n${bold(`The shared ${BLOCK} block after`)}\n    ${c.indent(after, '    ')}`);

  // The outcome.
  const board = c.parseJsonBlock(after);
  const summary = c.assistantText(response);
  const peak = hosted ? null : client.scripted.stats('worker').peakInFlight;
  const exchanges = interactions.filter((x) => x.senderId === supervisorAgent.id);
  const checks = [
    { check: 'the shared block is still valid JSON with its 3 tasks', ok: board?.active_tasks?.length === 3 },
    ...INITIAL_BOARD.active_tasks.map((t0) => {
      const t1 = board?.active_tasks?.find((x) => x.id === t0.id);
      return { check: `${t0.id} (${t0.assigned_to}) was updated: ${t0.status} → ${t1?.status}`, ok: !!t1 && t1.status !== t0.status && ['in_progress', 'completed'].includes(t1.status) };
    }),
    { check: 'the supervisor set last_updated', ok: !!board && board.last_updated !== INITIAL_BOARD.last_updated && !Number.isNaN(Date.parse(board.last_updated)) },
    { check: 'the supervisor added the round to team_notes', ok: !!board && board.team_notes !== INITIAL_BOARD.team_notes && board.team_notes.startsWith(INITIAL_BOARD.team_notes) },
    {
      check: 'the log holds one broadcast exchange per worker, each replied',
      ok: exchanges.length === workers.length && workers.every((w) => exchanges.filter((x) => x.receiverId === w.id && x.kind === 'broadcast' && x.status === 'replied').length === 1),
      detail: JSON.stringify(exchanges.map((x) => [names[x.receiverId], x.kind, x.status])),
    },
    ...workers.map((w) => {
      const reply = exchanges.find((x) => x.receiverId === w.id)?.reply?.join(' ') ?? '';
      return { check: `the summary names ${w.name} and quotes its reply`, ok: !!reply && summary.includes(w.name) && summary.includes(reply) };
    }),
    {
      check: hosted ? 'the broadcast ran in parallel (not measurable on a hosted model: skipped)' : `the broadcast ran the workers in parallel (peak in flight ${peak} of ${workers.length})`,
      ok: hosted ? true : peak === workers.length,
    },
    { check: "the supervisor's run ended normally", ok: response.stopReason?.stopReason === 'end_turn' },
  ];

  return {
    checks,
    summary: {
      message: MESSAGE,
      summaryText: summary,
      board,
      peakInFlight: peak,
      supervisorMs: Math.round(ms),
      interactions: interactions.map((x) => ({
        kind: x.kind,
        sender: names[x.senderId],
        receiver: names[x.receiverId],
        status: x.status,
        message: x.message,
        reply: x.reply,
      })),
    },
  };
});
