// The scripted "brains" of examples/team.mjs: one function per role, programmed into the engine with
// `client.scripted.define(role, brain)`. The engine calls a brain for every step of that agent's run,
// with the same chat request a hosted model would get:
//
//   { model, step, agent_id, tools, messages: [ system, ...history ] }
//
// A brain keeps no state of its own. It decides from what the agent sees right now:
//   - messages[0] (the system prompt) holds the agent's memory blocks, including the SHARED `tasks`
//     and `workspace` blocks, so another agent's write shows up here on the very next step;
//   - the messages after the last user message are this run so far: the tool calls made and their
//     results (role 'tool', content `{"status": "OK" | "Failed", "message": ...}`).
//
// It answers a tool call (`{ toolCalls: [{ name, arguments }] }`), or a reply (`{ content }`) that
// ends the run. `reasoning` is the agent's visible thought for that step.

// ---------------------------------------------------------------------------------------------
// The shared formats

/** The `tasks` board: JSON, one task per line, so a worker can `memory_replace` its own line. */
export function formatBoard({ goal = null, tasks = [] }) {
  if (!tasks.length) return `{"goal": ${JSON.stringify(goal)}, "tasks": []}`;
  return `{"goal": ${JSON.stringify(goal)}, "tasks": [\n${tasks.map((t) => '  ' + taskLine(t)).join(',\n')}\n]}`;
}

export function taskLine(task) {
  return JSON.stringify(task).replaceAll('","', '", "').replaceAll('":', '": ');
}

/** Parses the board; an empty or unreadable board has no tasks. */
export function parseBoard(text) {
  const board = parseJson(text);
  return { goal: board?.goal ?? null, tasks: Array.isArray(board?.tasks) ? board.tasks : [] };
}

/** A worker's entry in `workspace` starts with this line. */
export const sectionHeader = (task) => `## ${task.id} (${task.assigned_to})`;

