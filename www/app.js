// The demo page: the seed-004 team (coordinator, researcher, coder, reviewer + five shared blocks)
// in this tab, on the letta-wasm package, persisted in IndexedDB.
import { LettaClient } from 'letta-wasm';
import { ROLES, SHARED, brains } from './brains.js';
import { createTeam, findTeam } from './team.js';

const DB = 'letta-www-demo';
const LS = { settings: 'letta-www-settings', runs: 'letta-www-runs', usage: 'letta-www-usage' };
const PROVIDERS = ['scripted', 'openai', 'anthropic', 'google_ai', 'openai-compatible'];
const DEFAULT_MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', google_ai: 'gemini-2.0-flash', 'openai-compatible': 'local-model' };
const params = new URLSearchParams(location.search);

const $ = (sel) => document.querySelector(sel);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const k of kids) e.append(k);
  return e;
};
const load = (key, fallback) => {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
};
const save = (key, value) => localStorage.setItem(key, JSON.stringify(value));

// ---------------------------------------------------------------------------------------------
// State

const keys = {}; // role -> API key, in memory only unless remembered
const stored = load(LS.settings, {});
const settings = {
  delayMs: params.has('delay') ? Number(params.get('delay')) : (stored.delayMs ?? 350),
  roles: Object.fromEntries(ROLES.map((r) => [r, { provider: 'scripted', model: '', baseUrl: '', remember: false, ...(stored.roles?.[r] ?? {}) }])),
};
for (const r of ROLES) {
  if (settings.roles[r].apiKey) keys[r] = settings.roles[r].apiKey;
  delete settings.roles[r].apiKey;
}

const state = {
  client: null,
  team: null,
  status: Object.fromEntries(ROLES.map((r) => [r, 'idle'])),
  usage: load(LS.usage, Object.fromEntries(ROLES.map((r) => [r, { prompt: 0, completion: 0, steps: 0 }]))),
  runs: load(LS.runs, []),
  blocks: {}, // label -> { value, added: Set(line index), fresh: Set }
  interactions: [],
  running: false,
};
window.demo = { state, ready: false, error: null, runs: 0, statusLog: [] };

function saveSettings() {
  const roles = {};
  for (const r of ROLES) {
    roles[r] = { ...settings.roles[r] };
    if (settings.roles[r].remember && keys[r]) roles[r].apiKey = keys[r];
  }
  save(LS.settings, { delayMs: settings.delayMs, roles });
}

// ---------------------------------------------------------------------------------------------
// The client and the team

function providerName(role) {
  return `demo-${role}`;
}

function modelOf(role) {
  const s = settings.roles[role];
  if (s.provider === 'scripted') return `scripted/${role}`;
  return `${providerName(role)}/${s.model || DEFAULT_MODELS[s.provider]}`;
}

function providersOption() {
  const providers = {};
  for (const r of ROLES) {
    const s = settings.roles[r];
    if (s.provider === 'scripted') continue;
    const kind = s.provider === 'openai-compatible' ? 'openai' : s.provider;
    providers[providerName(r)] = { kind, apiKey: keys[r] || undefined, baseUrl: s.baseUrl || undefined };
  }
  return providers;
}

async function openClient() {
  state.client?.close();
  const client = new LettaClient({ storage: { type: 'indexeddb', name: DB }, providers: providersOption() });
  await client.ready;
  const b = brains({
    delayMs: settings.delayMs,
    onStep(role, phase, answer) {
      if (phase === 'thinking') setStatus(role, 'thinking');
      else {
        const u = state.usage[role];
        u.prompt += answer.usage.prompt_tokens;
        u.completion += answer.usage.completion_tokens;
        u.steps += 1;
        const call = answer.toolCalls?.[0];
        setStatus(role, call ? `calling ${call.name}${describeTarget(call)}` : 'idle');
      }
    },
  });
  for (const role of ROLES) client.scripted.define(role, b[role]);
  state.client = client;

  state.team = (await findTeam(client)) ?? (await createTeam(client, modelOf));
  for (const role of ROLES) {
    const agent = state.team.agents[role];
    const want = modelOf(role);
    if (agent.model !== want && agent.llmConfig?.handle !== want) {
      state.team.agents[role] = await client.agents.modify(agent.id, { model: want });
    }
  }
}

function describeTarget(call) {
  const a = call.arguments ?? {};
  if (a.label) return ` → ${a.label}`;
  if (a.other_agent_id) return ` → ${roleOf(a.other_agent_id) ?? a.other_agent_id}`;
  return '';
}

const roleOf = (id) => ROLES.find((r) => state.team?.agents[r]?.id === id);

