// The 0.x door: `LettaClient`, shaped like @letta-ai/letta-client 0.x (Fern): camelCase objects in and
// out, `modify`, parent-first arguments, plain arrays, `createStream`, `LettaError`.
// It only reshapes arguments; every behaviour lives in the engine, reached in-process.

import { camelKey, toCamel, toSnake } from './case.js';
import { EngineHandle, path } from './engine.js';
import { errors0, rawResponse } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Engine wiring. The entry files (entry/*.js) initialise the wasm and hand over its `Engine` class;
// tests hand over a fake. `new LettaClient({ _engine })` also accepts an engine instance directly.

let EngineClass = null;

/** Sets the `Engine` class new clients instantiate. Called by the entry files after wasm init. */
export function setEngineClass(cls) {
  EngineClass = cls;
}

function createEngine(options) {
  if (!EngineClass) {
    throw new Error(
      "letta-wasm is not initialised: import from 'letta-wasm' (initialises itself), " +
        "or call init() / initSync() from 'letta-wasm/slim' before creating a client.",
    );
  }
  return new EngineClass(JSON.stringify(options));
}

// ---------------------------------------------------------------------------------------------
// 0.x methods return an `HttpResponsePromise`: a Promise of the data with `.withRawResponse()`.
// Like Fern's, it is lazy: the inner promise is only unwrapped when someone awaits it.

export class HttpResponsePromise extends Promise {
  #inner;
  #unwrapped;

  constructor(inner) {
    super((resolve) => resolve(undefined));
    this.#inner = inner;
  }

  static get [Symbol.species]() {
    return Promise;
  }

  #unwrap() {
    this.#unwrapped ??= this.#inner.then(({ data }) => data);
    return this.#unwrapped;
  }

  then(onFulfilled, onRejected) {
    return this.#unwrap().then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this.#unwrap().catch(onRejected);
  }

  finally(onFinally) {
    return this.#unwrap().finally(onFinally);
  }

  /** Resolves to `{ data, rawResponse }`. */
  withRawResponse() {
    return this.#inner;
  }
}

function requestOptionsToEngine(opts) {
  return {
    signal: opts?.abortSignal,
    timeoutMs: opts?.timeoutInSeconds != null ? opts.timeoutInSeconds * 1000 : undefined,
  };
}

/** Tool bodies: the wire field for a tool's metadata is `metadata_`. */
function toolWire(request) {
  const wire = toSnake(request);
  if ('metadata' in wire) {
    wire.metadata_ = wire.metadata;
    delete wire.metadata;
  }
  return wire;
}

// ---------------------------------------------------------------------------------------------

export class LettaClient {
  /**
   * @param {object} [options]
   *   token, baseUrl, environment, project, fetcher: accepted for compatibility and kept on
   *     `_options`; everything runs in-process, so they are not used.
   *   providers.scripted: `{ [name]: fnOrQueue }`, scripted models to define at once (see `scripted.define`).
   *   storage: reserved, e.g. "memory" (the default).
   *   _engine: (internal/tests) an engine instance or EngineHandle to use instead of a new wasm Engine.
   */
  constructor(options = {}) {
    this._options = { ...options };
    const { _engine, storage, providers } = options;
    // An EngineHandle of another door may be passed to share its engine; this door keeps its own errors.
    const engine = _engine instanceof EngineHandle ? _engine.engine : _engine;
    this._engine = new EngineHandle(engine ?? createEngine(storage ? { storage } : {}), errors0);

    this.blocks = new Blocks(this);
    this.agents = new Agents(this);
    this.tools = new Tools(this);
    this.scripted = new Scripted(this);

    for (const [name, model] of Object.entries(providers?.scripted ?? {})) this.scripted.define(name, model);
  }

  /** Frees the wasm engine. The client is unusable afterwards. */
  close() {
    this._engine.engine.free?.();
  }

  /**
   * One JSON call. `query` and `body` are 0.x (camelCase) objects unless `wireBody` is given.
   * @returns {HttpResponsePromise<any>}
   */
  _request(method, urlPath, { query, body, wireBody } = {}, requestOptions) {
    const inner = (async () => {
      const res = await this._engine.callRaw(method, urlPath, {
        query: query && toSnake(query),
        body: wireBody ?? (body === undefined ? undefined : toSnake(body)),
        ...requestOptionsToEngine(requestOptions),
      });
      return { data: toCamel(res.body), rawResponse: rawResponse(res.status) };
    })();
    return new HttpResponsePromise(inner);
  }

  /** One streaming call; resolves to an async iterable of 0.x (camelCase) chunks. */
  _stream(method, urlPath, body, requestOptions) {
    const inner = (async () => {
      const data = await this._engine.stream(method, urlPath, {
        body: toSnake(body),
        map: toCamel,
        ...requestOptionsToEngine(requestOptions),
      });
      return { data, rawResponse: rawResponse(200) };
    })();
    return new HttpResponsePromise(inner);
  }
}

class Resource {
  constructor(client) {
    this._client = client;
  }
}

// ---------------------------------------------------------------------------------------------
// blocks

