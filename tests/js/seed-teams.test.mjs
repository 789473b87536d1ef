// The seeds' teams (examples/seeds/*.mjs) run to their outcome: each example is run with
// `--scripted --json` in a child node process, must exit 0, and its JSON summary must show what the
// seed's team is for (not only that it ran). The examples import the repo's pkg/ (built by
// scripts/build.sh), not the packed 'letta-wasm' this directory's other tests use.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs examples/seeds/<name>.mjs; resolves to { code, stdout, stderr, json } (never rejects). */
function runExample(name, args = ['--scripted', '--json'], env = {}) {
  // No provider keys from the caller's environment unless a test sets them.
  const base = { ...process.env, OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', NO_COLOR: '1', ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'examples/seeds', `${name}.mjs`), ...args], { cwd: root, env: base, timeout: 60_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      let json = null;
      try {
        json = JSON.parse(stdout);
      } catch {}
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr, json });
    });
  });
}

/** Fails with the example's output when it did not exit 0 with an ok summary. */
function assertOk(r) {
  const failed = (r.json?.checks ?? []).filter((c) => !c.ok).map((c) => c.check);
  assert.equal(r.code, 0, `exit ${r.code}; failed checks: ${JSON.stringify(failed)}\n${r.stderr}\n${r.stdout.slice(0, 4000)}`);
  assert.equal(r.json?.ok, true);
  assert.equal(r.json.model, 'scripted');
  assert.ok(r.json.checks.length >= 8 && r.json.checks.every((c) => c.ok));
}

test('seed 003: the supervisor broadcasts to its three workers in parallel; every task is updated', async () => {
  const r = await runExample('supervisor-workers');
  assertOk(r);
  const { board, interactions, peakInFlight, summaryText } = r.json;
  // The workers acted on their own progress notes, in the shared block.
  assert.deepEqual(
    board.active_tasks.map((t) => [t.id, t.assigned_to, t.status]),
    [
      ['task-001', 'worker_1', 'completed'],
      ['task-002', 'worker_2', 'in_progress'],
      ['task-003', 'worker_3', 'in_progress'],
    ],
  );
  assert.notEqual(board.last_updated, '2025-04-09T08:00:00Z');
  assert.match(board.team_notes, /^Focus on highlighting Q1 growth trends in the eastern region \| Status check .*task-001 completed/);
  // One broadcast exchange per worker, all replied, all running at once.
  assert.deepEqual(
    interactions.map((x) => [x.kind, x.sender, x.receiver, x.status]),
    ['worker_1', 'worker_2', 'worker_3'].map((w) => ['broadcast', 'supervisor', w, 'replied']),
  );
  assert.equal(peakInFlight, 3);
  // The summary quotes every reply, and each reply reports the status change.
  for (const x of interactions) {
    assert.equal(x.reply.length, 1);
    assert.ok(summaryText.includes(`${x.receiver}: "${x.reply[0]}"`), x.receiver);
  }
  assert.match(interactions[0].reply[0], /^task-001 \(Analyze quarterly sales data\): in_progress → completed\./);
  assert.match(interactions[2].reply[0], /^task-003 \(Prepare presentation slides\): not_started → in_progress\./);
});