// ---------------------------------------------------------------------------------------------
// Running a task

async function runTask(text) {
  if (state.running || !text.trim()) return;
  state.running = true;
  setPageStatus('running', `the team is working on: ${text}`);
  $('#run').disabled = true;
  const run = { kind: 'run', at: new Date().toISOString(), role: 'coordinator', message: text, reply: null, status: 'running' };
  state.runs.push(run);
  renderTimeline();
  const poll = setInterval(() => refresh().catch(() => {}), 200);
  const hosted = settings.roles.coordinator.provider !== 'scripted';
  try {
    const stream = await state.client.agents.messages.createStream(state.team.agents.coordinator.id, {
      messages: [{ role: 'user', content: `Task: ${text}` }],
    });
    const replies = [];
    for await (const chunk of stream) {
      if (chunk.messageType === 'assistant_message') replies.push(chunk.content);
      if (hosted && chunk.messageType === 'tool_call_message') setStatus('coordinator', `calling ${chunk.toolCall.name}`);
      if (chunk.messageType === 'stop_reason') run.status = chunk.stopReason;
      if (chunk.messageType === 'usage_statistics' && hosted) {
        const u = state.usage.coordinator;
        u.prompt += chunk.promptTokens ?? 0;
        u.completion += chunk.completionTokens ?? 0;
        u.steps += chunk.stepCount ?? 0;
      }
    }
    run.reply = replies.join('\n') || '(no reply)';
  } catch (err) {
    run.status = 'error';
    run.reply = String(err?.message ?? err);
  } finally {
    clearInterval(poll);
    for (const r of ROLES) setStatus(r, 'idle');
    await refresh();
    state.running = false;
    window.demo.runs += 1;
    save(LS.runs, state.runs);
    save(LS.usage, state.usage);
    $('#run').disabled = false;
    setPageStatus(run.status === 'end_turn' ? 'ok' : 'error', `last run: ${run.status}`);
    renderTimeline();
  }
}

// ---------------------------------------------------------------------------------------------
// Refreshing from the store

async function refresh() {
  const client = state.client;
  if (!client || !state.team) return;
  for (const label of SHARED) {
    const block = await client.blocks.retrieve(state.team.blocks[label]);
    updateBlock(label, block.value);
  }
  state.interactions = await client.interactions.list();
  // Hosted workers: show who is busy from the messages still waiting for a reply.
  for (const i of state.interactions) {
    const role = roleOf(i.receiverId);
    if (role && settings.roles[role].provider !== 'scripted' && (i.status === 'queued' || i.status === 'delivered')) {
      setStatus(role, `working on a message from ${roleOf(i.senderId) ?? 'an agent'}`);
    }
  }
  renderBlocks();
  renderTimeline();
  renderAgents();
}

/** Line diff (LCS): the indexes of lines in `next` that are not in `prev`. */
export function addedLines(prev, next) {
  const a = prev.split('\n');
  const b = next.split('\n');
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const added = new Set();
  let i = 0;
  let j = 0;
  while (j < m) {
    if (i < n && a[i] === b[j]) (i++, j++);
    else if (i < n && dp[i + 1][j] >= dp[i][j + 1]) i++;
    else added.add(j++);
  }
  return added;
}

function updateBlock(label, value) {
  const old = state.blocks[label];
  if (!old) {
    state.blocks[label] = { value, added: new Set(), fresh: new Set(), changes: 0 };
    return;
  }
  if (old.value === value) {
    old.fresh = new Set();
    return;
  }
  const added = addedLines(old.value, value);
  state.blocks[label] = { value, added, fresh: added, changes: old.changes + 1 };
}

// ---------------------------------------------------------------------------------------------
// Rendering

function setPageStatus(kind, text) {
  const s = $('#status');
  s.dataset.state = kind;
  s.textContent = text;
}

function setStatus(role, status) {
  if (state.status[role] !== status) window.demo.statusLog.push(`${role}: ${status}`);
  state.status[role] = status;
  renderAgents();
}

function renderAgents() {
  const box = $('#agents');
  box.replaceChildren(
    ...ROLES.map((role) => {
      const u = state.usage[role];
      const status = state.status[role];
      return el(
        'div',
        { className: 'agent', id: `agent-${role}` },
        el('div', { className: 'name', textContent: role }),
        el('div', { className: 'model', textContent: modelOf(role) }),
        el('div', { className: 'state', textContent: status }),
        el('div', { className: 'tokens', textContent: `${u.steps} steps · ${u.prompt} prompt + ${u.completion} completion = ${u.prompt + u.completion} tokens` }),
      );
    }),
  );
  for (const role of ROLES) $(`#agent-${role}`).dataset.status = state.status[role].split(' ')[0];
}

