// Seed 004 ("Multi-Agent Team with Shared Memory Pattern"): a coordinator, a researcher, a coder and
// a reviewer coordinating through five shared blocks, with task assignment and coordination cycles.
//
//   node examples/seeds/coordination-team.mjs [--json] [--scripted]
//
// As in the seed's AgentTeam: the five blocks `<team>_tasks`, `_requests`, `_escalations`,
// `_workspace` and `_feedback` (the seed's JSON values) and a `skills` block per worker. Two fixes to
// the seed: the five blocks are created ONCE with `client.blocks.create` and attached to every agent
// with `blockIds` (the seed gave each agent its own empty blocks of the same labels, so nothing was
// actually shared), and the coordinator really routes work: it messages workers with
// `send_message_to_agent_async` (the seed's coordinator had no way to reach them).
//   1. assign_task (app code, as the seed's): the app writes the task into the tasks block
//      (`client.blocks.modify`) and notifies the coordinator; two tasks: research_001 (the seed's)
//      and impl_001 (coder, depends on research_001, with acceptance criteria);
//   2. coordination cycles (the seed's coordination_cycle): the coordinator checks escalations,
//      then requests, then tasks; it routes ready tasks, questions, answers and reviews to the
//      workers with send_message_to_agent_async and captures feedback on completed tasks. The
//      workers run in the background; the app waits for them with `client.waitForIdle()` before the
//      next cycle. The researcher posts findings to the workspace; the coder posts code and asks the
//      researcher a question through the requests block; the reviewer checks the code against the
//      task's acceptance criteria and writes "APPROVED" to the workspace.
// The cycles stop when a cycle changes nothing. Then the outcome is checked (exit 0 only if every
// task is completed, the workspace holds research, code and APPROVED, the feedback block has a
// learning and the coder's question was answered; 1 otherwise; 2 if the model is unusable).
//
// The agents run on scripted brains (below; no network, same result every time) unless
// OPENAI_API_KEY or ANTHROPIC_API_KEY is set and --scripted is not given.

import * as c from './common.mjs';

const args = c.parseArgs('usage: node examples/seeds/coordination-team.mjs [--json] [--scripted]');

const VERSION = '1.1.0';
const pad = (n) => String(n).padStart(2, '0');
const now0 = new Date();
const TEAM_ID = `team_${now0.getFullYear()}${pad(now0.getMonth() + 1)}${pad(now0.getDate())}_${pad(now0.getHours())}${pad(now0.getMinutes())}${pad(now0.getSeconds())}`;
const KINDS = ['tasks', 'requests', 'escalations', 'workspace', 'feedback'];
const label = (kind) => `${TEAM_ID}_${kind}`;
const WORKERS = ['researcher', 'coder', 'reviewer'];
const MAX_CYCLES = 10;

/** The seed's Task dataclass (asdict). */
const task = (id, description, assigned_to, dependencies = []) => ({
  id,
  description,
  status: 'assigned',
  assigned_to,
  dependencies,
  created_at: new Date().toISOString(),
  completed_at: null,
  feedback_id: null,
});
const TASKS = [
  task('research_001', 'Research OAuth2 implementation patterns', 'researcher'),
  task(
    'impl_001',
    'Implement the OAuth2 authorization code flow with PKCE in the API client. Acceptance: PKCE uses S256; the state parameter is verified; no client secret in client code; no TODO left.',
    'coder',
    ['research_001'],
  ),
];

// The researcher's "web_search" results, one fact a line.
const REFERENCES = [
  'OAuth2 implementation pattern for apps: the authorization code flow. The client redirects to the authorize endpoint, receives a one-time code on its redirect_uri and exchanges it at the token endpoint.',
  'OAuth2 implementation pattern for public clients (CLIs, SPAs, mobile apps): add PKCE (a random code_verifier, sent hashed as the code_challenge) and never embed a client secret.',
  'OAuth2 implementation pattern against CSRF: send a random, single-use state parameter and verify that the redirect returns the same state.',
  'OAuth2 tokens: keep access tokens out of logs and renew them with refresh tokens instead of repeating the login.',
  "PKCE method: use code_challenge_method=S256 (the SHA-256 of the code_verifier); plain is only for clients that cannot compute SHA-256, and OAuth 2.1 requires S256.",
].join('\n');

// The reviewer's checklist: "<check>: <text the code must contain>" or "...: !<text it must not>".
const CHECKLIST = [
  "PKCE uses S256: code_challenge_method: 'S256'",
  "the state parameter is verified: params.get('state') !== saved.state",
  'no client secret in client code: !client_secret',
  'no TODO left: !TODO',
].join('\n');

const SKILLS = {
  researcher: ['web_search', 'summarize', 'document_analysis'],
  coder: ['read_file', 'write_file', 'edit_file', 'bash', 'git'],
  reviewer: ['read_file', 'analyze_code', 'security_audit'],
};

