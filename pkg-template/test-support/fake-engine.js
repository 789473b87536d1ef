// A stand-in for the wasm `Engine`, in plain JS over a tiny in-memory store: just enough of the
// Engine contract and of Letta's V1 routes to test the doors' reshaping before the wasm exists.
// Not shipped (not in package.json "files").
//
// Extras for tests: `calls` records every request as {method, path, query, body} (parsed), and
// agents whose model is `fake/error-mid-stream` emit one event and then an error envelope.

let seq = 0;
const id = (prefix) => `${prefix}-00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const now = () => new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString();
const tick = () => new Promise((r) => setTimeout(r, 1));

const ok = (body, status = 200) => JSON.stringify({ status, body });
const fail = (status, detail) => JSON.stringify({ status, body: { detail } });

export class FakeEngine {
  constructor(optionsJson) {
    this.options = JSON.parse(optionsJson);
    this.blocks = new Map();
    this.agents = new Map();
    this.tools = new Map();
    this.messages = new Map(); // agent id -> LettaMessage[]
    this.models = new Map(); // name -> { fn, requests, calls, inFlight, peak }
    this.toolFns = new Map();
    this.calls = [];
    this.freed = false;
  }

  // ---- Engine contract -------------------------------------------------------------------

  async request(method, path, queryJson, bodyJson) {
    return this.#route(method, path, queryJson, bodyJson, null);
  }

  async stream(method, path, queryJson, bodyJson, onEvent) {
    return this.#route(method, path, queryJson, bodyJson, onEvent);
  }

  set_model(name, fn) {
    this.models.set(name, { fn, requests: [], calls: 0, inFlight: 0, peak: 0 });
  }

  model_requests(name) {
    return JSON.stringify(this.models.get(name)?.requests ?? []);
  }

  model_stats(name) {
    const m = this.models.get(name);
    return JSON.stringify({ calls: m?.calls ?? 0, in_flight: m?.inFlight ?? 0, peak_in_flight: m?.peak ?? 0 });
  }

  set_tool(name, fn) {
    this.toolFns.set(name, fn);
  }

  free() {
    this.freed = true;
  }

  // ---- routes ------------------------------------------------------------------------------

  async #route(method, path, queryJson, bodyJson, onEvent) {
    if (typeof queryJson !== 'string') throw new TypeError('query_json must be a string');
    const pairs = JSON.parse(queryJson);
    const body = bodyJson === undefined ? undefined : JSON.parse(bodyJson);
    this.calls.push({ method, path, query: pairs, body });
    const q = (k) => pairs.filter(([key]) => key === k).map(([, v]) => v);
    const seg = path.split('/').slice(1).map(decodeURIComponent); // ['v1', 'blocks', '']
    const route = `${method} /${seg.map((s, i) => (i >= 2 && s && !['count', 'core-memory', 'blocks', 'messages', 'stream', 'agents', 'tools'].includes(s) ? ':' : s)).join('/')}`;

    switch (route) {
      case 'POST /v1/blocks/': {
        if (typeof body?.label !== 'string') {
          return JSON.stringify({ status: 422, body: { detail: [{ loc: ['body', 'label'], msg: 'Field required', type: 'missing' }] } });
        }
        return ok(this.#newBlock(body));
      }
      case 'GET /v1/blocks/': {
        let list = [...this.blocks.values()];
        for (const label of q('label')) list = list.filter((b) => b.label === label);
        const limit = q('limit')[0];
        return ok(limit ? list.slice(0, Number(limit)) : list);
      }
      case 'GET /v1/blocks/count':
        return ok(this.blocks.size);
      case 'GET /v1/blocks/:':
      case 'PATCH /v1/blocks/:':
      case 'DELETE /v1/blocks/:': {
        const block = this.blocks.get(seg[2]);
        if (!block) return fail(404, `Block not found: ${seg[2]}`);
        if (method === 'PATCH') Object.assign(block, body);
        if (method === 'DELETE') this.blocks.delete(block.id);
        return ok(method === 'DELETE' ? null : block);
      }
      case 'POST /v1/agents/': {
        for (const bid of body?.block_ids ?? []) if (!this.blocks.has(bid)) return fail(404, `Block not found: ${bid}`);
        const own = (body?.memory_blocks ?? []).map((b) => this.#newBlock(b));
        const agent = {
          id: id('agent'),
          name: body?.name ?? `agent-${seq}`,
          system: body?.system ?? 'You are a helpful agent.',
          agent_type: 'memgpt_v2_agent',
          tags: body?.tags ?? [],
          metadata: body?.metadata ?? null,
          tools: [],
          sources: [],
          block_ids: [...own.map((b) => b.id), ...(body?.block_ids ?? [])],
          llm_config: { model: body?.model ?? 'scripted/default', model_endpoint_type: 'openai', context_window: 32000 },
          embedding_config: { embedding_model: 'none', embedding_endpoint_type: 'openai', embedding_dim: 0 },
          created_at: now(),
          updated_at: now(),
        };
        this.agents.set(agent.id, agent);
        this.messages.set(agent.id, []);
        return ok(this.#agentView(agent));
      }
      case 'GET /v1/agents/': {
        let list = [...this.agents.values()];
        for (const tag of q('tags')) list = list.filter((a) => a.tags.includes(tag));
        return ok(list.map((a) => this.#agentView(a)));
      }
      case 'GET /v1/agents/count':
        return ok(this.agents.size);
      case 'GET /v1/agents/:':
      case 'DELETE /v1/agents/:': {
        const agent = this.agents.get(seg[2]);
        if (!agent) return fail(404, `Agent not found: ${seg[2]}`);
        if (method === 'DELETE') this.agents.delete(agent.id);
        return ok(method === 'DELETE' ? null : this.#agentView(agent));
      }
      case 'GET /v1/agents/:/core-memory/blocks': {
        const agent = this.agents.get(seg[2]);
        if (!agent) return fail(404, `Agent not found: ${seg[2]}`);
        return ok(this.#agentView(agent).memory.blocks);
      }
      case 'GET /v1/agents/:/core-memory/blocks/:': {
        const agent = this.agents.get(seg[2]);
        if (!agent) return fail(404, `Agent not found: ${seg[2]}`);
        const block = this.#agentView(agent).memory.blocks.find((b) => b.label === seg[5]);
        return block ? ok(block) : fail(404, `Block with label ${seg[5]} not found for agent ${agent.id}`);
      }
      case 'POST /v1/tools/': {
        const name = body?.json_schema?.name ?? body?.name;
        if (!name) return fail(400, 'Tool needs a name (json_schema.name)');
        const tool = { id: id('tool'), name, tool_type: 'custom', json_schema: body.json_schema ?? null, metadata_: body.metadata_ ?? null, tags: body.tags ?? [] };
        this.tools.set(tool.id, tool);
        return ok(tool);
      }
      case 'POST /v1/agents/:/messages':
      case 'POST /v1/agents/:/messages/stream':
        return this.#send(seg[2], body, onEvent);
      default:
        return fail(404, `Not Found: ${method} ${path}`);
    }
  }

  #newBlock(b) {
    const block = { id: id('block'), label: b.label, value: b.value ?? '', limit: b.limit ?? 5000, description: b.description ?? null, metadata: b.metadata ?? {}, read_only: false };
    this.blocks.set(block.id, block);
    return block;
  }

  #agentView(agent) {
    const blocks = agent.block_ids.map((bid) => this.blocks.get(bid)).filter(Boolean);
    const { block_ids, ...rest } = agent;
    return { ...rest, memory: { blocks }, blocks };
  }

  // One agent step with a scripted model; emits reasoning/tool/assistant messages, stop_reason, usage.
  async #send(agentId, body, onEvent) {
    const agent = this.agents.get(agentId);
    if (!agent) return fail(404, `Agent not found: ${agentId}`);
    const out = [];
    const emit = async (m) => {
      const msg = { id: id('message'), date: now(), ...m };
      out.push(msg);
      if (onEvent) {
        await tick();
        onEvent(JSON.stringify(msg));
      }
    };

    if (agent.llm_config.model === 'fake/error-mid-stream') {
      await emit({ message_type: 'reasoning_message', reasoning: 'about to fail' });
      return fail(500, 'model exploded');
    }

    const name = agent.llm_config.model.replace(/^scripted\//, '');
    const model = this.models.get(name);
    if (!model) return fail(400, `Unknown model: ${agent.llm_config.model}`);
    const request = {
      model: agent.llm_config.model,
      messages: [{ role: 'system', content: agent.system }, ...(body?.messages ?? []).map((m) => ({ role: m.role, content: m.content }))],
      tools: [...this.tools.values()].map((t) => ({ name: t.name, description: '', parameters: t.json_schema?.parameters ?? {} })),
      agent_id: agent.id,
      step: 0,
    };
    model.requests.push(request);
    model.calls++;
    model.peak = Math.max(model.peak, ++model.inFlight);
    const res = JSON.parse(await model.fn(JSON.stringify(request)));
    model.inFlight--;
    if (res.error) return fail(res.error.status ?? 502, res.error.message);

    if (res.reasoning) await emit({ message_type: 'reasoning_message', reasoning: res.reasoning });
    for (const call of res.tool_calls ?? []) {
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
      const callId = call.id ?? id('call');
      await emit({ message_type: 'tool_call_message', tool_call: { name: call.name, arguments: args, tool_call_id: callId } });
      let ret;
      let status = 'success';
      try {
        ret = await this.toolFns.get(call.name)(args, JSON.stringify({ agent_id: agent.id }));
      } catch (err) {
        ret = `Error: ${err.message}`;
        status = 'error';
      }
      await emit({ message_type: 'tool_return_message', tool_return: ret, status, tool_call_id: callId });
    }
    if (res.content) await emit({ message_type: 'assistant_message', content: res.content });
    this.messages.get(agent.id).push(...out);

    const stopReason = { message_type: 'stop_reason', stop_reason: 'end_turn' };
    const usage = { message_type: 'usage_statistics', completion_tokens: 1, prompt_tokens: 2, total_tokens: 3, step_count: 1 };
    if (onEvent) {
      for (const chunk of [stopReason, usage]) {
        await tick();
        onEvent(JSON.stringify(chunk));
      }
    }
    return ok({ messages: out, stop_reason: stopReason, usage });
  }
}
