// The 1.x door: `Letta`, shaped like @letta-ai/letta-client 1.x (Stainless): snake_case objects exactly
// as on the wire, `update`, child-first arguments with the parent in params
// (`agents.blocks.retrieve(label, { agent_id })`), list results as page objects that `for await` walks,
// `Stream`s, `APIPromise` and the `APIError` classes. Everything runs in-process: it only reshapes
// arguments and results; every behaviour lives in the engine (shared with the 0.x door).

import { EngineHandle, path as encodePath } from './engine.js';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  errors1,
  InternalServerError,
  LettaError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from './errors1.js';
import { openEngine } from './letta-client.js';
import { impliedToolName, Scripted, ToolBodies } from './extensions.js';
import { jsonResponse, SSE_DONE, sseErrorFrame, sseFrame } from './fetch-handler.js';

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// APIPromise, pages, streams

/**
 * A Promise of the parsed data with `.asResponse()` (a WHATWG `Response` of the same answer) and
 * `.withResponse()` (`{ data, response }`). The request starts at once; the data is produced when
 * someone awaits it.
 */
export class APIPromise extends Promise {
  #raw;
  #parse;
  #parsed;

  /**
   * @param {Promise<{status: number, body?: unknown, toResponse: () => Response}>} raw
   * @param {(raw: object) => unknown} [parse]
   */
  constructor(raw, parse = (r) => r.body) {
    super((resolve) => resolve(null));
    this.#raw = raw;
    this.#parse = parse;
    // A failure surfaces where the promise is used (then/asResponse), not as an unhandled rejection.
    raw.catch(() => {});
  }

  static get [Symbol.species]() {
    return Promise;
  }

