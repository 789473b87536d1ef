// A team of Letta agents that lives in a Cloudflare Durable Object's storage.
//
// `new LettaClient({ storage: this.ctx.storage })` puts the whole team (agents, blocks, messages, tool
// definitions, queued agent messages) in the object's transactional storage, through letta-wasm's host
// store: each agent step is one storage transaction. The object can be evicted, the runtime restarted
// or the Worker redeployed: the next request opens the same team. What is code is not stored: the
// scripted model and the custom tool's body below are bound again each time the object starts.
//
//   GET  /team?team=<name>          the team: agents, the shared plan, message counts, tools
//   POST /team/setup?team=<name>    creates the team (once; later calls return it as it is)
//   POST /team/ask?team=<name>      {"text": "..."} -> the planner runs: notes the task in the shared
//                                   plan, files a ticket (a custom tool), answers
//
// Each team name is its own Durable Object (its own storage). Settings (vars / secrets):
//   MODEL            the planner's model handle (default "scripted/planner", offline and deterministic)
//   OPENAI_API_KEY   for MODEL = "openai/<model>"
import { LettaClient } from 'letta-wasm';

const TICKET_TOOL = {
  name: 'file_ticket',
  description: 'Files a ticket for a task and returns the ticket number.',
  parameters: { type: 'object', properties: { task: { type: 'string', description: 'The task' } }, required: ['task'] },
};

/** The offline model of the planner: note the task in the shared plan, file a ticket, answer. */
function planner(request) {
  const last = request.messages.at(-1);
  const task = request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  if (last.role === 'user') {
    return { toolCalls: [{ name: 'memory_insert', arguments: { label: 'plan', new_string: `- ${task}`, insert_line: -1 } }] };
  }
  if (last.role === 'tool' && last.name === 'memory_insert') {
    return { toolCalls: [{ name: 'file_ticket', arguments: { task } }] };
  }
  const ticket = JSON.parse(last.content).message;
  return { content: `Planned "${task}" as ticket ${ticket}.` };
}

export class Team {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.model = env.MODEL || 'scripted/planner';
    this.client = new LettaClient({
      storage: ctx.storage,
      providers: {
        scripted: { planner },
        ...(env.OPENAI_API_KEY ? { openai: { apiKey: env.OPENAI_API_KEY } } : {}),
      },
    });
    // Tool bodies are code: bind them by name at every start (the definition is in storage).
    this.client.tools.bind(TICKET_TOOL.name, async () => {
      // A tool may use the object's storage for its own data (outside the step's commit).
      const n = ((await ctx.storage.get('app/tickets')) ?? 0) + 1;
      await ctx.storage.put('app/tickets', n);
      return `T-${n}`;
    });
    // No request is served before the team's storage is open.
    ctx.blockConcurrencyWhile(() => this.client.ready);
  }

  async fetch(request) {
    const { pathname } = new URL(request.url);
    try {
      if (request.method === 'GET' && pathname === '/team') return json(await this.state());
      if (request.method === 'POST' && pathname === '/team/setup') return json(await this.setup());
      if (request.method === 'POST' && pathname === '/team/ask') {
        const { text } = await request.json();
        const planner = await this.agent('planner');
        if (!planner) return json({ error: 'no team yet: POST /team/setup first' }, 409);
        const res = await this.client.agents.messages.create(planner.id, { messages: [{ role: 'user', content: String(text) }] });
        return json({ reply: res.messages.filter((m) => m.messageType === 'assistant_message').map((m) => m.content).join('\n'), stopReason: res.stopReason.stopReason });
      }
      return json({ error: 'not found' }, 404);
    } catch (e) {
      return json({ error: String(e?.message ?? e) }, e?.statusCode ?? 500);
    }
  }

  async agent(name) {
    return (await this.client.agents.list({ name }))[0];
  }

  async setup() {
    if (await this.agent('planner')) return this.state();
    const plan = await this.client.blocks.create({ label: 'plan', value: 'Plan:', description: 'The team plan, shared by every agent.' });
    const tool = await this.client.tools.create({ jsonSchema: TICKET_TOOL });
    await this.client.agents.create({
      name: 'planner',
      model: this.model,
      memoryBlocks: [{ label: 'persona', value: 'I turn requests into planned tasks.' }],
      blockIds: [plan.id],
      toolIds: [tool.id],
    });
    await this.client.agents.create({
      name: 'reviewer',
      model: 'scripted/reviewer',
      memoryBlocks: [{ label: 'persona', value: 'I review the plan.' }],
      blockIds: [plan.id],
    });
    return this.state();
  }

  async state() {
    const agents = (await this.client.agents.list()).sort((a, b) => a.name.localeCompare(b.name));
    const messages = {};
    for (const a of agents) messages[a.name] = (await this.client.agents.messages.list(a.id, { limit: 1000 })).length;
    const plan = (await this.client.blocks.list({ label: 'plan' }))[0];
    const tools = (await this.client.tools.list()).filter((t) => t.toolType === 'custom').map((t) => t.name);
    return {
      storage: this.client._engine?.engine?.storage?.() ?? null,
      agents: agents.map((a) => ({ name: a.name, id: a.id, blocks: a.memory.blocks.map((b) => b.label).sort() })),
      plan: plan?.value ?? null,
      messages,
      tools,
      tickets: (await this.ctx.storage.get('app/tickets')) ?? 0,
    };
  }
}

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export default {
  /** `?team=<name>` picks the team (one Durable Object each); "default" otherwise. */
  fetch(request, env) {
    const team = new URL(request.url).searchParams.get('team') || 'default';
    return env.TEAM.get(env.TEAM.idFromName(team)).fetch(request);
  },
};
