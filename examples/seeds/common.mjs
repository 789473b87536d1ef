// Shared helpers of the seed examples (examples/seeds/*.mjs): the command line, the model choice
// (scripted brains or a hosted model), printing runs and the interaction log, reading what a
// scripted model is shown (memory blocks, this run's tool results), JSON kept in memory blocks, and
// the outcome report with its exit code (0 ok, 1 wrong outcome, 2 model unusable).

import { LettaClient } from '../../pkg/entry/node.js'; // installed users write: import { LettaClient } from 'letta-wasm';

export { LettaClient };

// ---------------------------------------------------------------------------------------------
// Command line and model choice

/**
 * Parses `node examples/seeds/<name>.mjs ["text"] [--json] [--scripted] [--output FILE]`.
 * Prints `usage` and exits on --help.
 */
export function parseArgs(usage) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  const valueOf = (flag) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const output = valueOf('--output');
  const text = argv
    .filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--output')
    .join(' ')
    .trim();
  return { asJson: argv.includes('--json'), scripted: argv.includes('--scripted'), output, text };
}

/**
 * The hosted model to use: OpenAI when OPENAI_API_KEY is set, else Anthropic when
 * ANTHROPIC_API_KEY is set, else none (the scripted brains). `--scripted` always means none.
 * OPENAI_BASE_URL / ANTHROPIC_BASE_URL point the provider elsewhere (a proxy, a compatible server).
 */
export function chooseHosted({ scripted }) {
  if (scripted) return null;
  const { env } = process;
  if (env.OPENAI_API_KEY) return { provider: 'openai', model: 'openai/gpt-4o-mini', apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL };
  if (env.ANTHROPIC_API_KEY) {
    return { provider: 'anthropic', model: 'anthropic/claude-3-5-haiku-latest', apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL };
  }
  return null;
}

/**
 * A client for the team: with `hosted`, its provider is configured (`providers: { openai: { apiKey } }`);
 * otherwise each role's brain is programmed as the scripted model `scripted/<role>`, answering after
 * `latencyMs` (a stand-in for a model's think time, so parallel runs overlap as they would live).
 */
export function createTeamClient({ hosted, brains, latencyMs = 15 }) {
  const settings = hosted && { apiKey: hosted.apiKey, ...(hosted.baseUrl ? { baseUrl: hosted.baseUrl } : {}) };
  const client = new LettaClient(hosted ? { providers: { [hosted.provider]: settings } } : {});
  if (!hosted) for (const [role, brain] of Object.entries(brains)) client.scripted.define(role, withLatency(brain, latencyMs));
  return client;
}

/** The model handle of a role: the hosted model, or its scripted brain. */
export const modelFor = (hosted, role) => hosted?.model ?? `scripted/${role}`;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A brain that answers after `ms`, like a model over the network. */
export function withLatency(brain, ms) {
  if (!ms) return brain;
  return async (request) => {
    await sleep(ms);
    return brain(request);
  };
}

// ---------------------------------------------------------------------------------------------
// Output

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : String(s));
export const [bold, dim, red, green, yellow, cyan, magenta] = ['1', '2', '31', '32', '33', '36', '35'].map(paint);
export const indent = (text, pad) => String(text).replaceAll('\n', `\n${pad}`);
export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
export const clip = (s, n = 90) => {
  s = String(s ?? '');
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};
const oneLine = (s) => String(s ?? '').replace(/\s*\n\s*/g, ' ⏎ ');

/**
 * The printer of an example: `log(...)` prints unless --json (the JSON summary is then the only
 * thing on stdout); every line is also kept, for `--output FILE`.
 */