  /** Same request, another parse (Stainless' `_thenUnwrap`). */
  _thenUnwrap(transform) {
    return new APIPromise(this.#raw, async (raw) => transform(await this.#parse(raw), raw));
  }

  /** The answer as a `Response` (for streams: the `text/event-stream` body), without parsing it. */
  asResponse() {
    return this.#raw.then((raw) => raw.toResponse());
  }

  /** `{ data, response }`. */
  async withResponse() {
    const [data, response] = await Promise.all([this.#data(), this.asResponse()]);
    return { data, response };
  }

  #data() {
    this.#parsed ??= this.#raw.then((raw) => this.#parse(raw));
    return this.#parsed;
  }

  then(onFulfilled, onRejected) {
    return this.#data().then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this.#data().catch(onRejected);
  }

  finally(onFinally) {
    return this.#data().finally(onFinally);
  }
}

/** An APIPromise of a page that is also async-iterable: `for await (const x of client.agents.list())`. */
export class PagePromise extends APIPromise {
  async *[Symbol.asyncIterator]() {
    const page = await this;
    yield* page;
  }
}

/**
 * A page of a cursor-paginated list (the wire body is a JSON array). `for await` over it walks every
 * following page, asking for `after=<last id>` (or `before=<first id>` when the query used `before`)
 * until a page is empty.
 */
export class ArrayPage {
  #fetchPage;
  #query;

  /**
   * @param {(query: object) => PagePromise} fetchPage
   * @param {unknown[]} items
   * @param {object} query the query this page was asked with
   */
  constructor(fetchPage, items, query) {
    this.#fetchPage = fetchPage;
    this.#query = query ?? {};
    this.items = Array.isArray(items) ? items : [];
  }

  getPaginatedItems() {
    return this.items ?? [];
  }

  /** The query of the next page, or null. */
  nextPageQuery() {
    const items = this.getPaginatedItems();
    if ('before' in this.#query) {
      const id = items[0]?.id;
      return id ? { ...this.#query, before: id } : null;
    }
    const id = items[items.length - 1]?.id;
    return id ? { ...this.#query, after: id } : null;
  }

  hasNextPage() {
    return this.getPaginatedItems().length > 0 && this.nextPageQuery() != null;
  }

  async getNextPage() {
    const next = this.nextPageQuery();
    if (!next) {
      throw new LettaError('No next page expected; please check `.hasNextPage()` before calling `.getNextPage()`.');
    }
    return await this.#fetchPage(next);
  }

  async *iterPages() {
    let page = this;
    yield page;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      yield page;
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const page of this.iterPages()) {
      for (const item of page.getPaginatedItems()) yield item;
    }
  }
}

/**
 * The events of a streamed run: async-iterable once (`.tee()` to read twice), with the
 * `controller: AbortController` that stops it. `break` stops it too; the engine finishes and records
 * the run either way. An error after some events is thrown once they are consumed.
 */
export class Stream {
  #iterator;

  /** @param {() => AsyncIterator<unknown>} iterator @param {AbortController} controller */
  constructor(iterator, controller) {
    this.#iterator = iterator;
    this.controller = controller;
  }

  /** A Stream over an EngineHandle event stream. */
  static fromEvents(events, controller) {
    let consumed = false;
    async function* iterator() {
      if (consumed) throw new LettaError('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
      consumed = true;
      let done = false;
      try {
        for await (const event of events) yield event;
        done = true;
      } catch (err) {
        // `stream.controller.abort()` ends the iteration without an error, as in 1.x.
        if (err instanceof APIUserAbortError && controller.signal.aborted) return;
        throw err;
      } finally {
        if (!done) controller.abort();
      }
    }
    return new Stream(iterator, controller);
  }

  [Symbol.asyncIterator]() {
    return this.#iterator();
  }

  /** Two independent streams over the same events. */
  tee() {
    const left = [];
    const right = [];
    const iterator = this.#iterator();
    const teeIterator = (queue) => ({
      next: () => {
        if (queue.length === 0) {
          const result = iterator.next();
          left.push(result);
          right.push(result);
        }
        return queue.shift();
      },
    });
    return [new Stream(() => teeIterator(left), this.controller), new Stream(() => teeIterator(right), this.controller)];
  }

  /** The events as newline-delimited JSON bytes (what 1.x's `toReadableStream()` gives). */
  toReadableStream() {
    return this.#bytes((event) => encoder.encode(JSON.stringify(event) + '\n'));
  }

  /** The events as the server's `text/event-stream` body (`data: <json>` frames, then `[DONE]`). */
  toSSEStream() {
    return this.#bytes((event) => sseFrame(JSON.stringify(event)), SSE_DONE, (err) =>
      sseErrorFrame(err?.status ?? 500, err?.error ?? { detail: String(err?.message ?? err) }),
    );
  }

  #bytes(frame, end, errorFrame) {
    let iter;
    return new ReadableStream({
      start: () => {
        iter = this[Symbol.asyncIterator]();
      },
      pull: async (ctrl) => {
        try {
          const { value, done } = await iter.next();
          if (done) {
            if (end) ctrl.enqueue(end);
            return ctrl.close();
          }
          ctrl.enqueue(frame(value));
        } catch (err) {
          if (!errorFrame) return ctrl.error(err);
          ctrl.enqueue(errorFrame(err));
          ctrl.enqueue(end);
          ctrl.close();
        }
      },
      cancel: async () => {
        await iter?.return?.();
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// the client

/**
 * A path with its parameters checked and encoded as 1.x does: a missing parameter (such as `agent_id`
 * in the params of a child-first call), an object, `.` or `..` throws a LettaError.
 */
function path(strings, ...params) {
  for (const p of params) {
    if (p == null || typeof p === 'object' || typeof p === 'function' || p === '.' || p === '..') {
      throw new LettaError(`Path parameters result in path with invalid segments: ${JSON.stringify(p ?? null)} in ${strings.join('{}')}`);
    }
  }
  return encodePath(strings, ...params);
}

function linkSignal(controller, signal) {
  if (!signal) return;
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
}

/** Splits `{ agent_id, ...rest }` for child-first calls. */
function parent(params, key) {
  const { [key]: id, ...rest } = params ?? {};
  return [id, rest];
}

export class Letta {
  static DEFAULT_TIMEOUT = 60000; // ms, as 1.x; only applied here when set on the client or request
  static LettaError = LettaError;
  static APIError = APIError;
  static APIConnectionError = APIConnectionError;
  static APIConnectionTimeoutError = APIConnectionTimeoutError;
  static APIUserAbortError = APIUserAbortError;
  static NotFoundError = NotFoundError;
  static ConflictError = ConflictError;
  static RateLimitError = RateLimitError;
  static BadRequestError = BadRequestError;
  static AuthenticationError = AuthenticationError;
  static InternalServerError = InternalServerError;
  static PermissionDeniedError = PermissionDeniedError;
  static UnprocessableEntityError = UnprocessableEntityError;

  /**
   * @param {object} [options]
   *   apiKey, baseURL, environment, projectID, project, maxRetries, fetch, fetchOptions, defaultHeaders,
   *     defaultQuery, logLevel, logger: accepted for compatibility and kept on `_options`; everything
   *     runs in-process, so they are not used. (To serve or reach the engine over HTTP, see
   *     `createFetchHandler`.)
   *   timeout: ms; when set, a call rejects with APIConnectionTimeoutError after this long (no default).
   *   providers: LLM providers (`{ openai: { api_key }, ... }`, see docs/providers.md), and
   *     `scripted: { [name]: fnOrQueue }` scripted models to define at once (EXTENSION).
   *   storage: "memory" (the default), "indexeddb" / { type: "indexeddb", name }, or a host store object
   *     (see LettaClient); persistent stores open in the background and `client.ready` resolves then.
   *   _engine: (internal/tests) an engine instance or EngineHandle to use instead of a new wasm Engine,
   *     e.g. `new Letta({ _engine: lettaClient._engine })` to share a LettaClient's engine.
   */
  constructor(options = {}) {
    this._options = { ...options };
    const { providers } = this._options;
    this.apiKey = options.apiKey ?? null;
    this.baseURL = options.baseURL ?? 'http://letta-wasm.local';
    this.timeout = options.timeout;
    this.maxRetries = options.maxRetries ?? 0;
    this._engine = new EngineHandle(openEngine(this._options), errors1);

    this.agents = new Agents(this);
    this.blocks = new Blocks(this);
    this.tools = new Tools(this);
    this.scripted = new Scripted(this._engine);
    this.interactions = new Interactions(this);

    for (const [name, model] of Object.entries(providers?.scripted ?? {})) this.scripted.define(name, model);
  }

  /** Resolves once the client's store is open (at once for in-memory storage). */
  get ready() {
    return Promise.resolve(this._engine.engine.ready).then(() => undefined);
  }

  /** A client with some options replaced, sharing this one's engine (and so its state). */
  withOptions(options) {
    return new this.constructor({ ...this._options, ...options, providers: undefined, _engine: this._engine });
  }

  /** GET /v1/health/. */
  health(options) {
    return this.get('/v1/health/', options);
  }

  // Low-level verbs, as 1.x: `client.get('/v1/agents/', { query })`, `client.post(path, { body })`.
  get(p, options) {
    return this._request('GET', p, options);
  }
  post(p, options) {
    return this._request('POST', p, options);
  }
  patch(p, options) {
    return this._request('PATCH', p, options);
  }
  put(p, options) {
    return this._request('PUT', p, options);
  }
  delete(p, options) {
    return this._request('DELETE', p, options);
  }

  /** EXTENSION: resolves once every message agents sent each other has been processed. */
  waitForIdle() {
    return this._engine.engine.idle();
  }

  /** EXTENSION: frees the wasm engine. The client (and clients sharing its engine) is unusable afterwards. */
  close() {
    this._engine.engine.free?.();
  }

  #timeoutMs(timeout) {
    const ms = timeout ?? this.timeout;
    return ms > 0 ? ms : undefined;
  }

  /**
   * One JSON call: `{ query?, body?, signal?, timeout? }` (request options may carry `query` and
   * `body` too, as in 1.x). Resolves to the wire JSON.
   */
  _request(method, p, options = {}) {
    return new APIPromise(this.#raw(method, p, options));
  }

  /** A list call: a PagePromise of ArrayPages (the next pages keep the query and the options). */
  _page(method, p, query, options = {}) {
    const fetchPage = (q) =>
      new PagePromise(this.#raw(method, p, { ...options, query: q }), (raw) => new ArrayPage(fetchPage, raw.body, q));
    return fetchPage({ ...(query ?? {}) });
  }

  #raw(method, p, { query, body, signal, timeout } = {}) {
    const timeoutMs = this.#timeoutMs(timeout);
    return this._engine
      .callRaw(method, p, { query, body, signal, timeoutMs })
      .then(({ status, body: data }) => ({ status, body: data, toResponse: () => jsonResponse(status, data) }));
  }

  /** A streaming call: an APIPromise of a Stream, resolved at the first event. */
  _stream(method, p, body, options = {}) {
    const controller = new AbortController();
    linkSignal(controller, options?.signal);
    const timeoutMs = this.#timeoutMs(options?.timeout);
    const raw = this._engine.stream(method, p, { body, signal: controller.signal, timeoutMs }).then((events) => {
      const stream = Stream.fromEvents(events, controller);
      return {
        status: 200,
        stream,
        toResponse: () => new Response(stream.toSSEStream(), { status: 200, headers: { 'content-type': 'text/event-stream' } }),
      };
    });
    return new APIPromise(raw, (r) => r.stream);
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
  create(body, options) {
    return this._client.post('/v1/blocks/', { body, ...options });
  }
  retrieve(blockID, options) {
    return this._client.get(path`/v1/blocks/${blockID}`, options);
  }
  update(blockID, body, options) {
    return this._client.patch(path`/v1/blocks/${blockID}`, { body: body ?? {}, ...options });
  }
  list(query = {}, options) {
    return this._client._page('GET', '/v1/blocks/', query, options);
  }
  delete(blockID, options) {
    return this._client.delete(path`/v1/blocks/${blockID}`, options);
  }
}

class BlockAgents extends Resource {
  list(blockID, query = {}, options) {
    return this._client._page('GET', path`/v1/blocks/${blockID}/agents`, query, options);
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
  create(body = {}, options) {
    return this._client.post('/v1/agents/', { body, ...options });
  }
  retrieve(agentID, query = {}, options) {
    return this._client.get(path`/v1/agents/${agentID}`, { query, ...options });
  }
  update(agentID, body = {}, options) {
    return this._client.patch(path`/v1/agents/${agentID}`, { body, ...options });
  }
  list(query = {}, options) {
    return this._client._page('GET', '/v1/agents/', query, options);
  }
  delete(agentID, options) {
    return this._client.delete(path`/v1/agents/${agentID}`, options);
  }
}

/** Core memory: `agents.blocks`, child first (`retrieve(blockLabel, { agent_id })`). */
class AgentBlocks extends Resource {
  retrieve(blockLabel, params, options) {
    const [agentId] = parent(params, 'agent_id');
    return this._client.get(path`/v1/agents/${agentId}/core-memory/blocks/${blockLabel}`, options);
  }
  update(blockLabel, params, options) {
    const [agentId, body] = parent(params, 'agent_id');
    return this._client.patch(path`/v1/agents/${agentId}/core-memory/blocks/${blockLabel}`, { body, ...options });
  }
  list(agentID, query = {}, options) {
    return this._client._page('GET', path`/v1/agents/${agentID}/core-memory/blocks`, query, options);
  }
  attach(blockID, params, options) {
    const [agentId] = parent(params, 'agent_id');
    return this._client.patch(path`/v1/agents/${agentId}/core-memory/blocks/attach/${blockID}`, options);
  }
  detach(blockID, params, options) {
    const [agentId] = parent(params, 'agent_id');
    return this._client.patch(path`/v1/agents/${agentId}/core-memory/blocks/detach/${blockID}`, options);
  }
}

class AgentMessages extends Resource {
  /** A LettaResponse; with `streaming: true` in the body, a Stream of events (as `stream`). */
  create(agentID, body, options) {
    this.#cancelOnAbort(agentID, options?.signal);
    const p = path`/v1/agents/${agentID}/messages`;
    if (body?.streaming === true) return this._client._stream('POST', p, body, options);
    return this._client.post(p, { body, ...options });
  }
  /** A Stream of the run's messages as each step commits, then `stop_reason` and `usage_statistics`. */
  stream(agentID, body, options) {
    this.#cancelOnAbort(agentID, options?.signal);
    return this._client._stream('POST', path`/v1/agents/${agentID}/messages/stream`, body, options);
  }
  /** An aborted request also stops the agent's run (its active runs), not just the wait for it. */
  #cancelOnAbort(agentID, signal) {
    if (!signal || signal.aborted) return;
    signal.addEventListener('abort', () => this.cancel(agentID).catch(() => {}), { once: true });
  }
  list(agentID, query = {}, options) {
    return this._client._page('GET', path`/v1/agents/${agentID}/messages`, query, options);
  }
  /** 1.x sends the flag in the body. Resolves to the AgentState. */
  reset(agentID, body = {}, options) {
    return this._client.patch(path`/v1/agents/${agentID}/reset-messages`, { body, ...options });
  }
  /** Stops the agent's active runs (or `run_ids`) at their next step or mid LLM call. */
  cancel(agentID, body = {}, options) {
    return this._client.post(path`/v1/agents/${agentID}/messages/cancel`, { body, ...options });
  }
}

class AgentTools extends Resource {
  list(agentID, query = {}, options) {
    return this._client._page('GET', path`/v1/agents/${agentID}/tools`, query, options);
  }
  attach(toolID, params, options) {
    const [agentId] = parent(params, 'agent_id');
    return this._client.patch(path`/v1/agents/${agentId}/tools/attach/${toolID}`, options);
  }
  detach(toolID, params, options) {
    const [agentId] = parent(params, 'agent_id');
    return this._client.patch(path`/v1/agents/${agentId}/tools/detach/${toolID}`, options);
  }
}

/** Archival memory (`agents.passages`): `list` is a plain array in 1.x, not a page. */
class AgentPassages extends Resource {
  create(agentID, body, options) {
    return this._client.post(path`/v1/agents/${agentID}/archival-memory`, { body, ...options });
  }
  list(agentID, query = {}, options) {
    return this._client.get(path`/v1/agents/${agentID}/archival-memory`, { query, ...options });
  }
  search(agentID, query, options) {
    return this._client.get(path`/v1/agents/${agentID}/archival-memory/search`, { query, ...options });
  }
  delete(memoryID, params, options) {
    const [agentId] = parent(params, 'agent_id');
    return this._client.delete(path`/v1/agents/${agentId}/archival-memory/${memoryID}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// tools (+ the `fn` extension: a JS body for a custom tool)

class Tools extends Resource {
  #bodies;

  create(body, options) {
    return this.#createOrUpsert('POST', body, options);
  }
  upsert(body, options) {
    return this.#createOrUpsert('PUT', body, options);
  }
  retrieve(toolID, options) {
    return this._client.get(path`/v1/tools/${toolID}`, options);
  }
  update(toolID, body = {}, options) {
    return this._client.patch(path`/v1/tools/${toolID}`, { body, ...options });
  }
  list(query = {}, options) {
    return this._client._page('GET', '/v1/tools/', query, options);
  }
  delete(toolID, options) {
    return this._client.delete(path`/v1/tools/${toolID}`, options);
  }

  /**
   * EXTENSION: binds (or re-binds) the JS body of the custom tool `name`.
   * `fn(args, ctx)`: `args` is the parsed arguments object, `ctx` is `{ agent_id, client }`.
   */
  bind(name, fn) {
    this.#toolBodies().bind(name, fn);
  }

  #toolBodies() {
    const client = this._client;
    return (this.#bodies ??= new ToolBodies(client._engine, (ctx) => ({ ...ctx, client })));
  }

  #createOrUpsert(method, request, options) {
    const { fn, ...body } = request ?? {};
    if (!fn) return this._client._request(method, '/v1/tools/', { body, ...options });
    const raw = this.#toolBodies().create(
      impliedToolName(body),
      fn,
      () => this._client._request(method, '/v1/tools/', { body, ...options }).withResponse(),
      (res) => res.data?.name,
    );
    return new APIPromise(raw.then(({ data, response }) => ({ status: response.status, body: data, toResponse: () => response })));
  }
}

// ---------------------------------------------------------------------------------------------
// interactions (EXTENSION): the log of messages agents sent each other

class Interactions extends Resource {
  /** `list({ agent_id?, limit?, after? })`: oldest first, as pages. */
  list(query = {}, options) {
    return this._client._page('GET', '/v1/interactions/', query, options);
  }
}
