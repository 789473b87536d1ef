// The thin layer over one wasm `Engine` shared by every door: JSON in and out, error envelopes turned
// into the door's error classes, event callbacks turned into an async iterator, abort and timeout.
//
// Engine contract (Rust side, see letta_wasm.d.ts):
//   request(method, path, query_json, body_json?) -> Promise<'{"status":200,"body":...}'>
//   stream(method, path, query_json, body_json?, on_event) -> same envelope, after on_event(json) per chunk

import { errors0 } from './errors.js';

/**
 * Query object -> `[key, value]` string pairs, the engine's `query_json`.
 * Arrays become repeated keys, booleans "true"/"false", Dates ISO strings; undefined/null are skipped.
 * Keys are used as given (doors convert them to wire names first).
 */
export function queryPairs(query) {
  if (query == null) return [];
  if (Array.isArray(query)) return query.map(([k, v]) => [String(k), String(v)]);
  const pairs = [];
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null) continue;
      pairs.push([key, v instanceof Date ? v.toISOString() : String(v)]);
    }
  }
  return pairs;
}

/** Tagged template for paths: every interpolated value is encodeURIComponent-ed. */
export function path(strings, ...params) {
  let out = strings[0];
  params.forEach((p, i) => {
    out += encodeURIComponent(String(p)) + strings[i + 1];
  });
  return out;
}

export class EngineHandle {
  /**
   * @param {object} engine a wasm `Engine` (or anything with the same methods)
   * @param {object} [errors] the door's error kit: `{ fromEnvelope(status, body), aborted(), timeout(method, path) }`
   */
  constructor(engine, errors = errors0) {
    this.engine = engine;
    this.errors = errors;
  }

  /**
   * One request. Resolves to the parsed response body; rejects with the door's error class.
   * @param {string} method
   * @param {string} path
   * @param {{query?: object|Array, body?: unknown, signal?: AbortSignal, timeoutMs?: number}} [options]
   */
  async call(method, path, options = {}) {
    return (await this.callRaw(method, path, options)).body;
  }

  /** Like `call`, but resolves to `{ status, body }`. */
  async callRaw(method, path, { query, body, signal, timeoutMs } = {}) {
    // An already-aborted request never reaches the engine, as fetch would never send it.
    const pending = signal?.aborted
      ? new Promise(() => {})
      : this.engine.request(method, path, JSON.stringify(queryPairs(query)), bodyJson(body));
    const text = await guard(pending, signal, timeoutMs, this.errors, method, path);
    return this.#open(text);
  }

  /**
   * A streaming request. Resolves (to an EventStream) at the first event, or at the end if there was
   * none; rejects with the door's error class when the engine answers an error before any event.
   * An error envelope after some events is thrown by the iterator once those events are consumed.
   * @param {{query?: object|Array, body?: unknown, signal?: AbortSignal, timeoutMs?: number,
   *          map?: (event: unknown) => unknown}} [options] `map` reshapes each parsed event
   */
  stream(method, path, { query, body, signal, timeoutMs, map = (x) => x } = {}) {
    const events = new EventStream(map);
    return new Promise((resolve, reject) => {
      let timer;
      const stop = (err) => {
        cleanup();
        if (events.started) events.end(err);
        else {
          events.end();
          if (err) reject(err);
          else resolve(events);
        }
      };
      const onAbort = () => stop(this.errors.aborted());
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs) timer = setTimeout(() => stop(this.errors.timeout(method, path)), timeoutMs);

      // Never throw into the engine from this callback.
      const onEvent = (json) => {
        if (!events.push(json)) return;
        // Like an HTTP timeout, `timeoutMs` covers the wait for the stream to start, not its length.
        clearTimeout(timer);
        resolve(events); // first call wins; later ones are no-ops
      };
      let pending;
      try {
        pending = this.engine.stream(method, path, JSON.stringify(queryPairs(query)), bodyJson(body), onEvent);
      } catch (err) {
        return stop(err);
      }
      Promise.resolve(pending).then(
        (text) => {
          try {
            this.#open(text);
            stop();
          } catch (err) {
            stop(err);
          }
        },
        (err) => stop(err),
      );
    });
  }

  #open(text) {
    let env;
    try {
      env = JSON.parse(text);
    } catch {
      throw this.errors.fromEnvelope(500, { detail: `letta-wasm: engine returned invalid JSON: ${String(text).slice(0, 200)}` });
    }
    if (env.status >= 200 && env.status < 300) return env;
    throw this.errors.fromEnvelope(env.status, env.body);
  }
}

function bodyJson(body) {
  return body === undefined ? undefined : JSON.stringify(body);
}

/** Races an engine promise with an abort signal and a timeout. The engine call itself runs on. */
function guard(promise, signal, timeoutMs, errors, method, path) {
  if (!signal && !timeoutMs) return promise;
  return new Promise((resolve, reject) => {
    let timer;
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(errors.aborted());
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs) {
      timer = setTimeout(() => {
        cleanup();
        reject(errors.timeout(method, path));
      }, timeoutMs);
    }
    promise.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e) => {
        cleanup();
        reject(e);
      },
    );
  });
}

/**
 * A single-use async iterable fed by the engine's `on_event` callback.
 * `break` (or `return()`) closes it: later events are dropped and the engine's run finishes normally.
 */
export class EventStream {
  #map;
  #queue = [];
  #waiters = [];
  #ended = false;
  #closed = false;
  #error = null;
  /** How many events have arrived (0 = none yet). */
  started = 0;

  constructor(map) {
    this.#map = map;
  }

  /** Adds one event (JSON text). Returns false when the stream no longer takes events. */
  push(json) {
    if (this.#ended || this.#closed) return false;
    let value;
    try {
      value = this.#map(JSON.parse(json));
    } catch (err) {
      this.end(err);
      return false;
    }
    this.started++;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve({ value, done: false });
    else this.#queue.push(value);
    return true;
  }

  /** Ends the stream; `err` is thrown after the queued events. */
  end(err) {
    if (this.#ended || this.#closed) return;
    this.#ended = true;
    this.#error = err ?? null;
    // Waiters only exist while the queue is empty.
    for (const waiter of this.#waiters.splice(0)) {
      if (this.#error) {
        waiter.reject(this.#error);
        this.#error = null;
      } else waiter.resolve({ value: undefined, done: true });
    }
  }

  next() {
    if (this.#queue.length) return Promise.resolve({ value: this.#queue.shift(), done: false });
    if (this.#error) {
      const err = this.#error;
      this.#error = null;
      return Promise.reject(err);
    }
    if (this.#ended || this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  return(value) {
    this.#closed = true;
    this.#queue.length = 0;
    this.#error = null;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    return Promise.resolve({ value, done: true });
  }

  /** Stops reading; same as `break` in a `for await`. */
  abort() {
    this.return();
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