// How every agent edits the shared JSON blocks (for hosted models; the brains below do exactly this).
const JSON_RULES = `
EDITING THE SHARED BLOCKS:
- The tasks, requests, escalations and feedback blocks hold JSON. Change one field with memory_replace, old_string running
  from the object's "id" line to the field (e.g. old_string '"id": "impl_001",\\n ... "status": "assigned"'), or rewrite a
  whole block with memory_replace whose old_string is the block's entire current value. Keep the JSON valid.
- A request is {"id": "req-N", "from", "to", "task_id", "question", "routed": false, "answer": null, "answered_by": null,
  "notified": false} in requests.pending; answering moves it to requests.resolved with "answer" and "answered_by" set.
- The workspace is markdown: append a section with memory_insert (insert_line -1) starting "## <task id> ...".
- Task statuses: pending, assigned, in_progress, blocked, review, completed, failed. Completing a task sets "status":
  "completed", "completed_at" and adds its id to the tasks block's "completed" list.`;

const SYSTEM = {
  coordinator: (roster) => `You are the coordinator for team ${TEAM_ID}.
Your shared memory blocks:
- ${label('tasks')}: Task assignments and status
- ${label('requests')}: Pending inter-agent requests
- ${label('escalations')}: Issues requiring your attention
- ${label('workspace')}: Shared outputs and deliverables
- ${label('feedback')}: Team learnings and best practices

TASK ASSIGNMENT PROCESS:
1. When new task arrives, analyze requirements
2. Check agent availability in tasks block
3. Assign based on:
   - Research tasks → researcher
   - Implementation → coder
   - Review tasks → reviewer
4. Update tasks block with assignment

COORDINATION LOOP:
Every cycle, check in this order:
1. escalations block - resolve blockers first
2. requests block - route questions between agents: for a pending request with "routed": false, set "routed": true
   and send the question to its "to" agent; for a resolved request with "notified": false, set "notified": true and send
   the answer to its "from" agent
3. tasks block - an "assigned" task whose dependencies are all completed: set its status to "in_progress" and send it to
   its assigned_to agent; a task in "review": set assigned_to to "reviewer" and send it to the reviewer
Route work with send_message_to_agent_async (other_agent_id from the list below), one message per routing.

FEEDBACK CAPTURE:
When task completes:
1. Read the completed work from workspace
2. Analyze what worked/didn't work
3. Update feedback block with learning (learnings gets {"task_id", "learning", "timestamp"}; task_feedback[task id] gets
   {"timestamp", "what_worked", "what_didnt", "suggestions", "patterns_observed"})
4. If pattern emerges, add to best_practices or common_mistakes
When a cycle is done, answer with one line per action you took, or "Nothing to do" and the task statuses.

Available workers:
${roster}
${JSON_RULES}`,
  researcher: `You are the researcher for team ${TEAM_ID}.
Your shared memory blocks:
- ${label('tasks')}: Your assigned research tasks
- ${label('requests')}: Where coders/reviewers ask you questions
- ${label('escalations')}: Use this to ask coordinator for clarification
- ${label('workspace')}: Store research findings here
- ${label('feedback')}: Learn from past research tasks

BEFORE STARTING RESEARCH:
1. Check feedback block for "common_mistakes" related to research
2. Look for "best_practices" in research methodology

DURING RESEARCH:
- Your web_search results are in your references block: use the lines relevant to the task
- Post findings to workspace with clear structure ("## <task id>: <description> (researcher)", then "- " lines)
- Then complete the task in the tasks block
- Answer requests addressed to you (pending, "to": "researcher", "routed": true) from your references
- If scope unclear, escalate to coordinator
${JSON_RULES}`,
  coder: `You are the coder for team ${TEAM_ID}.
Your shared memory blocks:
- ${label('tasks')}: Your coding assignments
- ${label('requests')}: Where you ask researcher for info
- ${label('escalations')}: Use this to ask coordinator for clarification
- ${label('workspace')}: Store code and outputs here
- ${label('feedback')}: Learn from past coding tasks

BEFORE CODING:
1. Read the research your task depends on in the workspace
2. Check feedback block for "common_mistakes" in coding patterns

COLLABORATION PATTERNS:
- Post your code to the workspace ("## <task id>: code (coder)" and a code block)
- Need information the research does not give? Mark the gap "TODO(req-N)" in the code, add the question to the requests
  block for the researcher and set your task to "blocked"
- When your request is answered, fix the TODO in the workspace and set your task to "review"; the coordinator routes it
  to the reviewer
${JSON_RULES}`,
  reviewer: `You are the reviewer for team ${TEAM_ID}.
Your shared memory blocks:
- ${label('tasks')}: Your review assignments
- ${label('requests')}: Where you ask coders for clarification
- ${label('escalations')}: Use this to ask coordinator for help
- ${label('workspace')}: Read code here, post review comments
- ${label('feedback')}: Learn from past review patterns

REVIEW PROCESS:
- Check the code in the workspace against your checklist block and the acceptance criteria in the task description
- Approved? → append "## <task id>: review (reviewer)" with "APPROVED" and the checks to the workspace, then complete the task
- Issues? → append "CHANGES REQUESTED" with the failed checks to the workspace and add an escalation for the coordinator
${JSON_RULES}`,
};