class Blocks extends Resource {
  constructor(client) {
    super(client);
    this.agents = new BlockAgents(client);
  }
  list(request = {}, opts) {
    return this._client._request('GET', '/v1/blocks/', { query: request }, opts);
  }
  create(request, opts) {
    return this._client._request('POST', '/v1/blocks/', { body: request }, opts);
  }
  count(opts) {
    return this._client._request('GET', '/v1/blocks/count', {}, opts);
  }
  retrieve(blockId, opts) {
    return this._client._request('GET', path`/v1/blocks/${blockId}`, {}, opts);
  }
  delete(blockId, opts) {
    return this._client._request('DELETE', path`/v1/blocks/${blockId}`, {}, opts);
  }
  modify(blockId, request, opts) {
    return this._client._request('PATCH', path`/v1/blocks/${blockId}`, { body: request ?? {} }, opts);
  }
}

class BlockAgents extends Resource {
  list(blockId, request = {}, opts) {
    return this._client._request('GET', path`/v1/blocks/${blockId}/agents`, { query: request }, opts);
  }
}

// ---------------------------------------------------------------------------------------------
// agents

class Agents extends Resource {
  constructor(client) {
    super(client);
    this.blocks = new AgentBlocks(client);
    this.messages = new AgentMessages(client);
    this.tools = new AgentTools(client);
    this.passages = new AgentPassages(client);
  }
  list(request = {}, opts) {
    return this._client._request('GET', '/v1/agents/', { query: request }, opts);
  }
  create(request = {}, opts) {
    return this._client._request('POST', '/v1/agents/', { body: request }, opts);
  }
  count(opts) {
    return this._client._request('GET', '/v1/agents/count', {}, opts);
  }
  retrieve(agentId, request = {}, opts) {
    return this._client._request('GET', path`/v1/agents/${agentId}`, { query: request }, opts);
  }
  delete(agentId, opts) {
    return this._client._request('DELETE', path`/v1/agents/${agentId}`, {}, opts);
  }
  modify(agentId, request = {}, opts) {
    return this._client._request('PATCH', path`/v1/agents/${agentId}`, { body: request }, opts);
  }
}

/** Core memory: `agents.blocks`. */
class AgentBlocks extends Resource {
  list(agentId, opts) {
    return this._client._request('GET', path`/v1/agents/${agentId}/core-memory/blocks`, {}, opts);
  }
  retrieve(agentId, blockLabel, opts) {
    return this._client._request('GET', path`/v1/agents/${agentId}/core-memory/blocks/${blockLabel}`, {}, opts);
  }
  modify(agentId, blockLabel, request, opts) {
    const p = path`/v1/agents/${agentId}/core-memory/blocks/${blockLabel}`;
    return this._client._request('PATCH', p, { body: request ?? {} }, opts);
  }
  attach(agentId, blockId, opts) {
    return this._client._request('PATCH', path`/v1/agents/${agentId}/core-memory/blocks/attach/${blockId}`, {}, opts);
  }
  detach(agentId, blockId, opts) {
    return this._client._request('PATCH', path`/v1/agents/${agentId}/core-memory/blocks/detach/${blockId}`, {}, opts);
  }
}

class AgentMessages extends Resource {
  list(agentId, request = {}, opts) {
    return this._client._request('GET', path`/v1/agents/${agentId}/messages`, { query: request }, opts);
  }
  create(agentId, request, opts) {
    return this._client._request('POST', path`/v1/agents/${agentId}/messages`, { body: request }, opts);
  }
  /** Resolves to an async iterable of `Letta.LettaStreamingResponse` chunks. */
  createStream(agentId, request, opts) {
    return this._client._stream('POST', path`/v1/agents/${agentId}/messages/stream`, request, opts);
  }
  /** 0.x sends the flag as a query parameter. */
  reset(agentId, request = {}, opts) {
    return this._client._request('PATCH', path`/v1/agents/${agentId}/reset-messages`, { query: request }, opts);
  }
}

class AgentTools extends Resource {
  list(agentId, opts) {
    return this._client._request('GET', path`/v1/agents/${agentId}/tools`, {}, opts);
  }
  attach(agentId, toolId, opts) {
    return this._client._request('PATCH', path`/v1/agents/${agentId}/tools/attach/${toolId}`, {}, opts);
  }
  detach(agentId, toolId, opts) {
    return this._client._request('PATCH', path`/v1/agents/${agentId}/tools/detach/${toolId}`, {}, opts);
  }
}

/** Archival memory: `agents.passages`. */
class AgentPassages extends Resource {
  list(agentId, request = {}, opts) {
    return this._client._request('GET', path`/v1/agents/${agentId}/archival-memory`, { query: request }, opts);
  }
  create(agentId, request, opts) {
    return this._client._request('POST', path`/v1/agents/${agentId}/archival-memory`, { body: request }, opts);
  }
  search(agentId, request, opts) {
    return this._client._request('GET', path`/v1/agents/${agentId}/archival-memory/search`, { query: request }, opts);
  }
  delete(agentId, memoryId, opts) {
    return this._client._request('DELETE', path`/v1/agents/${agentId}/archival-memory/${memoryId}`, {}, opts);
  }
}

