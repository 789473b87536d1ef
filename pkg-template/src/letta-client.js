// The 0.x door: `LettaClient`, shaped like @letta-ai/letta-client 0.x (Fern): camelCase objects in and
// out, `modify`, parent-first arguments, plain arrays, `createStream`, `LettaError`.
// It only reshapes arguments; every behaviour lives in the engine, reached in-process.

import { camelKey, toCamel, toSnake } from './case.js';
import { EngineHandle, path } from './engine.js';
import { errors0, rawResponse } from './errors.js';
import { impliedToolName, Scripted, ToolBodies } from './extensions.js';

// ---------------------------------------------------------------------------------------------
// Engine wiring. The entry files (entry/*.js) initialise the wasm and hand over its `Engine` class;
// tests hand over a fake. `new LettaClient({ _engine })` also accepts an engine instance directly.

let EngineClass = null;

/** Sets the `Engine` class new clients instantiate. Called by the entry files after wasm init. */
export function setEngineClass(cls) {
  EngineClass = cls;
}

export function createEngine(options) {
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

/**
 * The wasm engine's options: `storage`, and `providers` with each provider's settings in snake_case
 * (`{ openai: { apiKey, baseUrl } }` -> `{ openai: { api_key, base_url } }`). Provider names are kept
 * as given; `providers.scripted` (JS functions) stays in JS. Keys only live in the engine's memory.
 */
export function engineOptions(storage, providers) {
  // A host store object travels separately (it is not JSON); only names and settings go here.
  const options = storage && !isHostStore(storage) ? { storage } : {};
  const wire = {};
  for (const [name, settings] of Object.entries(providers ?? {})) {
    if (name === 'scripted' || settings == null) continue;
    wire[name] = toSnake(settings);
  }
  if (Object.keys(wire).length) options.providers = wire;
  return options;
}

/**
 * The wasm engine a client of either door uses: `options._engine` (an engine, or another door's
 * EngineHandle, to share its engine; the door keeps its own errors), else a new one from the options.
 */
export function openEngine(options) {
  const { _engine, storage, providers } = options ?? {};
  if (_engine) return _engine instanceof EngineHandle ? _engine.engine : _engine;
  if (storage == null || storage === 'memory' || storage?.type === 'memory') {
    return createEngine(engineOptions(storage, providers));
  }
  // Persistent storage opens asynchronously; the client is usable at once and waits for it.
  if (!EngineClass) createEngine({}); // throws the "not initialised" error
  const host = isHostStore(storage) ? storage : undefined;
  return new LazyEngine(EngineClass.open(JSON.stringify(engineOptions(storage, providers)), host));
}

/** A host store: an object with get/put/delete/list methods (a Durable Object's storage, KV, ...). */
function isHostStore(storage) {
  return typeof storage === 'object' && ['get', 'put', 'delete', 'list'].every((m) => typeof storage[m] === 'function');
}

/**
 * An engine that is still opening its store. Calls wait for it; scripted models and tool bodies
 * bound before it is ready are bound as soon as it is. `ready` rejects if the store cannot open.
 */
export class LazyEngine {
  #engine = null;
  #pending = [];
  constructor(opening) {
    this.ready = opening.then((engine) => {
      this.#engine = engine;
      for (const [method, args] of this.#pending) engine[method](...args);
      this.#pending = [];
      return engine;
    });
    this.ready.catch(() => {}); // reported through every call and `client.ready`
  }
  #later(method, args) {
    if (this.#engine) return this.#engine[method](...args);
    this.#pending.push([method, args]);
  }
  request(...args) {
    return this.ready.then((e) => e.request(...args));
  }
  stream(...args) {
    return this.ready.then((e) => e.stream(...args));
  }
  idle() {
    return this.ready.then((e) => e.idle());
  }
  set_model(...args) {
    return this.#later('set_model', args);
  }
  set_tool(...args) {
    return this.#later('set_tool', args);
  }
  model_requests(name) {
    return this.#engine ? this.#engine.model_requests(name) : '[]';
  }
  model_stats(name) {
    return this.#engine ? this.#engine.model_stats(name) : '{"calls":0,"in_flight":0,"peak_in_flight":0}';
  }
  storage() {
    return this.#engine ? this.#engine.storage() : 'opening';
  }
  free() {
    this.ready.then((e) => e.free()).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------

export class LettaClient {
  /**
   * @param {object} [options]
   *   token, baseUrl, environment, project, fetcher: accepted for compatibility and kept on
   *     `_options`; everything runs in-process, so they are not used.
   *   providers.scripted: `{ [name]: fnOrQueue }`, scripted models to define at once (see `scripted.define`).
   *   providers.<name>: `{ apiKey?, baseUrl?, kind?, timeoutMs?, maxRetries? }`, an LLM provider serving the
   *     handles `<name>/<model>` (openai, anthropic, google_ai, or any OpenAI-compatible server with
   *     `kind: 'openai'`); see docs/providers.md.
   *   storage: where the team lives: "memory" (the default), "indexeddb" or { type: "indexeddb", name }
   *     (browsers), or a host store object with async get/put/delete/list (a Durable Object's
   *     `storage`, Workers KV, a Map adapter). Persistent stores open in the background: calls wait,
   *     and `client.ready` resolves once the store is open (rejects with a clear error if it cannot).
   *   _engine: (internal/tests) an engine instance or EngineHandle to use instead of a new wasm Engine.
   */
  constructor(options = {}) {
    this._options = { ...options };
    const { providers } = options;
    this._engine = new EngineHandle(openEngine(options), errors0);

    this.blocks = new Blocks(this);
    this.agents = new Agents(this);
    this.tools = new Tools(this);
    this.scripted = new Scripted(this._engine, (stats) =>
      Object.fromEntries(Object.entries(stats).map(([k, v]) => [camelKey(k), v])),
    );
    this.interactions = new Interactions(this);

    for (const [name, model] of Object.entries(providers?.scripted ?? {})) this.scripted.define(name, model);
  }

  /** Resolves once the client's store is open (at once for in-memory storage). */
  get ready() {
    return Promise.resolve(this._engine.engine.ready).then(() => undefined);
  }

  /**
   * Resolves once every message agents sent each other with `send_message_to_agent_async` has been
   * processed (extension: the receivers run in the background).
   */
  waitForIdle() {
    return this._engine.engine.idle();
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

// ---------------------------------------------------------------------------------------------
// interactions (extension): the log of messages agents sent each other

class Interactions extends Resource {
  /** `list({ agentId?, limit?, after? })`: oldest first; with `agentId`, those it sent or received. */
  list(request = {}, opts) {
    return this._client._request('GET', '/v1/interactions/', { query: request }, opts);
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
    this.#cancelOnAbort(agentId, opts?.abortSignal);
    return this._client._request('POST', path`/v1/agents/${agentId}/messages`, { body: request }, opts);
  }
  /** Resolves to an async iterable of `Letta.LettaStreamingResponse` chunks. */
  createStream(agentId, request, opts) {
    this.#cancelOnAbort(agentId, opts?.abortSignal);
    return this._client._stream('POST', path`/v1/agents/${agentId}/messages/stream`, request, opts);
  }
  /** An aborted request also stops the agent's run (its active runs), not just the wait for it. */
  #cancelOnAbort(agentId, signal) {
    if (!signal || signal.aborted) return;
    signal.addEventListener('abort', () => this.cancel(agentId).catch(() => {}), { once: true });
  }
  /** 0.x sends the flag as a query parameter. */
  reset(agentId, request = {}, opts) {
    return this._client._request('PATCH', path`/v1/agents/${agentId}/reset-messages`, { query: request }, opts);
  }
  /** Stops the agent's active runs (or `runIds`) at their next step or mid LLM call. */
  cancel(agentId, request = {}, opts) {
    return this._client._request('POST', path`/v1/agents/${agentId}/messages/cancel`, { body: request }, opts);
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
    this.#bodies().bind(name, fn);
  }

  #bodies() {
    const client = this._client;
    return (this._bodies ??= new ToolBodies(client._engine, (ctx) => ({ ...toCamel(ctx), client })));
  }

  #createOrUpsert(method, request, opts) {
    const { fn, ...rest } = request ?? {};
    const send = () => this._client._request(method, '/v1/tools/', { wireBody: toolWire(rest) }, opts);
    if (!fn) return send();
    const inner = this.#bodies().create(impliedToolName(rest), fn, () => send().withRawResponse(), (res) => res.data?.name);
    return new HttpResponsePromise(inner);
  }
}