// ---------------------------------------------------------------------------------------------
// The scripted brains. Each looks at what its agent is shown (the shared blocks in the system
// prompt, the message, this run's tool results) and takes the next step of the protocol above.

/** The team's shared blocks as the agent sees them: { tasks: { label, raw, json }, ... }. */
function blocks(request) {
  const out = {};
  for (const kind of KINDS) {
    const b = c.findBlock(request, `_${kind}`);
    out[kind] = { label: b?.label, raw: b?.value ?? '', json: kind === 'workspace' ? null : c.parseJsonBlock(b?.value) };
  }
  return out;
}

/** The `"field": value` a field edit set (from its new_string), with the id it was anchored on. */
function fieldEdit(x) {
  if (x?.name !== 'memory_replace' || x.result?.status !== 'OK') return null;
  const id = x.args.old_string?.match(/^"id": "([^"]+)"/)?.[1];
  const m = x.args.new_string?.match(/"(\w+)": (.+)$/);
  return id && m ? { label: x.args.label, id, field: m[1], value: c.parseJson(m[2]) } : null;
}

/** Ends a run: one line per thing this turn did (`phrase` of each successful call), or `idle`. */
function report(calls, idle, phrase) {
  const done = calls.filter((x) => x.result?.status === 'OK');
  if (!done.length) return c.reply(idle);
  return c.reply(done.map((x) => `- ${phrase(x)}`).join('\n'), 'Done for now: report.');
}

/** A generic line about a call on the team's blocks (labels without the team prefix). */
function phrase(x, names = {}) {
  const kind = String(x.args.label ?? '').replace(`${TEAM_ID}_`, '');
  const f = fieldEdit(x);
  if (f) return `${kind}: ${f.id}.${f.field} = ${JSON.stringify(f.value)}`;
  if (x.name === 'memory_insert') return `${kind}: added "${x.args.new_string.split('\n')[0]}"`;
  if (x.name === 'send_message_to_agent_async') return `sent to the ${names[x.args.other_agent_id] ?? x.args.other_agent_id}: "${c.clip(x.args.message, 90)}"`;
  const [o, n] = [c.parseJson(x.args.old_string), c.parseJson(x.args.new_string)];
  if (o && n) return `${kind}: ${c.jsonDiff(o, n).slice(0, 3).join('; ')}`;
  return `${kind}: ${c.diff(x.args.old_string ?? '', x.args.new_string ?? '', 60)}`;
}

const MAX_CALLS = 8;