export function makeLog(asJson) {
  // `| head` closes stdout early: stop quietly instead of throwing EPIPE.
  process.stdout.on('error', (err) => (err.code === 'EPIPE' ? process.exit(0) : Promise.reject(err)));
  const lines = [];
  const log = (...parts) => {
    const line = parts.join(' ');
    lines.push(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (!asJson) console.log(line);
  };
  log.lines = lines;
  return log;
}

/** What a changed stretch of text became: `"old" → "new"` with the common prefix/suffix cut. */
export function diff(o = '', n = '', width = 48) {
  let p = 0;
  while (p < o.length && o[p] === n[p]) p++;
  let s = 0;
  while (s < o.length - p && s < n.length - p && o.at(-1 - s) === n.at(-1 - s)) s++;
  const cut = (x) => clip(`“${x.slice(p, x.length - s).replace(/\n\s*/g, '⏎ ')}”`, width);
  return `${cut(o)} → ${cut(n)}`;
}

/** One line about a tool call, naming agents by name (`names`: id → name). */
export function describeCall({ name, arguments: raw }, names = {}) {
  const a = parseJson(raw);
  if (!a) return `${name}(${clip(raw, 60)})`;
  const who = (id) => names[id] ?? id;
  switch (name) {
    case 'memory_replace':
    case 'core_memory_replace': {
      const [o, n] = [a.old_string ?? a.old_content ?? '', a.new_string ?? a.new_content ?? ''];
      // A whole JSON value rewritten: the fields that changed.
      const [jo, jn] = [parseJson(o), parseJson(n)];
      if (jo && jn && typeof jo === 'object' && typeof jn === 'object') return `${name} ${a.label}: ${jsonDiff(jo, jn).slice(0, 4).join('; ') || 'no change'}`;
      // One field of one object (`"id": "x", ... "field": value`).
      const id = o.match(/^"id": "([^"]+)"/)?.[1];
      const [fo, fn] = [o, n].map((x) => x.match(/"(\w+)": ([^\n]+)$/));
      if (id && fo && fn && fo[1] === fn[1]) return `${name} ${a.label}: ${id}.${fo[1]}: ${fo[2]} → ${fn[2]}`;
      return `${name} ${a.label}: ${diff(o, n)}`;
    }
    case 'memory_insert':
    case 'core_memory_append':
      return `${name} ${a.label}: + ${clip(JSON.stringify(String(a.new_string ?? a.content ?? '').trim()), 70)}`;
    case 'memory_rethink':
      return `${name} ${a.label}: rewrote it (${String(a.new_memory ?? '').length} chars)`;
    case 'send_message_to_agents_matching_all_tags':
      return `${name} [${(a.tags ?? []).join(', ')}]: ${clip(JSON.stringify(a.message), 70)}`;
    case 'send_message_to_agents_matching_tags':
      return `${name} all[${(a.match_all ?? []).join(', ')}] some[${(a.match_some ?? []).join(', ')}]: ${clip(JSON.stringify(a.message), 60)}`;
    case 'send_message_to_agent_async':
    case 'send_message_to_agent_and_wait_for_reply':
      return `${name} → ${who(a.other_agent_id)}: ${clip(JSON.stringify(oneLine(a.message)), 60)}`;
    default:
      return `${name}(${clip(Object.entries(a).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', '), 80)})`;
  }
}

/** What changed between two JSON values: `path: old → new`, `path + added items`, `path = new`. */
export function jsonDiff(a, b, path = '', out = []) {
  const short = (v) => clip(JSON.stringify(v), 44);
  const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);
  const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) jsonDiff(a[k], b[k], path ? `${path}.${k}` : k, out);
  } else if (Array.isArray(a) && Array.isArray(b) && b.length > a.length && a.every((x, i) => same(x, b[i]))) {
    out.push(`${path} + ${b.slice(a.length).map(short).join(', ')}`);
  } else if (!same(a, b)) {
    out.push(a === undefined ? `${path} = ${short(b)}` : b === undefined ? `${path} removed` : `${path}: ${short(a)} → ${short(b)}`);
  }
  return out;
}

const MEMORY_TOOLS = ['memory_replace', 'core_memory_replace', 'memory_insert', 'core_memory_append', 'memory_rethink'];