// ---------------------------------------------------------------------------------------------
// tools (+ the `fn` extension: a JS body for a custom tool)

class Tools extends Resource {
  list(request = {}, opts) {
    return this._client._request('GET', '/v1/tools/', { query: request }, opts);
  }
  count(request = {}, opts) {
    return this._client._request('GET', '/v1/tools/count', { query: request }, opts);
  }
  retrieve(toolId, opts) {
    return this._client._request('GET', path`/v1/tools/${toolId}`, {}, opts);
  }
  delete(toolId, opts) {
    return this._client._request('DELETE', path`/v1/tools/${toolId}`, {}, opts);
  }
  modify(toolId, request = {}, opts) {
    return this._client._request('PATCH', path`/v1/tools/${toolId}`, { wireBody: toolWire(request) }, opts);
  }
  create(request, opts) {
    return this.#createOrUpsert('POST', request, opts);
  }
  upsert(request, opts) {
    return this.#createOrUpsert('PUT', request, opts);
  }

  /**
   * Binds (or re-binds) the JS body of the custom tool `name`.
   * `fn(args, ctx)`: `args` is the parsed arguments object, `ctx` is `{ agentId, client }`.
   * A string result is the tool's return as is; anything else is JSON-encoded. A throw is a tool error.
   */
  bind(name, fn) {
    if (typeof fn !== 'function') throw new TypeError(`tools.bind(${JSON.stringify(name)}, fn): fn must be a function`);
    const client = this._client;
    (this._bodies ??= new Map()).set(name, fn);
    client._engine.engine.set_tool(name, async (argsJson, ctxJson) => {
      const args = argsJson ? JSON.parse(argsJson) : {};
      const ctx = { ...toCamel(ctxJson ? JSON.parse(ctxJson) : {}), client };
      const out = await fn(args, ctx);
      return typeof out === 'string' ? out : JSON.stringify(out ?? null);
    });
  }

  #createOrUpsert(method, request, opts) {
    const { fn, ...rest } = request ?? {};
    // Bind before sending, so the body is there as soon as the engine knows the tool...
    const name = rest.jsonSchema?.name ?? rest.json_schema?.name ?? rest.name;
    const previous = name ? this._bodies?.get(name) : undefined;
    if (fn && name) this.bind(name, fn);
    const pending = this._client._request(method, '/v1/tools/', { wireBody: toolWire(rest) }, opts);
    if (!fn) return pending;
    // ...and again under the name the engine gave it, if that differs. A refused request
    // must not leave its body in place of the existing tool's.
    const inner = pending.withRawResponse().then(
      (res) => {
        if (res.data?.name && res.data.name !== name) this.bind(res.data.name, fn);
        return res;
      },
      (err) => {
        if (name && previous) this.bind(name, previous);
        throw err;
      },
    );
    return new HttpResponsePromise(inner);
  }
}

// ---------------------------------------------------------------------------------------------
// scripted models (extension): deterministic chat models `scripted/<name>` programmed from JS

function scriptedName(name) {
  return String(name).replace(/^scripted\//, '');
}

/** A response queue as a model function; an empty queue answers an error response. */
function queueModel(name, items) {
  const queue = [...items];
  return (request) => {
    if (!queue.length) return { error: { message: `scripted/${name}: no scripted response left` } };
    const next = queue.shift();
    return typeof next === 'function' ? next(request) : next;
  };
}

/** Scripted response from JS -> wire JSON: a string is `{content}`; camelCase keys are accepted. */
function scriptedResponse(res) {
  if (typeof res === 'string') return { content: res };
  if (res == null) return {};
  return toSnake(res); // `arguments` stays as given (object or JSON text)
}

class Scripted extends Resource {
  /**
   * Programs the scripted model `scripted/<name>`.
   * @param {string} name
   * @param {Function|Array} model `(request) => response | Promise<response>`, or an array of responses
   *   (or such functions) used in order.
   */
  define(name, model) {
    name = scriptedName(name);
    let next;
    if (typeof model === 'function') next = model;
    else if (Array.isArray(model)) next = queueModel(name, model);
    else throw new TypeError(`scripted.define(${JSON.stringify(name)}, model): model must be a function or an array`);

    this._client._engine.engine.set_model(name, async (requestJson) => {
      let res;
      try {
        res = await next(JSON.parse(requestJson));
      } catch (err) {
        const status = typeof err?.status === 'number' ? err.status : undefined;
        res = { error: { message: String(err?.message ?? err), ...(status ? { status } : {}) } };
      }
      return JSON.stringify(scriptedResponse(res));
    });
  }

  /** The chat requests `scripted/<name>` received, oldest first (scripted JSON, snake_case). */
  requests(name) {
    return JSON.parse(this._client._engine.engine.model_requests(scriptedName(name)));
  }

  /** `{ calls, inFlight, peakInFlight }` of `scripted/<name>`. */
  stats(name) {
    const raw = JSON.parse(this._client._engine.engine.model_stats(scriptedName(name)));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [camelKey(k), v]));
  }
}