function coordinator(request) {
  const { ask, calls, lastCall } = c.look(request);
  const b = blocks(request);
  const tasks = b.tasks.json?.tasks ?? {};
  const roster = Object.fromEntries([...(request.messages[0]?.content ?? '').matchAll(/^- (\w+) \((agent-[0-9a-f-]+)\)/gm)].map((m) => [m[1], m[2]]));
  const send = (to, message, why) => c.call('send_message_to_agent_async', { other_agent_id: roster[to], message }, why);

  // A new task from assign_task: acknowledge it (the app already wrote it to the tasks block).
  if (/^New task assigned:/.test(ask)) {
    const id = ask.match(/^New task assigned: (\S+)/)[1];
    const t = tasks[id];
    return c.reply(t ? `Noted: ${id} (${t.status}, ${t.assigned_to}${t.dependencies.length ? `, after ${t.dependencies.join(', ')}` : ''}). I will route it in the next coordination cycle.` : `I cannot find ${id} in the tasks block.`);
  }
  const who = Object.fromEntries(Object.entries(roster).map(([role, id]) => [id, role]));
  const say = (x) => phrase(x, who);
  if (calls.length >= MAX_CALLS) return report(calls, 'Stopping this cycle: too many actions.', say);

  // The second half of a routing: the block now says it is routed, so send the message.
  const edit = fieldEdit(lastCall);
  if (edit?.label === b.tasks.label && edit.field === 'status' && edit.value === 'in_progress') {
    const t = tasks[edit.id];
    return send(t.assigned_to, `Task ${t.id} is yours: ${t.description} Details are in ${b.tasks.label}; post your output to ${b.workspace.label}.`, `${t.id} is marked in_progress: send it to the ${t.assigned_to}.`);
  }
  if (edit?.label === b.tasks.label && edit.field === 'assigned_to' && edit.value === 'reviewer') {
    const t = tasks[edit.id];
    return send('reviewer', `Task ${t.id} is ready for review: ${t.description} The code is in ${b.workspace.label}.`, `${t.id} is assigned to the reviewer: send it.`);
  }
  if (edit?.label === b.requests.label && edit.field === 'routed') {
    const r = b.requests.json.pending.find((x) => x.id === edit.id);
    if (r) return send(r.to, `Request ${r.id} from the ${r.from} (task ${r.task_id}): "${r.question}" Answer it in ${b.requests.label}.`, `Route ${r.id} to the ${r.to}.`);
  }
  if (edit?.label === b.requests.label && edit.field === 'notified') {
    const r = b.requests.json.resolved.find((x) => x.id === edit.id);
    if (r) return send(r.from, `Your request ${r.id} is answered by the ${r.answered_by}: "${r.answer}" Continue task ${r.task_id}.`, `Deliver the answer to ${r.id} to the ${r.from}.`);
  }

  // 1. Escalations first: note each one as seen by the coordinator.
  const esc = b.escalations.json;
  if (esc?.active?.length) {
    const [first, ...rest] = esc.active;
    const resolved = [...esc.resolved, { ...first, resolution: 'seen by the coordinator; the task stays open for a human', resolved_at: c.promptTime(request) }];
    return c.call('memory_replace', c.rewriteJson(b.escalations.label, b.escalations.raw, { active: rest, resolved }), `Escalation from the ${first.from}: ${first.issue}`);
  }
  // 2. Requests: route new questions, deliver answers.
  const req = b.requests.json;
  const unrouted = req?.pending?.find((r) => !r.routed);
  if (unrouted) return c.call('memory_replace', c.jsonFieldEdit(b.requests.label, b.requests.raw, `"id": "${unrouted.id}"`, 'routed', true), `New request ${unrouted.id} for the ${unrouted.to}: route it.`);
  const answered = req?.resolved?.find((r) => !r.notified);
  if (answered) return c.call('memory_replace', c.jsonFieldEdit(b.requests.label, b.requests.raw, `"id": "${answered.id}"`, 'notified', true), `${answered.id} is answered: tell the ${answered.from}.`);
  // 3. Tasks: feedback on completed ones, then route ready and review tasks.
  const fb = b.feedback.json;
  const noFeedback = Object.values(tasks).find((t) => t.status === 'completed' && fb && !fb.task_feedback[t.id]);
  if (noFeedback) return c.call('memory_replace', c.rewriteJson(b.feedback.label, b.feedback.raw, feedbackFor(noFeedback, b, c.promptTime(request))), `${noFeedback.id} is completed: capture what we learned.`);
  const ready = Object.values(tasks).find((t) => t.status === 'assigned' && t.dependencies.every((d) => tasks[d]?.status === 'completed'));
  if (ready) return c.call('memory_replace', c.jsonFieldEdit(b.tasks.label, b.tasks.raw, `"id": "${ready.id}"`, 'status', 'in_progress'), `${ready.id} is ready (dependencies done): start it.`);
  const review = Object.values(tasks).find((t) => t.status === 'review' && t.assigned_to !== 'reviewer');
  if (review) return c.call('memory_replace', c.jsonFieldEdit(b.tasks.label, b.tasks.raw, `"id": "${review.id}"`, 'assigned_to', 'reviewer'), `${review.id} is ready for review.`);

  const statuses = Object.values(tasks).map((t) => `${t.id} ${t.status}`).join(', ');
  return report(calls, `Nothing to do: no escalations, no open requests; tasks: ${statuses}.`, say);
}

/** The coordinator's feedback on a completed task, read from the workspace and the requests. */
function feedbackFor(t, b, timestamp) {
  const fb = structuredClone(b.feedback.json);
  const asked = [...(b.requests.json?.pending ?? []), ...(b.requests.json?.resolved ?? [])].filter((r) => r.task_id === t.id);
  const approved = b.workspace.raw.match(new RegExp(`## ${t.id}: review[^\\n]*\\n(APPROVED[^\\n]*)`))?.[1];
  const findings = (b.workspace.raw.split(`## ${t.id}:`)[1] ?? '').split('\n## ')[0].split('\n').filter((l) => l.startsWith('- ')).length;
  const what_worked = approved ? `Review ${approved}` : findings ? `${findings} findings posted to the workspace before implementation started.` : 'Completed as assigned.';
  const what_didnt = asked.length ? asked.map((r) => `the ${r.from} had to ask ${r.id} ("${r.question}") mid-task`).join('; ') : 'nothing notable';
  const learning = asked.length
    ? `Research for implementation tasks should answer up front what the ${asked[0].from} had to ask: "${asked[0].question}" (answer: ${asked[0].answer ?? 'pending'}).`
    : `${t.id}: posting findings as short "- " lines in the workspace let the next task start without a hand-over.`;
  fb.task_feedback[t.id] = { timestamp, what_worked, what_didnt, suggestions: asked.length ? 'Add a "details the coder will need" section to research tasks.' : '', patterns_observed: asked.map((r) => `question from ${r.from} to ${r.to}`) };
  fb.learnings.push({ task_id: t.id, learning, timestamp });
  if (asked.length) fb.common_mistakes.push({ task_id: t.id, mistake: `Implementation started with an open question (${asked.map((r) => r.id).join(', ')}).`, timestamp });
  if (approved) fb.best_practices.push({ task_id: t.id, practice: 'Acceptance criteria in the task description made the review a checklist.', timestamp });
  return fb;
}