test('seed 003: a custom message and --output are honoured', async (t) => {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'seed-teams-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'log.txt');
  const r = await runExample('supervisor-workers', ['--scripted', 'How', 'are', 'the', 'slides', 'going?', '--output', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const saved = await readFile(out, 'utf8');
  assert.ok(saved.includes('user → supervisor: How are the slides going?'));
  assert.ok(saved.includes('Interaction log'));
  assert.ok(saved.includes('The team did its job'));
  assert.ok(!saved.includes('\x1b['), 'no colour codes in the saved log');
});

test('seed 002: parallel research, agents as tools, wait-for-reply and the editorial pipeline', async () => {
  const r = await runExample('orchestrator');
  assertOk(r);
  const { projectMemory, researchPeakInFlight, orchestratorTools, orchestratedArticle, pipelineArticle, interactions } = r.json;
  assert.equal(researchPeakInFlight, 2, 'the two topics were researched at the same time');
  assert.deepEqual(orchestratorTools, ['call_research_agent', 'call_writer_agent', 'send_message_to_agent_and_wait_for_reply']);
  // The project block, kept by the agents: both topics researched, both articles written and edited.
  const [, researched] = projectMemory.match(/## Research Complete\n([\s\S]*?)\n## /);
  assert.deepEqual(researched.split('\n').map((l) => l.replace(/: \d+ key findings/, '')), ['- LLM memory management (researcher)', '- RAG pipeline optimization (researcher_2)']);
  const written = projectMemory.split('## Articles Written\n')[1].split('\n');
  assert.equal(written.length, 2);
  assert.match(written[0], /^- "LLM memory management techniques": draft by writer, \d+ words; edited by editor$/);
  assert.match(written[1], /^- "RAG pipeline optimization": draft by writer, \d+ words; edited by editor$/);
  assert.ok(!projectMemory.includes('(none yet)'));
  // The editor was reached with send_message_to_agent_and_wait_for_reply (the only agent-to-agent
  // message: the agents-as-tools bodies call the API, which is not an agent message).
  assert.deepEqual(interactions, [{ kind: 'wait', sender: 'orchestrator', receiver: 'editor', status: 'replied' }]);
  assert.match(orchestratedArticle, /^Final article[^\n]*\n\n# LLM Memory Management Techniques\n/);
  for (const article of [orchestratedArticle, pipelineArticle]) assert.match(article, /\nKey takeaway: \S/);
  assert.match(pipelineArticle, /^# RAG Pipeline Optimization\n\nThis article covers RAG pipeline optimization in \d points\./);
});

test('seed 004: the coordination team takes both tasks to completed through the five shared blocks', async () => {
  const r = await runExample('coordination-team');
  assertOk(r);
  const { teamId, tasks, requests, feedback, workspace, interactions, cycles } = r.json;
  assert.match(teamId, /^team_\d{8}_\d{6}$/);
  assert.deepEqual(Object.values(tasks.tasks).map((t) => [t.id, t.status]), [['research_001', 'completed'], ['impl_001', 'completed']]);
  assert.deepEqual(tasks.completed, ['research_001', 'impl_001']);
  // Workspace: research, then code (its TODO fixed from the researcher's answer), then the review.
  const order = ['## research_001:', '## impl_001: code (coder)', '## impl_001: review (reviewer)\nAPPROVED'].map((h) => workspace.indexOf(h));
  assert.ok(order.every((i, k) => i > (order[k - 1] ?? 0)), JSON.stringify(order));
  assert.ok(workspace.includes("code_challenge_method: 'S256', // per req-1"));
  // The coder's question: asked in requests, routed, answered by the researcher, delivered back.
  assert.deepEqual(requests.pending, []);
  assert.equal(requests.resolved.length, 1);
  const [req] = requests.resolved;
  assert.deepEqual([req.id, req.from, req.to, req.task_id, req.routed, req.answered_by, req.notified], ['req-1', 'coder', 'researcher', 'impl_001', true, 'researcher', true]);
  assert.match(req.answer, /S256/);
  // Feedback on both tasks, a learning drawn from the question.
  assert.deepEqual(Object.keys(feedback.task_feedback), ['research_001', 'impl_001']);
  assert.ok(feedback.learnings.some((l) => l.task_id === 'impl_001' && l.learning.includes(req.question)));
  // The coordinator routed everything with send_message_to_agent_async, in the protocol's order.
  assert.deepEqual(
    interactions.map((x) => [x.kind, x.sender, x.receiver, x.status]),
    ['researcher', 'coder', 'researcher', 'coder', 'reviewer'].map((w) => ['async', 'coordinator', w, 'delivered']),
  );
  assert.match(interactions[2].message, /^Request req-1 from the coder/);
  // The cycles came to rest: the last one did nothing.
  assert.ok(cycles.length >= 6 && cycles.length <= 10, `${cycles.length} cycles`);
  assert.deepEqual([cycles.at(-1).coordinatorActions, cycles.at(-1).workers], [0, []]);
});

test('the examples exit 2 with the error message when the hosted model answers llm_api_error', async (t) => {
  // A stand-in for the provider that refuses the key, as OpenAI does.
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'Incorrect API key provided: sk-test.', type: 'invalid_request_error', code: 'invalid_api_key' } }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `http://127.0.0.1:${server.address().port}/v1` };
  for (const name of ['supervisor-workers', 'orchestrator', 'coordination-team']) {
    const r = await runExample(name, ['--json'], env);
    assert.equal(r.code, 2, `${name}: exit ${r.code}\n${r.stderr}${r.stdout}`);
    assert.equal(r.json?.ok, false);
    assert.equal(r.json.model, 'openai/gpt-4o-mini');
    assert.match(r.json.error, /not usable: .*401.*Incorrect API key/s, name);
    assert.match(r.stderr, /Incorrect API key/);
  }
  assert.ok(hits >= 3, 'the examples called the configured provider');
});
