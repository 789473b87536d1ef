// Scripted "brains" for the demo's four-role team (seed 004: coordinator, researcher, coder,
// reviewer), in the style of examples/brains.mjs. Each brain is a pure function of the chat request
// the engine would send a hosted model, so a run is deterministic and works offline:
//   - messages[0] (the system prompt) holds the agent's memory blocks, among them the five SHARED
//     blocks (tasks, requests, escalations, workspace, feedback): another agent's write shows up in
//     the very next step;
//   - the messages after the last user message are this run so far (tool calls and results).
// A brain answers a tool call ({ toolCalls }) or a reply ({ content }) that ends the run.
//
// The flow for a task typed by the user:
//   coordinator  plans 3 tasks onto `tasks` (research -> code -> review), escalates if the ask is
//                vague, then hands each task to its worker with send_message_to_agent_and_wait_for_reply
//   researcher   posts findings to `workspace`, marks its task done
//   coder        posts code to `workspace`, asks for review in `requests`, marks its task done
//   reviewer     reviews the code, resolves the request, adds a best practice to `feedback`,
//                posts APPROVED to `workspace`, marks its task done
//   coordinator  records a learning in `feedback` and answers with a summary.

export const ROLES = ['coordinator', 'researcher', 'coder', 'reviewer'];
export const WORKERS = ['researcher', 'coder', 'reviewer'];
export const SHARED = ['tasks', 'requests', 'escalations', 'workspace', 'feedback'];

// ---------------------------------------------------------------------------------------------
// Shared formats

/** The initial values of the shared blocks (text, one entry per line, so edits are line-sized). */
export const INITIAL = {
  tasks: formatBoard({ goal: null, tasks: [] }),
  requests: '# Requests between agents ([open] / [resolved])',
  escalations: '# Escalations for the coordinator',
  workspace: '# Team workspace',
  feedback: '# Team feedback (learnings and best practices)',
};

export function formatBoard({ goal = null, tasks = [] }) {
  if (!tasks.length) return `{"goal": ${JSON.stringify(goal)}, "tasks": []}`;
  return `{"goal": ${JSON.stringify(goal)}, "tasks": [\n${tasks.map((t) => '  ' + taskLine(t)).join(',\n')}\n]}`;
}

export function taskLine(task) {
  return JSON.stringify(task).replaceAll('","', '", "').replaceAll('":', '": ');
}

export function parseBoard(text) {
  const board = parseJson(text);
  return { goal: board?.goal ?? null, tasks: Array.isArray(board?.tasks) ? board.tasks : [] };
}

/** `## T1 (researcher)` sections of the workspace. */
export function parseWorkspace(text) {
  const sections = [];
  for (const line of String(text).split('\n')) {
    const head = line.match(/^##\s*(\S+)\s*\((\w+)\)/);
    if (head) sections.push({ id: head[1], role: head[2], lines: [] });
    else if (sections.length && line.trim()) sections.at(-1).lines.push(line);
  }
  return sections;
}

export function isReady(task, board) {
  const done = (id) => board.tasks.some((t) => t.id === id && t.status === 'done');
  return task.status === 'pending' && (task.depends_on ?? []).every(done);
}

/** "reverse the words of a sentence" -> "reverseWordsSentence" */
export function functionName(goal) {
  const stop = new Set(['a', 'an', 'the', 'of', 'to', 'in', 'on', 'for', 'and', 'that', 'which', 'with', 'write', 'build', 'make', 'create', 'implement', 'function', 'code', 'please']);
  const words = String(goal).toLowerCase().match(/[a-z0-9]+/g)?.filter((w) => !stop.has(w)).slice(0, 4) ?? [];
  if (!words.length) return 'solve';
  const name = words.map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w)).join('');
  return /^[0-9]/.test(name) ? `f${name}` : name;
}

