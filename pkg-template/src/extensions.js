// Extensions shared by the doors (0.x `LettaClient` and 1.x `Letta`): scripted models programmed from
// JS, and the JS bodies of custom tools. Each door only chooses the casing of what its users see.

import { toSnake } from './case.js';

// ---------------------------------------------------------------------------------------------
// scripted models: deterministic chat models `scripted/<name>`

export function scriptedName(name) {
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

/**
 * `client.scripted` of both doors. `mapStats` reshapes the engine's snake_case stats object
 * (`{calls, in_flight, peak_in_flight}`) for the door.
 */
export class Scripted {
  #handle;
  #mapStats;

  /** @param {{ engine: object }} handle the door's EngineHandle */
  constructor(handle, mapStats = (s) => s) {
    this.#handle = handle;
    this.#mapStats = mapStats;
  }

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

    this.#handle.engine.set_model(name, async (requestJson) => {
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
    return JSON.parse(this.#handle.engine.model_requests(scriptedName(name)));
  }

  /** The calls of `scripted/<name>`: `{ calls, in_flight, peak_in_flight }`, reshaped by the door. */
  stats(name) {
    return this.#mapStats(JSON.parse(this.#handle.engine.model_stats(scriptedName(name))));
  }
}

// ---------------------------------------------------------------------------------------------
// custom tool bodies: JS functions the engine calls by tool name

export class ToolBodies {
  #handle;
  #makeCtx;
  #fns = new Map();

  /**
   * @param {{ engine: object }} handle the door's EngineHandle
   * @param {(wireCtx: object) => object} makeCtx the `ctx` a body receives, from the engine's
   *   snake_case context (`{ agent_id, ... }`)
   */
  constructor(handle, makeCtx) {
    this.#handle = handle;
    this.#makeCtx = makeCtx;
  }

  /**
   * Binds (or re-binds) the JS body of the custom tool `name`. `fn(args, ctx)`: `args` is the parsed
   * arguments object. A string result is the tool's return as is; anything else is JSON-encoded.
   * A throw is a tool error.
   */
  bind(name, fn) {
    if (typeof fn !== 'function') throw new TypeError(`tools.bind(${JSON.stringify(name)}, fn): fn must be a function`);
    this.#fns.set(name, fn);
    const makeCtx = this.#makeCtx;
    this.#handle.engine.set_tool(name, async (argsJson, ctxJson) => {
      const args = argsJson ? JSON.parse(argsJson) : {};
      const ctx = makeCtx(ctxJson ? JSON.parse(ctxJson) : {});
      const out = await fn(args, ctx);
      return typeof out === 'string' ? out : JSON.stringify(out ?? null);
    });
  }

  /**
   * Creates (or upserts) a tool that has a JS body. The body is bound under `name` before `send()`
   * so it is there as soon as the engine knows the tool, then again under the name the engine gave
   * it if that differs (`nameOf(result)`). A refused request puts back the body it replaced.
   * @template T
   * @param {string|undefined} name the tool name the request implies, if any
   * @param {Function} fn
   * @param {() => Promise<T>} send
   * @param {(result: T) => string|undefined} nameOf
   * @returns {Promise<T>}
   */
  create(name, fn, send, nameOf) {
    const previous = name ? this.#fns.get(name) : undefined;
    if (name) this.bind(name, fn);
    return send().then(
      (res) => {
        const given = nameOf(res);
        if (given && given !== name) this.bind(given, fn);
        return res;
      },
      (err) => {
        if (name && previous) this.bind(name, previous);
        throw err;
      },
    );
  }
}

/** The tool name a create/upsert request implies (json_schema.name, then name), in either casing. */
export function impliedToolName(request) {
  return request?.jsonSchema?.name ?? request?.json_schema?.name ?? request?.name;
}