/** Prints a LettaResponse: thoughts, tool calls, tool results (errors in red), replies. */
export function printResponse(log, who, response, names = {}, pad = '    ') {
  for (const m of response.messages) {
    if (m.messageType === 'reasoning_message') log(dim(`${pad}· ${m.reasoning}`));
    else if (m.messageType === 'tool_call_message') log(`${pad}⚙ ${describeCall(m.toolCall, names)}`);
    else if (m.messageType === 'tool_return_message') {
      if (m.status !== 'success') log(red(`${pad}  ✗ ${clip(oneLine(m.toolReturn), 200)}`));
      else if (!MEMORY_TOOLS.includes(m.name)) log(dim(`${pad}  ← ${clip(oneLine(m.toolReturn), 110)}`));
    } else if (m.messageType === 'assistant_message') log(`${pad}${cyan(`${who}:`)} ${indent(m.content, `${pad}  `)}`);
  }
  const stop = response.stopReason?.stopReason;
  if (stop && stop !== 'end_turn') log(red(`${pad}(the run stopped: ${stop}${response.error?.message ? `: ${response.error.message}` : ''})`));
}

/**
 * Prints the interaction log (`client.interactions.list()`): one exchange per message between
 * agents, with its kind, status, timing and reply, as the seed's interact script logs them.
 */