function renderBlocks() {
  $('#blocks').replaceChildren(
    ...SHARED.map((label) => {
      const b = state.blocks[label] ?? { value: '', added: new Set(), fresh: new Set(), changes: 0 };
      const pre = el('pre');
      b.value.split('\n').forEach((line, i) => {
        pre.append(el('span', { className: b.fresh.has(i) ? 'added fresh' : b.added.has(i) ? 'added' : '', textContent: line || ' ' }));
      });
      const box = el('div', { className: 'block', id: `block-${label}` }, el('div', { className: 'label' }, label, el('small', { textContent: `${b.value.length} chars · ${b.changes} change(s) seen` })), pre);
      box.dataset.changes = b.changes;
      return box;
    }),
  );
}

function renderTimeline() {
  const items = [
    ...state.runs.map((r) => ({ ...r, from: 'you', to: r.role })),
    ...state.interactions.map((i) => ({
      kind: i.kind,
      at: new Date(i.createdAt).toISOString(),
      from: roleOf(i.senderId) ?? i.senderId,
      to: roleOf(i.receiverId) ?? i.receiverId,
      message: i.message,
      reply: i.reply?.join('\n') ?? i.error ?? null,
      status: i.status,
    })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  $('#timeline').replaceChildren(
    ...items.map((it) => {
      const li = el(
        'li',
        {},
        el('span', { className: 'who', textContent: `${it.from} → ${it.to}` }),
        el('span', { className: 'kind', textContent: ` (${it.kind}, ${it.status}) ${it.at.slice(11, 19)}` }),
        el('div', { textContent: it.message }),
      );
      li.dataset.kind = it.kind;
      if (it.reply) li.append(el('div', { className: 'reply', textContent: `↩ ${it.reply}` }));
      return li;
    }),
  );
}

function renderSettings() {
  $('#delay').value = settings.delayMs;
  $('#settings-table tbody').replaceChildren(
    ...ROLES.map((role) => {
      const s = settings.roles[role];
      const provider = el('select', { name: `provider-${role}` }, ...PROVIDERS.map((p) => el('option', { value: p, textContent: p, selected: p === s.provider })));
      const model = el('input', { name: `model-${role}`, value: s.model, placeholder: DEFAULT_MODELS[s.provider] ?? `scripted/${role}` });
      const baseUrl = el('input', { name: `base-${role}`, value: s.baseUrl, placeholder: 'http://127.0.0.1:11434/v1' });
      const key = el('input', { name: `key-${role}`, type: 'password', value: keys[role] ?? '', autocomplete: 'off' });
      const remember = el('input', { name: `remember-${role}`, type: 'checkbox', checked: s.remember });
      return el('tr', {}, el('td', { textContent: role }), el('td', {}, provider), el('td', {}, model), el('td', {}, baseUrl), el('td', {}, key), el('td', {}, remember));
    }),
  );
}

async function applySettings() {
  for (const role of ROLES) {
    const v = (name) => document.querySelector(`[name=${name}-${role}]`);
    settings.roles[role] = { provider: v('provider').value, model: v('model').value.trim(), baseUrl: v('base').value.trim(), remember: v('remember').checked };
    keys[role] = v('key').value;
  }
  settings.delayMs = Number($('#delay').value) || 0;
  saveSettings();
  setPageStatus('loading', 'reopening the engine with the new settings…');
  await openClient();
  await refresh();
  setPageStatus('ok', 'settings applied');
}

async function reset() {
  state.client?.close();
  state.client = null;
  for (const k of Object.values(LS)) localStorage.removeItem(k);
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(DB);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  location.reload();
}

// ---------------------------------------------------------------------------------------------
// Start

$('#ask').addEventListener('submit', (e) => {
  e.preventDefault();
  runTask($('#task').value);
});
$('#settings-toggle').addEventListener('click', () => ($('#settings').hidden = !$('#settings').hidden));
$('#apply').addEventListener('click', () => applySettings().catch(fail));
$('#reset').addEventListener('click', () => reset().catch(fail));
window.demo.runTask = runTask;

function fail(err) {
  window.demo.error = String(err?.message ?? err);
  setPageStatus('error', window.demo.error);
  console.error(err);
}

try {
  renderSettings();
  renderAgents();
  await openClient();
  await refresh();
  const n = state.runs.length;
  setPageStatus('ok', n ? `team restored from IndexedDB (${n} earlier run${n === 1 ? '' : 's'})` : 'team created: give it a task');
  $('#run').disabled = false;
  window.demo.ready = true;
} catch (err) {
  fail(err);
}