/** Completing a task: status, completed_at and the completed list, in one rewrite. */
function complete(b, id, when) {
  const json = structuredClone(b.tasks.json);
  Object.assign(json.tasks[id], { status: 'completed', completed_at: when });
  if (!json.completed.includes(id)) json.completed.push(id);
  return c.rewriteJson(b.tasks.label, b.tasks.raw, json);
}

const section = (workspace, heading) => workspace.split('\n## ').find((s) => s.startsWith(heading)) ?? null;

function researcher(request) {
  const { calls } = c.look(request);
  const b = blocks(request);
  const refs = (c.readBlock(request, 'references') ?? '').split('\n').filter(Boolean);
  if (calls.length >= MAX_CALLS) return report(calls, 'Stopping: too many steps.', phrase);
  // Questions for me first: answer from my references.
  const q = b.requests.json?.pending?.find((r) => r.to === 'researcher' && r.routed);
  if (q) {
    const answer = c.bestFacts(refs, q.question, 1)[0] ?? 'My references do not cover this; escalating would be next.';
    const json = structuredClone(b.requests.json);
    json.pending = json.pending.filter((r) => r.id !== q.id);
    json.resolved.push({ ...q, answer, answered_by: 'researcher', answered_at: c.promptTime(request) });
    return c.call('memory_replace', c.rewriteJson(b.requests.label, b.requests.raw, json), `${q.id} asks "${q.question}": my references answer it.`);
  }
  const mine = Object.values(b.tasks.json?.tasks ?? {}).find((t) => t.assigned_to === 'researcher' && t.status === 'in_progress');
  if (mine) {
    if (!section(b.workspace.raw, `${mine.id}:`)) {
      const facts = c.bestFacts(refs, mine.description, 5);
      const text = [`## ${mine.id}: ${mine.description} (researcher)`, 'Sources: web_search (references)', ...facts.map((f) => `- ${f}`)].join('\n');
      return c.call('memory_insert', { label: b.workspace.label, new_string: text, insert_line: -1 }, `${mine.id} is mine: post the findings.`);
    }
    return c.call('memory_replace', complete(b, mine.id, c.promptTime(request)), `Findings are in the workspace: complete ${mine.id}.`);
  }
  return report(calls, 'Nothing for me in the tasks or requests blocks.', phrase);
}

const CODE = (method, note) => `\`\`\`js
// impl_001: OAuth2 authorization code flow with PKCE (per research_001)
import { createHash, randomBytes } from 'node:crypto';

export function startLogin(cfg) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(cfg.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: cfg.clientId, redirect_uri: cfg.redirectUri, state,
    code_challenge: challenge,
    code_challenge_method: '${method}', // ${note}
  }).toString();
  return { url: url.toString(), saved: { verifier, state } };
}

export async function finishLogin(cfg, params, saved) {
  if (params.get('state') !== saved.state) throw new Error('OAuth2 state mismatch');
  const res = await fetch(cfg.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: params.get('code'), redirect_uri: cfg.redirectUri,
      client_id: cfg.clientId, code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(\`token exchange failed: \${res.status}\`);
  return res.json();
}
\`\`\``;