export function printInteractions(log, interactions, names = {}) {
  const who = (id) => names[id] ?? id;
  const time = (d) => (d ? new Date(d).toISOString().slice(11, 19) : '--:--:--');
  for (const [i, x] of interactions.entries()) {
    const status = x.status === 'replied' || x.status === 'delivered' ? green(x.status) : red(x.status);
    const when = dim(`${time(x.createdAt)}${x.completedAt ? `–${time(x.completedAt)}` : ''}`);
    log(`  #${i + 1} ${when} ${bold(who(x.senderId))} → ${bold(who(x.receiverId))} ${dim(`[${x.kind}]`)} ${status}`);
    log(`     ${dim('message:')} ${indent(clip(x.message, 400), '       ')}`);
    for (const r of x.reply ?? []) log(`     ${dim('reply:  ')} ${indent(clip(r, 400), '       ')}`);
    if (x.error) log(red(`     error:   ${x.error}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Runs, failures and the outcome

/** The model cannot be used (stop reason `llm_api_error`): the example exits 2. */
export class ModelUnavailable extends Error {}

/** The text of every assistant message of a response, joined. */
export const assistantText = (response) =>
  response.messages
    .filter((m) => m.messageType === 'assistant_message')
    .map((m) => m.content)
    .join('\n');

/** The tool calls of a response, in order. */
export const toolCalls = (response) => response.messages.filter((m) => m.messageType === 'tool_call_message').map((m) => m.toolCall);

/** Throws ModelUnavailable when the run ended with `llm_api_error`. */
export function checkModel(response, who) {
  if (response.stopReason?.stopReason === 'llm_api_error') {
    throw new ModelUnavailable(`${who}: ${response.error?.message ?? 'the model call failed'}`);
  }
  return response;
}

/** Throws ModelUnavailable when an agent-to-agent message failed on its receiver's model. */
export function checkInteractions(interactions, names = {}) {
  const bad = interactions.find((x) => x.status === 'failed' && /llm_api_error/.test(x.error ?? ''));
  if (bad) throw new ModelUnavailable(`${names[bad.receiverId] ?? bad.receiverId}: ${bad.error}`);
}

/**
 * Runs an example's body and ends the process: exit 0 when every check holds, 1 when one does not
 * (or the team failed), 2 when the model is unusable (an `llm_api_error`, e.g. a bad key).
 * `body()` returns `{ checks, summary }`; `summary` goes into the --json output.
 */
export async function runExample({ name, asJson, hosted, log, client, output }, body) {
  const started = performance.now();
  let result;
  try {
    result = await body();
  } catch (err) {
    const unavailable = err instanceof ModelUnavailable;
    const msg = unavailable
      ? `The model is not usable: ${err.message}` +
        (hosted ? `\nRun the scripted team instead: node examples/seeds/${name}.mjs --scripted` : '')
      : `The team failed: ${err.stack ?? err.message}`;
    console.error(red(msg));
    if (asJson) console.log(JSON.stringify({ ok: false, example: name, model: hosted?.model ?? 'scripted', error: msg }, null, 2));
    client.close();
    return exit(unavailable ? 2 : 1);
  }
  const { checks, summary = {} } = result;
  const ok = checks.every((c) => c.ok);
  log(`\n${bold('Checks')}`);
  for (const c of checks) log(`  ${c.ok ? green('✓') : red('✗')} ${c.check}${!c.ok && c.detail ? dim(` (${clip(c.detail, 160)})`) : ''}`);
  const ms = Math.round(performance.now() - started);
  log(ok ? green(bold(`\nThe team did its job (${ms} ms).`)) : red(bold('\nThe team did NOT do its job (see the checks above).')));
  if (output) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(output, log.lines.join('\n') + '\n');
    if (!asJson) console.log(dim(`(log written to ${output})`));
  }
  if (asJson) console.log(JSON.stringify({ ok, example: name, model: hosted?.model ?? 'scripted', ms, checks, ...summary }, null, 2));
  client.close();
  return exit(ok ? 0 : 1);
}

/**
 * Exits once stdout is flushed. Explicit, because a finished team can leave timers behind (the
 * engine's wait for another engine's lock on an agent is a 30 s timer that is not cleared when the
 * lock comes at once), which would keep Node running for nothing.
 */
async function exit(code) {
  await new Promise((resolve) => process.stdout.write('', resolve));
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------
// JSON in memory blocks

/** JSON.parse, or null. */
export function parseJson(text) {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The JSON object kept in a block's value, tolerating what models do to it: a ```json fence,
 * text around the object. Null when there is none.
 */
export function parseJsonBlock(text) {
  if (text == null) return null;
  const direct = parseJson(text);
  if (direct && typeof direct === 'object') return direct;
  const s = String(text).replace(/```(?:json)?/g, '');
  const [a, b] = [s.indexOf('{'), s.lastIndexOf('}')];
  return a >= 0 && b > a ? parseJson(s.slice(a, b + 1)) : null;
}

/** The block's JSON as the team writes it (two-space indent, so a human can read the log). */
export const formatJson = (value) => JSON.stringify(value, null, 2);

/**
 * A `memory_replace` that rewrites a whole JSON block: `old_string` is the exact value the agent
 * sees, so it fails (and the agent looks again) if another agent changed the block in between,
 * instead of silently overwriting that change as a full rewrite would.
 */
export const rewriteJson = (label, seenText, value) => ({ label, old_string: seenText, new_string: formatJson(value) });

/**
 * A `memory_replace` that adds `line` at the end of the markdown section `header` (`## ...`) of a
 * block, replacing its "(none yet)" placeholder. The old text includes the header, so it is unique.
 */
export function sectionAppend(label, text, header, line) {
  const start = text.indexOf(header);
  if (start < 0) return null;
  const next = text.indexOf('\n#', start + header.length);
  const section = text.slice(start, next < 0 ? text.length : next).trimEnd();
  const body = section.slice(header.length).trim();
  const updated = body === '(none yet)' || body === '' ? `${header}\n${line}` : `${section}\n${line}`;
  return { label, old_string: section, new_string: updated };
}

// ---------------------------------------------------------------------------------------------
// What a scripted brain sees

/** The value of memory block `label` in the request's system prompt (null if not attached). */
export function readBlock(request, label) {
  const system = request.messages[0]?.content ?? '';
  const esc = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = system.match(new RegExp(`<${esc}>\\n[\\s\\S]*?<value>\\n([\\s\\S]*?)\\n</value>\\n</${esc}>`));
  return m ? m[1] : null;
}

/** The first block whose label ends with `suffix` (the seed prefixes labels with the team id). */
export function findBlock(request, suffix) {
  const system = request.messages[0]?.content ?? '';
  for (const m of system.matchAll(/<([A-Za-z0-9_\-]+)>\n<description>/g)) {
    if (m[1].endsWith(suffix)) return { label: m[1], value: readBlock(request, m[1]) ?? '' };
  }
  return null;
}

/** A tool message's content `{"status": "OK"|"Failed", "message": ...}`, its message parsed if JSON. */
export function toolResult(message) {
  const v = parseJson(message?.content);
  if (!v || typeof v !== 'object') return { status: 'OK', message: message?.content ?? '' };
  const inner = typeof v.message === 'string' ? (parseJson(v.message) ?? v.message) : v.message;
  return { status: v.status, message: inner };
}

/** Strips the framing the engine puts on a message from another agent. */
export function unframe(text) {
  const m = String(text).match(/^\[Incoming message from agent with ID '([^']+)' - [^\]]*\]\s*([\s\S]*)$/);
  return m ? { from: m[1], text: m[2] } : { from: null, text: String(text) };
}

/**
 * What the agent sees in this request: the message that started the run (unframed), and this
 * run's tool calls so far, each with its result.
 */
export function look(request) {
  const { messages } = request;
  const start = messages.findLastIndex((m) => m.role === 'user');
  const turn = messages.slice(start + 1);
  const calls = [];
  for (const m of turn) {
    for (const c of m.tool_calls ?? []) calls.push({ id: c.id, name: c.name, args: parseJson(c.arguments) ?? {}, result: null });
    if (m.role === 'tool') {
      const c = calls.find((x) => x.id === m.tool_call_id);
      if (c) c.result = toolResult(m);
    }
  }
  const { from, text } = unframe(messages[start]?.content ?? '');
  return { ask: text, from, calls, lastCall: calls.at(-1) ?? null, step: request.step };
}

export const call = (name, args, reasoning) => ({ reasoning, toolCalls: [{ name, arguments: args }] });
export const reply = (content, reasoning) => ({ content, reasoning });

/** The words of a text that say something (4+ letters, crude singular). */
export const words = (text) => new Set((String(text).toLowerCase().match(/[a-z0-9]{4,}/g) ?? []).map((w) => w.replace(/s$/, '')));

/** The lines of `facts` sharing the most words with `query` (up to `max`, in their order). */
export function bestFacts(facts, query, max = 3) {
  const want = words(query);
  const scored = facts.map((fact, i) => ({ fact, i, score: [...words(fact)].filter((w) => want.has(w)).length }));
  const top = Math.max(0, ...scored.map((s) => s.score));
  if (!top) return [];
  return scored
    .filter((s) => s.score >= Math.max(1, top * 0.5))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, max)
    .sort((a, b) => a.i - b.i)
    .map((s) => s.fact);
}

/**
 * A `memory_replace` that sets one field of one object in a JSON block without touching the rest:
 * the old text runs from `anchor` (e.g. `"id": "task-001"`) to the first `"field": value` after it.
 * Null when the anchor or the field is not there.
 */
export function jsonFieldEdit(label, text, anchor, field, value) {
  const at = text.indexOf(anchor);
  if (at < 0) return null;
  const re = new RegExp(`"${field}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|[^,\\n}]+)`, 'g');
  re.lastIndex = at;
  const m = re.exec(text);
  if (!m) return null;
  const end = m.index + m[0].length;
  const old = text.slice(at, end);
  return { label, old_string: old, new_string: old.slice(0, m.index - at) + `"${field}": ${JSON.stringify(value)}` };
}

/** `2026-11-21 05:49:37 AM UTC+0000` (the prompt's memory metadata) -> ISO 8601, or null. */
export function promptTime(request) {
  const system = request.messages[0]?.content ?? '';
  const m = system.match(/recompiled: (\d{4}-\d\d-\d\d) (\d\d):(\d\d):(\d\d) (AM|PM) UTC([+-]\d\d)(\d\d)/);
  if (!m) return null;
  let h = Number(m[2]) % 12;
  if (m[5] === 'PM') h += 12;
  return new Date(`${m[1]}T${String(h).padStart(2, '0')}:${m[3]}:${m[4]}${m[6]}:${m[7]}`).toISOString().replace('.000Z', 'Z');
}