/** The workspace's entries: `{ id, role, lines }` for each `## T1 (researcher)` section. */
export function parseWorkspace(text) {
  const sections = [];
  for (const line of text.split('\n')) {
    const head = line.match(/^##\s*(\S+)\s*\((\w+)\)/);
    if (head) sections.push({ id: head[1], role: head[2], lines: [] });
    else if (sections.length && line.trim()) sections.at(-1).lines.push(line);
  }
  return sections;
}

/** "Write a short brief on X" -> { kind: 'brief', topic: 'X' }; "Explain X" -> an explainer on X. */
export function splitGoal(goal) {
  goal = String(goal).trim().replace(/\.$/, '');
  const write = goal.match(/^(?:write|draft|prepare)\s+(?:an?\s+)?(?:short\s+)?(\w+)\s+(?:on|about)\s+(.+)$/i);
  if (write) return { kind: write[1].toLowerCase(), topic: write[2] };
  const explain = goal.match(/^(?:explain|describe|summari[sz]e)\s+(.+)$/i);
  return explain ? { kind: 'explainer', topic: explain[1] } : { kind: 'piece', topic: goal };
}

/** A task can start when it is pending and everything it depends on is done. */
export function isReady(task, board) {
  const done = (id) => board.tasks.some((t) => t.id === id && t.status === 'done');
  return task.status === 'pending' && (task.depends_on ?? []).every(done);
}

// ---------------------------------------------------------------------------------------------
// Reading the request

/** The value of memory block `label`, as rendered in the system prompt (null if not attached). */
export function readBlock(request, label) {
  const system = request.messages[0]?.content ?? '';
  const m = system.match(new RegExp(`<${label}>\\n[\\s\\S]*?<value>\\n([\\s\\S]*?)\\n</value>\\n</${label}>`));
  return m ? m[1] : null;
}

/** What the agent sees: the board, the workspace, this run's last tool call and its result. */
function look(request) {
  const { messages } = request;
  const turnStart = messages.findLastIndex((m) => m.role === 'user');
  const turn = messages.slice(turnStart + 1);
  const lastCall = turn.findLast((m) => m.tool_calls?.length)?.tool_calls.at(-1);
  const lastResult = turn.findLast((m) => m.role === 'tool');
  return {
    ask: messages[turnStart]?.content ?? '',
    board: parseBoard(readBlock(request, 'tasks') ?? ''),
    workspace: readBlock(request, 'workspace') ?? '',
    lastCall: lastCall && { name: lastCall.name, args: parseJson(lastCall.arguments) ?? {} },
    lastResult: lastResult && parseJson(lastResult.content),
  };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const call = (name, args, reasoning) => ({ reasoning, toolCalls: [{ name, arguments: args }] });
const reply = (content, reasoning) => ({ content, reasoning });

// ---------------------------------------------------------------------------------------------
// Coordinator: plans the goal into tasks, then reviews the workspace.

export function coordinator(request) {
  const { ask, board, workspace, lastResult } = look(request);
  if (lastResult?.status === 'Failed') return reply(`I could not update the board: ${lastResult.message}`);

  // Step 1 of planning: an empty board means the user message is a goal to split into tasks.
  if (!board.tasks.length) {
    const goal = ask.replace(/^goal:\s*/i, '').trim();
    const { kind, topic } = splitGoal(goal);
    const task = (id, description, assigned_to, depends_on = []) => ({ id, description, assigned_to, status: 'pending', depends_on });
    const tasks = [
      task('T1', `Research the key facts on ${topic}`, 'researcher'),
      task('T2', `Outline the ${kind}`, 'writer'),
      task('T3', `Write the ${kind} from the T1 findings, following the T2 outline`, 'writer', ['T1', 'T2']),
    ];
    return call('memory_rethink', { label: 'tasks', new_memory: formatBoard({ goal, tasks }) }, 'The board is empty: split the goal into tasks.');
  }

  const open = board.tasks.filter((t) => t.status !== 'done');
  const entries = parseWorkspace(workspace);
  // Step 2 of planning (the board was just written), or a review while work is still open.
  if (open.length) {
    const list = board.tasks.map((t) => `${t.id} → ${t.assigned_to} (${t.status})`).join(', ');
    return reply(`${open.length} of ${board.tasks.length} tasks open: ${list}.`, 'Report the board as it stands.');
  }

  // Review: every task is done; summarise from the workspace.
  const lines = board.tasks.map((t) => {
    const entry = entries.find((e) => e.id === t.id);
    return `- ${t.id} (${t.assigned_to}): ${t.description}: done, ${entry ? `${entry.lines.length} line(s) in the workspace` : 'NOTHING in the workspace'}.`;
  });
  const final = entries.at(-1);
  return reply(
    [`All ${board.tasks.length} tasks are done.`, ...lines, '', `Result (${final?.id}):`, ...(final?.lines ?? [])].join('\n'),
    'Every task on the board is done: summarise the workspace.',
  );
}

// ---------------------------------------------------------------------------------------------
// Workers: take the first ready task assigned to them, post the result, mark it done, report.

function worker(role, work) {
  return (request) => {
    const seen = look(request);
    const { board, workspace, lastCall, lastResult } = seen;
    if (lastResult?.status === 'Failed') return reply(`I could not finish: ${lastResult.message}`);

    // Just marked a task done: report and end the run (one task per turn).
    if (lastCall?.name === 'memory_replace' && lastCall.args.label === 'tasks') {
      const id = parseJson(lastCall.args.new_string)?.id;
      return reply(`${id} done; my result is in the workspace.`);
    }

    const task = board.tasks.find((t) => t.assigned_to === role && isReady(t, board));
    if (!task) return reply('Nothing on the board is ready for me.', `No pending task for ${role} has its dependencies done.`);

    const posted = parseWorkspace(workspace).some((e) => e.id === task.id);
    if (!posted) {
      const content = [sectionHeader(task), ...work(task, { ...seen, request })].join('\n');
      return call('core_memory_append', { label: 'workspace', content: `\n${content}` }, `My next ready task is ${task.id}: ${task.description}.`);
    }
    return call(
      'memory_replace',
      { label: 'tasks', old_string: taskLine(task), new_string: taskLine({ ...task, status: 'done' }) },
      `${task.id} is in the workspace: mark it done.`,
    );
  };
}

/** The words of a text that say something (4+ letters, crude singular). */
const words = (text) => new Set((text.toLowerCase().match(/[a-z]{4,}/g) ?? []).map((w) => w.replace(/s$/, '')));

/** Research: the (up to 4) facts of my private `library` block that share the most words with the topic. */
export const researcher = worker('researcher', (task, { board, request }) => {
  const want = words(splitGoal(board.goal).topic);
  const facts = (readBlock(request, 'library') ?? '').split('\n').filter(Boolean);
  const scored = facts.map((fact, i) => ({ fact, i, score: [...words(fact)].filter((w) => want.has(w)).length }));
  const top = Math.max(...scored.map((s) => s.score));
  const best = scored.filter((s) => s.score > 0 && s.score >= top * 0.75).sort((a, b) => b.score - a.score || a.i - b.i).slice(0, 4);
  if (!best.length) return [`- My library has nothing on ${splitGoal(board.goal).topic}.`];
  return best.sort((a, b) => a.i - b.i).map((s) => `- ${s.fact}`);
});

/** Writing: an outline from the goal, or the piece from the entries of the tasks it depends on. */
export const writer = worker('writer', (task, { board, workspace }) => {
  const entries = parseWorkspace(workspace);
  if (!task.depends_on?.length) {
    const { topic } = splitGoal(board.goal);
    return [`Title: ${topic[0].toUpperCase()}${topic.slice(1)}`, 'Form: the title, then one paragraph of the research findings'];
  }
  const inputs = entries.filter((e) => task.depends_on.includes(e.id)).flatMap((e) => e.lines);
  const title = inputs.find((l) => l.startsWith('Title: '))?.slice(7) ?? board.goal;
  const facts = inputs.filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
  return [`### ${title}`, facts.join(' ') || '(no findings to write from)'];
});