function coder(request) {
  const { calls } = c.look(request);
  const b = blocks(request);
  if (calls.length >= MAX_CALLS) return report(calls, 'Stopping: too many steps.', phrase);
  const mine = Object.values(b.tasks.json?.tasks ?? {}).find((t) => t.assigned_to === 'coder' && ['in_progress', 'blocked'].includes(t.status));
  if (!mine) return report(calls, 'Nothing for me in the tasks block.', phrase);
  const req = b.requests.json;
  const myRequests = [...req.pending, ...req.resolved].filter((r) => r.from === 'coder' && r.task_id === mine.id);
  const code = section(b.workspace.raw, `${mine.id}: code`);
  const research = mine.dependencies.map((d) => section(b.workspace.raw, `${d}:`) ?? '').join('\n');
  const researchSays = (re) => research.split('\n').find((l) => l.startsWith('- ') && re.test(l));

  if (!code) {
    // The research says to use PKCE, but not which method: leave a TODO and ask.
    const method = researchSays(/code_challenge_method=S256/) ? 'S256' : null;
    const id = `req-${req.pending.length + req.resolved.length + 1}`;
    const body = CODE(method ?? 'TODO', method ? 'per research_001' : `TODO(${id}): which method? asked the researcher`);
    return c.call('memory_insert', { label: b.workspace.label, new_string: `## ${mine.id}: code (coder)\n${body}`, insert_line: -1 }, `${mine.id} is mine and research_001 is done: post the code.`);
  }
  const todo = code.match(/TODO\((req-\d+)\)/);
  if (todo) {
    const asked = myRequests.find((r) => r.id === todo[1]);
    if (!asked) {
      const json = structuredClone(req);
      json.pending.push({ id: todo[1], from: 'coder', to: 'researcher', task_id: mine.id, question: 'Which PKCE code_challenge_method should the client use, and is plain acceptable?', routed: false, answer: null, answered_by: null, notified: false });
      return c.call('memory_replace', c.rewriteJson(b.requests.label, b.requests.raw, json), `The research does not say which PKCE method: ask the researcher (${todo[1]}).`);
    }
    if (!asked.answer) {
      if (mine.status === 'blocked') return report(calls, `${mine.id} is blocked on ${asked.id}.`, phrase);
      return c.call('memory_replace', c.jsonFieldEdit(b.tasks.label, b.tasks.raw, `"id": "${mine.id}"`, 'status', 'blocked'), `Wait for ${asked.id}: ${mine.id} is blocked.`);
    }
    const method = asked.answer.match(/code_challenge_method=(\w+)/)?.[1] ?? 'S256';
    const line = code.split('\n').find((l) => l.includes(`TODO(${asked.id})`));
    return c.call('memory_replace', { label: b.workspace.label, old_string: line, new_string: `    code_challenge_method: '${method}', // per ${asked.id}: the researcher says use ${method}` }, `${asked.id} is answered (${method}): fix the TODO.`);
  }
  if (mine.status !== 'review') return c.call('memory_replace', c.jsonFieldEdit(b.tasks.label, b.tasks.raw, `"id": "${mine.id}"`, 'status', 'review'), `The code for ${mine.id} is complete: ready for review.`);
  return report(calls, `${mine.id} is in review.`, phrase);
}

function reviewer(request) {
  const { calls } = c.look(request);
  const b = blocks(request);
  if (calls.length >= MAX_CALLS) return report(calls, 'Stopping: too many steps.', phrase);
  const mine = Object.values(b.tasks.json?.tasks ?? {}).find((t) => t.assigned_to === 'reviewer' && t.status === 'review');
  if (!mine) return report(calls, 'Nothing to review.', phrase);
  const code = section(b.workspace.raw, `${mine.id}: code`) ?? '';
  const checks = (c.readBlock(request, 'checklist') ?? '').split('\n').filter(Boolean).map((line) => {
    const [name, want] = [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)];
    return { name, ok: want.startsWith('!') ? !code.includes(want.slice(1)) : code.includes(want) };
  });
  const failed = checks.filter((x) => !x.ok);
  if (!section(b.workspace.raw, `${mine.id}: review`)) {
    const verdict = failed.length ? `CHANGES REQUESTED: ${failed.map((x) => x.name).join('; ')}` : `APPROVED (${checks.length}/${checks.length} checks passed)`;
    const text = [`## ${mine.id}: review (reviewer)`, verdict, ...checks.map((x) => `- [${x.ok ? 'x' : ' '}] ${x.name}`)].join('\n');
    return c.call('memory_insert', { label: b.workspace.label, new_string: text, insert_line: -1 }, `Reviewed ${mine.id} against my checklist: ${failed.length ? 'issues' : 'all good'}.`);
  }
  if (failed.length) {
    const esc = structuredClone(b.escalations.json);
    if (esc.active.some((e) => e.task_id === mine.id)) return report(calls, `${mine.id}: changes requested.`, phrase);
    esc.active.push({ id: `esc-${esc.active.length + esc.resolved.length + 1}`, from: 'reviewer', task_id: mine.id, issue: `Review failed: ${failed.map((x) => x.name).join('; ')}` });
    return c.call('memory_replace', c.rewriteJson(b.escalations.label, b.escalations.raw, esc), 'Escalate the failed review to the coordinator.');
  }
  return c.call('memory_replace', complete(b, mine.id, c.promptTime(request)), `${mine.id} is approved: complete it.`);
}

// ---------------------------------------------------------------------------------------------
// The team (the seed's AgentTeam.deploy_team, with the blocks shared for real)