/** The value of memory block `label` as rendered in the system prompt (null if not attached). */
export function readBlock(request, label) {
  const system = request.messages[0]?.content ?? '';
  const m = system.match(new RegExp(`<${label}>\\n[\\s\\S]*?<value>\\n([\\s\\S]*?)\\n</value>\\n</${label}>`));
  return m ? m[1] : null;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function look(request) {
  const { messages } = request;
  const turnStart = messages.findLastIndex((m) => m.role === 'user');
  const turn = messages.slice(turnStart + 1);
  const calls = turn.flatMap((m) => (m.tool_calls ?? []).map((c) => ({ name: c.name, args: parseJson(c.arguments) ?? {} })));
  const lastResult = turn.findLast((m) => m.role === 'tool');
  return {
    ask: messages[turnStart]?.content ?? '',
    board: parseBoard(readBlock(request, 'tasks') ?? ''),
    workspace: readBlock(request, 'workspace') ?? '',
    requests: readBlock(request, 'requests') ?? '',
    feedback: readBlock(request, 'feedback') ?? '',
    roster: Object.fromEntries(
      (readBlock(request, 'team') ?? '').split('\n').map((l) => l.match(/^(\w+):\s*(\S+)/)).filter(Boolean).map((m) => [m[1], m[2]]),
    ),
    calls,
    lastCall: calls.at(-1),
    lastResult: lastResult && parseJson(lastResult.content),
  };
}

/** A rough token count (4 characters a token) so the usage panel has numbers on the scripted model. */
function usage(request, answer) {
  const prompt = request.messages.reduce((n, m) => n + (m.content?.length ?? 0) + JSON.stringify(m.tool_calls ?? '').length, 0);
  return { prompt_tokens: Math.ceil(prompt / 4), completion_tokens: Math.ceil(JSON.stringify(answer).length / 4) };
}

const call = (name, args, reasoning) => ({ reasoning, toolCalls: [{ name, arguments: args }] });
const reply = (content, reasoning) => ({ content, reasoning });

// ---------------------------------------------------------------------------------------------
// Coordinator

export function coordinator(request) {
  const seen = look(request);
  const { ask, board, calls, lastResult, roster } = seen;
  if (lastResult?.status === 'Failed' && seen.lastCall?.name === 'memory_rethink') {
    return reply(`I could not update the board: ${lastResult.message}`);
  }
  const goal = ask.replace(/^(new )?task:\s*/i, '').trim();
  const planned = calls.some((c) => c.name === 'memory_rethink');

  // 1. Plan: three tasks for the new goal, appended to the board (earlier goals stay, done).
  if (!planned) {
    const n = board.tasks.length;
    const id = (k) => `T${n + k}`;
    const task = (k, description, assigned_to, depends_on = []) => ({ id: id(k), description, assigned_to, status: 'pending', depends_on });
    const tasks = [
      ...board.tasks,
      task(1, `Research what "${goal}" needs`, 'researcher'),
      task(2, `Implement ${functionName(goal)}() from the ${id(1)} findings`, 'coder', [id(1)]),
      task(3, `Review the ${id(2)} code`, 'reviewer', [id(2)]),
    ];
    return call('memory_rethink', { label: 'tasks', new_memory: formatBoard({ goal, tasks }) }, 'A new task: split it into research, code and review.');
  }

  const current = board.tasks.slice(-3); // this goal's tasks: the last three on the board

  // 2. A vague ask is escalated (once), then worked anyway.
  if (goal.split(/\s+/).length < 3 && !calls.some((c) => c.args?.label === 'escalations')) {
    return call(
      'core_memory_append',
      { label: 'escalations', content: `- [open] "${goal}" is vague: working it as stated; clarify scope next time.` },
      'The ask is only a word or two: record an escalation.',
    );
  }

  // 3. Hand the next ready task to its worker and wait for the reply.
  const next = current.find((t) => isReady(t, board));
  if (next) {
    const sentAlready = calls.filter((c) => c.name === 'send_message_to_agent_and_wait_for_reply' && c.args.message?.startsWith(`${next.id} `)).length;
    if (sentAlready >= 2) return reply(`${next.assigned_to} did not finish ${next.id}; stopping here.`);
    const other = roster[next.assigned_to];
    if (!other) return reply(`I have no ${next.assigned_to} on my team roster.`);
    return call(
      'send_message_to_agent_and_wait_for_reply',
      { message: `${next.id} is yours: ${next.description}. Post your result to the workspace and mark ${next.id} done on the tasks board.`, other_agent_id: other },
      `${next.id} is ready: hand it to the ${next.assigned_to}.`,
    );
  }

  const open = current.filter((t) => t.status !== 'done');
  if (open.length) return reply(`${open.map((t) => t.id).join(', ')} cannot start: their dependencies are not done.`);

  // 4. Everything done: record a learning once, then summarise.
  const [r, c, v] = current;
  if (!calls.some((x) => x.args?.label === 'feedback')) {
    return call(
      'core_memory_append',
      { label: 'feedback', content: `- learning (${r.id}-${v.id}): research -> code -> review in one pass worked for "${goal}".` },
      'All three tasks are done: record what worked.',
    );
  }
  return reply(
    `Done: ${r.id} researched by the researcher, ${c.id} implemented by the coder, ${v.id} APPROVED by the reviewer. The result is in the workspace.`,
    'Summarise for the user.',
  );
}

// ---------------------------------------------------------------------------------------------
// Workers: take the first ready task assigned to them, work it in steps, mark it done, report.

function worker(role, steps) {
  return (request) => {
    const seen = look(request);
    const { board, lastCall, lastResult } = seen;
    if (lastResult?.status === 'Failed') return reply(`I could not finish: ${lastResult.message}`);
    if (lastCall?.name === 'memory_replace' && lastCall.args.label === 'tasks') {
      const id = parseJson(lastCall.args.new_string)?.id;
      return reply(`${id} done; my result is in the workspace.`);
    }
    const task = board.tasks.find((t) => t.assigned_to === role && isReady(t, board));
    if (!task) return reply('Nothing on the board is ready for me.');
    const step = steps(task, seen);
    if (step) return step;
    return call('memory_replace', { label: 'tasks', old_string: taskLine(task), new_string: taskLine({ ...task, status: 'done' }) }, `${task.id} is finished: mark it done.`);
  };
}

const posted = (seen, task) => parseWorkspace(seen.workspace).some((e) => e.id === task.id);
const append = (label, content, reasoning) => call('core_memory_append', { label, content }, reasoning);

export const researcher = worker('researcher', (task, seen) => {
  if (posted(seen, task)) return null;
  const goal = seen.board.goal ?? task.description;
  const words = String(goal).toLowerCase().match(/[a-z]{4,}/g) ?? [];
  const lines = [
    `## ${task.id} (researcher)`,
    `- Goal: ${goal}`,
    `- Key terms: ${[...new Set(words)].slice(0, 5).join(', ') || '(none)'}`,
    `- Interface: ${functionName(goal)}(input) -> result; throw a TypeError on missing input`,
    '- Edge cases: empty input, very long input, unicode',
  ];
  return append('workspace', `\n${lines.join('\n')}`, `${task.id}: research the goal and post findings.`);
});

export const coder = worker('coder', (task, seen) => {
  const fn = functionName(seen.board.goal ?? task.description);
  if (!posted(seen, task)) {
    const lines = [
      `## ${task.id} (coder)`,
      '```js',
      `export function ${fn}(input) {`,
      "  if (input == null) throw new TypeError('input is required');",
      '  const text = String(input);',
      "  if (text === '') return '';",
      '  return text.normalize();',
      '}',
      '```',
    ];
    return append('workspace', `\n${lines.join('\n')}`, `${task.id}: implement ${fn}() from the findings.`);
  }
  if (!seen.requests.includes(`[open] ${task.id}:`) && !seen.requests.includes(`[resolved] ${task.id}:`)) {
    return append('requests', `- [open] ${task.id}: coder -> reviewer: please review ${fn}()`, 'Ask the reviewer to review the code.');
  }
  return null;
});

export const reviewer = worker('reviewer', (task, seen) => {
  const target = task.depends_on?.[0];
  if (!posted(seen, task)) {
    const code = parseWorkspace(seen.workspace).find((e) => e.id === target);
    const handlesNull = code?.lines.some((l) => l.includes('TypeError'));
    const verdict = code && handlesNull ? 'APPROVED' : 'CHANGES REQUESTED';
    const lines = [`## ${task.id} (reviewer)`, `${verdict}: ${target} ${code ? `(${code.lines.length} lines)` : '(no code found)'}`, `- missing input handled: ${handlesNull ? 'yes' : 'no'}`];
    return append('workspace', `\n${lines.join('\n')}`, `${task.id}: review ${target}.`);
  }
  const open = `- [open] ${target}:`;
  if (seen.requests.includes(open)) {
    return call('memory_replace', { label: 'requests', old_string: open, new_string: `- [resolved] ${target}:` }, 'Resolve the review request.');
  }
  if (!seen.feedback.includes(`(${target})`)) {
    return append('feedback', `- best practice (${target}): validate input first; throw TypeError on missing input.`, 'Record a best practice.');
  }
  return null;
});

/** The four brains with the usage estimate added, optionally slowed by `delayMs` per step. */
export function brains({ delayMs = 0, onStep } = {}) {
  const wrap = (role, brain) => async (request) => {
    onStep?.(role, 'thinking', null, request);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const answer = brain(request);
    const out = { ...answer, usage: usage(request, answer) };
    onStep?.(role, 'answered', out, request);
    return out;
  };
  return { coordinator: wrap('coordinator', coordinator), researcher: wrap('researcher', researcher), coder: wrap('coder', coder), reviewer: wrap('reviewer', reviewer) };
}