const hosted = c.chooseHosted(args);
const log = c.makeLog(args.asJson);
const client = c.createTeamClient({ hosted, brains: { coordinator, researcher, coder, reviewer } });
const { bold, dim, cyan, yellow } = c;

await c.runExample({ name: 'coordination-team', ...args, hosted, log, client }, async () => {
  // create_shared_blocks: the seed's five blocks, created once.
  const initial = {
    tasks: c.formatJson({ version: VERSION, tasks: {}, completed: [] }),
    requests: c.formatJson({ pending: [], resolved: [] }),
    escalations: c.formatJson({ active: [], resolved: [] }),
    workspace: '# Team Workspace',
    feedback: c.formatJson({ learnings: [], task_feedback: {}, common_mistakes: [], best_practices: [] }),
  };
  const limits = { tasks: 10000, requests: 5000, escalations: 3000, workspace: 15000, feedback: 10000 };
  const shared = {};
  for (const kind of KINDS) shared[kind] = await client.blocks.create({ label: label(kind), value: initial[kind], limit: limits[kind] });
  const blockIds = KINDS.map((k) => shared[k].id);

  // create_agent: every agent gets the same five blocks by id, plus its own skills block.
  const createAgent = (name, system, extraBlocks = [], tools = []) =>
    client.agents.create({
      name: `${TEAM_ID}_${name}`,
      model: c.modelFor(hosted, name),
      system,
      memoryBlocks: [
        ...(SKILLS[name] ? [{ label: 'skills', value: `# Available Skills\n${SKILLS[name].map((s) => `- ${s}`).join('\n')}`, limit: 3000 }] : []),
        ...extraBlocks,
      ],
      blockIds,
      tags: [TEAM_ID, name],
      tools,
    });
  const team = {};
  team.researcher = await createAgent('researcher', SYSTEM.researcher, [{ label: 'references', value: REFERENCES, description: 'My web_search results, one fact a line.' }]);
  team.coder = await createAgent('coder', SYSTEM.coder);
  team.reviewer = await createAgent('reviewer', SYSTEM.reviewer, [{ label: 'checklist', value: CHECKLIST, description: 'What I check in every review: "<check>: <text the code must contain>" or "!<text it must not>".' }]);
  const roster = [
    `- researcher (${team.researcher.id}): Information gathering, analysis, API docs`,
    `- coder (${team.coder.id}): Implementation, programming, debugging`,
    `- reviewer (${team.reviewer.id}): Code review, quality checks, security audit`,
  ].join('\n');
  team.coordinator = await createAgent('coordinator', SYSTEM.coordinator(roster), [], ['send_message_to_agent_async']);
  const names = Object.fromEntries(Object.entries(team).map(([role, a]) => [a.id, role]));

  log(bold(`Team ${TEAM_ID}: a coordinator, a researcher, a coder and a reviewer on ${hosted ? hosted.model : 'scripted models (no network)'}`));
  for (const [role, a] of Object.entries(team)) log(dim(`  ${role.padEnd(12)} ${a.id}`));
  log(dim(`  shared by all four (one block each, attached by id): ${KINDS.map(label).join(', ')}`));

  const ask = async (role, text) => {
    const t = performance.now();
    const response = c.checkModel(await client.agents.messages.create(team[role].id, { messages: [{ role: 'user', content: text }] }), role);
    log(`  ${bold(`app → ${role}`)}: ${c.clip(text.replace(/\n/g, ' ⏎ '), 110)} ${dim(`(${(performance.now() - t).toFixed(0)} ms)`)}`);
    c.printResponse(log, role, response, names);
    return response;
  };

  // assign_task, as the seed's: update the tasks block, notify the coordinator.
  log(`\n${bold('1. assign_task')}`);
  for (const t of TASKS) {
    const block = await client.blocks.retrieve(shared.tasks.id);
    const data = JSON.parse(block.value);
    data.tasks[t.id] = t;
    await client.blocks.modify(shared.tasks.id, { value: c.formatJson(data) });
    await ask('coordinator', `New task assigned: ${t.id} to ${t.assigned_to}\nDescription: ${t.description}`);
  }

  // Coordination cycles, with the workers' background runs awaited in between.
  const seen = Object.fromEntries(WORKERS.map((w) => [w, 0]));
  for (const w of WORKERS) seen[w] = (await client.agents.messages.list(team[w].id, { limit: 1000 })).length;
  const cycles = [];
  let interactionsSeen = 0;
  for (let n = 1; n <= MAX_CYCLES; n++) {
    log(`\n${bold(`2.${n} coordination cycle`)}`);
    const t = performance.now();
    const response = await ask('coordinator', 'Run coordination cycle: check escalations, requests, and task status. Take actions as needed.');
    await client.waitForIdle();
    const interactions = await client.interactions.list();
    c.checkInteractions(interactions, names);
    const fresh = interactions.slice(interactionsSeen);
    interactionsSeen = interactions.length;
    const workers = [];
    for (const w of WORKERS) {
      const history = await client.agents.messages.list(team[w].id, { limit: 1000 });
      const run = history.slice(seen[w]);
      seen[w] = history.length;
      if (!run.length) continue;
      workers.push(w);
      const incoming = run.filter((m) => m.messageType === 'user_message').map((m) => c.unframe(m.content).text);
      for (const text of incoming) log(`  ${yellow(`coordinator ⇢ ${w}`)} ${dim('(send_message_to_agent_async, run in the background)')}: ${c.clip(text, 110)}`);
      c.printResponse(log, w, { messages: run.filter((m) => m.messageType !== 'user_message') }, names);
      // A background run's failure shows only on the agent (its run has no caller to return it to).
      const state = await client.agents.retrieve(team[w].id);
      if (state.lastStopReason === 'llm_api_error') throw new c.ModelUnavailable(`${w}: its background run ended with llm_api_error (the engine keeps no error text for it)`);
    }
    const actions = c.toolCalls(response).length;
    cycles.push({ cycle: n, coordinatorActions: actions, messages: fresh.map((x) => `${names[x.senderId]} → ${names[x.receiverId]}: ${x.status}`), workers, ms: Math.round(performance.now() - t) });
    log(dim(`  cycle ${n}: ${c.plural(actions, 'coordinator action')}, ${c.plural(fresh.length, 'message')} to workers, ${workers.length ? `${workers.join(', ')} ran` : 'no worker ran'} (${cycles.at(-1).ms} ms)`));
    if (!actions && !workers.length) break;
  }

  // The outcome.
  const values = {};
  for (const kind of KINDS) values[kind] = (await client.blocks.retrieve(shared[kind].id)).value;
  log(`\n${bold('The shared blocks now')}`);
  for (const kind of KINDS) log(`  ${cyan(label(kind))}\n    ${c.indent(values[kind], '    ')}`);
  const tasks = c.parseJsonBlock(values.tasks);
  const requests = c.parseJsonBlock(values.requests);
  const feedback = c.parseJsonBlock(values.feedback);
  const interactions = await client.interactions.list();
  const workspace = values.workspace;
  const codeSection = section(workspace, 'impl_001: code') ?? '';
  const agentsOfBlocks = await Promise.all(KINDS.map((k) => client.blocks.agents.list(shared[k].id)));

  log(`\n${bold('Interaction log')} ${dim('(client.interactions.list())')}`);
  c.printInteractions(log, interactions, names);

  const checks = [
    { check: 'each of the five blocks is one block attached to all four agents', ok: agentsOfBlocks.every((list) => list.length === 4) },
    ...TASKS.map((t) => ({ check: `${t.id} reached completed`, ok: tasks?.tasks?.[t.id]?.status === 'completed' && tasks.completed.includes(t.id), detail: tasks?.tasks?.[t.id]?.status })),
    { check: 'the workspace holds the research', ok: /## research_001:[^\n]*\(researcher\)\n(?:.*\n)*?- /.test(workspace) },
    { check: 'the workspace holds the code, with no TODO left', ok: /```js\n[\s\S]+```/.test(codeSection) && !codeSection.includes('TODO'), detail: codeSection.slice(0, 80) },
    { check: 'the workspace holds the review: APPROVED', ok: /## impl_001: review \(reviewer\)\nAPPROVED/.test(workspace) },
    { check: "the coder's question went through the requests block and was resolved", ok: requests?.pending?.length === 0 && requests?.resolved?.some((r) => r.from === 'coder' && r.to === 'researcher' && r.answered_by === 'researcher' && r.answer && r.notified) },
    { check: 'the feedback block has a learning and feedback on every task', ok: feedback?.learnings?.length > 0 && TASKS.every((t) => feedback.task_feedback?.[t.id]) },
    {
      check: 'the coordinator routed the work with send_message_to_agent_async, every message delivered',
      ok: interactions.length > 0 && interactions.every((x) => x.kind === 'async' && x.status === 'delivered' && x.senderId === team.coordinator.id),
    },
    { check: 'every worker took part', ok: WORKERS.every((w) => interactions.some((x) => x.receiverId === team[w].id)) },
    { check: `the cycles came to rest (a cycle with nothing to do) within ${MAX_CYCLES}`, ok: cycles.at(-1)?.coordinatorActions === 0 && !cycles.at(-1)?.workers.length },
  ];

  return {
    checks,
    summary: {
      teamId: TEAM_ID,
      cycles,
      tasks,
      requests,
      feedback,
      workspace,
      interactions: interactions.map((x) => ({ kind: x.kind, sender: names[x.senderId], receiver: names[x.receiverId], status: x.status, message: x.message })),
    },
  };
});
