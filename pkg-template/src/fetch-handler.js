// The HTTP door: the engine as a Letta server in a WHATWG fetch handler, `(Request) => Promise<Response>`.
// Serve it from a Cloudflare Worker (`export default { fetch: handler }`), Deno (`Deno.serve(handler)`),
// Bun, a service worker, or Node (through a small node:http adapter, see docs/http.md), or hand it to an
// official Letta SDK as its `fetch`. Only web globals are used (Request, Response, ReadableStream,
// TextEncoder/TextDecoder, URL, Headers).
//
// Wire rules (what the Letta server did and what both generations of the official SDK parse):
//   - JSON in and out; errors are `{"detail": "..."}` with the engine's status;
//   - SSE for POST /v1/agents/{id}/messages/stream and for POST /v1/agents/{id}/messages with
//     `"streaming": true`: one `data: <json>\n\n` per event (a whole event per chunk), then
//     `data: [DONE]\n\n`. An error before the first event is an ordinary JSON error response; after it,
//     an `event: error` frame (then `[DONE]`);
//   - deterministic 4xx carry `x-should-retry: false`, so the 1.x SDKs do not retry them (they retry
//     409 by default); the engine's transient conflicts (detail "CONFLICT: ...") stay retryable.
// No behaviour lives here: the engine's router answers every request.

import { EngineHandle } from './engine.js';

const DEFAULT_MAX_BODY_BYTES = 1 << 20;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const RUN_ROUTE = /^\/v1\/agents\/[^/]+\/messages(\/stream)?\/?$/;

/**
 * The engine behind a client of either door (`LettaClient`, `Letta`), an EngineHandle, or a wasm Engine.
 * @returns {{ request: Function, stream: Function }}
 */
export function engineOf(client) {
  const handle = client instanceof EngineHandle ? client : client?._engine;
  const engine = handle instanceof EngineHandle ? handle.engine : handle ?? client;
  if (!engine || typeof engine.request !== 'function' || typeof engine.stream !== 'function') {
    throw new TypeError('createFetchHandler(client): expected a LettaClient or Letta instance (or a letta-wasm Engine)');
  }
  return engine;
}

/**
 * Serves the Letta V1 REST API under `/v1` from the client's engine.
 * @param {object} client a `LettaClient` or `Letta` (the handler shares its engine and its state)
 * @param {object} [options]
 * @param {string} [options.apiKey] when set, every request but a CORS preflight must carry
 *   `Authorization: Bearer <apiKey>`; others get 401 and reach nothing
 * @param {boolean|string|string[]|((origin: string) => boolean)} [options.cors] `true`: any origin;
 *   an origin or a list of origins; or a predicate. Answers preflight `OPTIONS` and adds the headers.
 * @param {number} [options.maxBodyBytes] largest request body accepted (default 1 MiB); larger is 413
 * @param {string} [options.basePath] a prefix to strip first (e.g. "/letta" to serve /letta/v1/...)
 * @returns {(request: Request | string | URL, init?: RequestInit) => Promise<Response>} also usable as
 *   `export default { fetch: handler }` in a Worker, `Deno.serve(handler)`, `Bun.serve({ fetch: handler })`
 *   (what such hosts pass after the Request is ignored), and as a `fetch(url, init)` for the SDKs
 */
export function createFetchHandler(client, options = {}) {
  const engine = engineOf(client);
  const { apiKey, cors, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, basePath = '' } = options ?? {};
  if (apiKey != null && (typeof apiKey !== 'string' || apiKey === '')) {
    throw new TypeError('createFetchHandler: options.apiKey must be a non-empty string');
  }
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new TypeError('createFetchHandler: options.maxBodyBytes must be a non-negative integer');
  }
  if (typeof basePath !== 'string' || (basePath && !basePath.startsWith('/'))) {
    throw new TypeError('createFetchHandler: options.basePath must be a path such as "/letta"');
  }
  const prefix = basePath.replace(/\/+$/, '');
  const key = apiKey != null ? utf8(`Bearer ${apiKey}`) : null;
  const allowOrigin = corsPolicy(cors);

  return async function handler(input, init) {
    let request;
    try {
      // A Request is served as is: hosts pass other things second (Deno's `info`, a Worker's `env`,
      // Bun's `server`). A URL string or URL is the `fetch(url, init)` form the SDKs use.
      request = isRequest(input) ? input : new Request(input, init);
    } catch (err) {
      return errorResponse(400, `Bad request: ${message(err)}`);
    }
    const corsHeaders = allowOrigin ? corsHeadersFor(request, allowOrigin) : null;
    let response;
    try {
      response = await serve(request);
    } catch (err) {
      response = errorResponse(500, `Internal error: ${message(err)}`);
    }
    if (corsHeaders) for (const [k, v] of Object.entries(corsHeaders)) response.headers.set(k, v);
    return response;
  };

  async function serve(request) {
    const method = request.method.toUpperCase();
    if (method === 'OPTIONS') {
      // Preflights carry no credentials: answered before the key check, and they touch nothing.
      const headers = { allow: [...METHODS, 'OPTIONS'].join(', ') };
      if (allowOrigin) {
        headers['access-control-allow-methods'] = headers.allow;
        headers['access-control-allow-headers'] =
          request.headers.get('access-control-request-headers') || 'authorization, content-type, accept';
        headers['access-control-max-age'] = '600';
      }
      return new Response(null, { status: 204, headers });
    }
    if (key && !authorized(request.headers.get('authorization'), key)) {
      return errorResponse(401, "Unauthorized: missing or wrong API key (send 'Authorization: Bearer <key>')", {
        'www-authenticate': 'Bearer',
      });
    }

    let url;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(400, `Bad request: invalid URL ${request.url}`);
    }
    let path = url.pathname;
    if (prefix) {
      if (path !== prefix && !path.startsWith(prefix + '/')) return errorResponse(404, `Not found: ${path} (served under ${prefix}/v1/)`);
      path = path.slice(prefix.length) || '/';
    }
    if (path !== '/v1' && !path.startsWith('/v1/')) {
      return errorResponse(404, `Not found: ${method} ${path} (the Letta API is served under /v1/)`);
    }
    if (!METHODS.includes(method)) {
      return errorResponse(405, `Method Not Allowed: ${method} (allowed: ${METHODS.join(', ')})`, { allow: METHODS.join(', ') });
    }

    const body = await readBody(request, maxBodyBytes);
    if (body instanceof Response) return body;
    const queryJson = JSON.stringify([...url.searchParams]);

    if (method === 'POST' && RUN_ROUTE.test(path) && (path.replace(/\/$/, '').endsWith('/stream') || wantsStreaming(body))) {
      return streamRun(engine, method, path, queryJson, body, request.signal);
    }
    const envelope = openEnvelope(await engine.request(method, path, queryJson, body));
    return jsonResponse(envelope.status, envelope.body);
  }
}

// ---------------------------------------------------------------------------------------------
// SSE

const encoder = new TextEncoder();
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/**
 * One SSE frame for a wire event (JSON text on one line). A literal `[DONE]` inside a payload is
 * written `[DONE\u005d` (same JSON value): the 0.x SDK ends the stream at any line containing `[DONE]`.
 */
export function sseFrame(json) {
  return encoder.encode(`data: ${String(json).replaceAll('[DONE]', '[DONE\\u005d')}\n\n`);
}

export const SSE_DONE = encoder.encode('data: [DONE]\n\n');

/** The `event: error` frame for an error that happens after the stream started. */
export function sseErrorFrame(status, body) {
  const detail = typeof body?.detail === 'string' ? body.detail : JSON.stringify(body ?? null);
  const data = { message: detail, detail, status, code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'REQUEST_ERROR' };
  return encoder.encode(`event: error\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Runs a streaming route: resolves to an SSE response at the first event, or to a JSON response when
 * the run ends (or fails) before any event.
 */
function streamRun(engine, method, path, queryJson, body, signal) {
  return new Promise((resolve) => {
    let controller;
    let closed = false;
    let started = false;
    const stream = new ReadableStream({
      start(c) {
        controller = c;
      },
      cancel() {
        closed = true; // the client went away; the run itself finishes and is recorded
      },
    });
    const enqueue = (bytes) => {
      if (closed) return;
      try {
        controller.enqueue(bytes);
      } catch {
        closed = true;
      }
    };
    const close = () => {
      if (closed) return;
      closed = true;
      try {
        controller.close();
      } catch {
        /* already closed */
      }
    };
    const respond = () => {
      if (started) return;
      started = true;
      resolve(new Response(stream, { status: 200, headers: SSE_HEADERS }));
    };
    signal?.addEventListener?.('abort', close, { once: true });

    const onEvent = (json) => {
      enqueue(sseFrame(json));
      respond();
    };
    let pending;
    try {
      pending = engine.stream(method, path, queryJson, body, onEvent);
    } catch (err) {
      pending = Promise.reject(err);
    }
    Promise.resolve(pending)
      .then((text) => openEnvelope(text))
      .then(
        (env) => {
          if (!started && env.status >= 400) {
            close();
            resolve(jsonResponse(env.status, env.body));
            return;
          }
          respond();
          if (env.status >= 400) enqueue(sseErrorFrame(env.status, env.body));
          enqueue(SSE_DONE);
          close();
        },
        (err) => {
          const detail = `Internal error: ${message(err)}`;
          if (!started) {
            close();
            resolve(errorResponse(500, detail));
            return;
          }
          enqueue(sseErrorFrame(500, { detail }));
          enqueue(SSE_DONE);
          close();
        },
      );
  });
}

function wantsStreaming(body) {
  if (body === undefined || !body.includes('"streaming"')) return false;
  try {
    return JSON.parse(body)?.streaming === true;
  } catch {
    return false; // the engine answers the malformed body
  }
}

// ---------------------------------------------------------------------------------------------
// requests and responses

function isRequest(x) {
  return typeof x === 'object' && x !== null && typeof x.url === 'string' && typeof x.method === 'string' && typeof x.headers?.get === 'function';
}

/** The body as text (undefined when empty), or a 4xx Response: too large, or not UTF-8. */
async function readBody(request, max) {
  const declared = request.headers.get('content-length');
  if (declared != null && /^\d+$/.test(declared) && Number(declared) > max) return tooLarge(max);
  if (!request.body) return undefined;
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value instanceof Uint8Array ? value : typeof value === 'string' ? encoder.encode(value) : new Uint8Array(value);
      size += chunk.byteLength;
      if (size > max) {
        reader.cancel().catch(() => {});
        return tooLarge(max);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    return errorResponse(400, `Bad request: could not read the body (${message(err)})`);
  }
  if (size === 0) return undefined;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.trim() === '' ? undefined : text;
  } catch {
    return errorResponse(400, 'Malformed body: not valid UTF-8 text (send JSON)');
  }
}

function tooLarge(max) {
  return errorResponse(413, `Request body too large: the limit is ${max} bytes`);
}

function openEnvelope(text) {
  let env;
  try {
    env = JSON.parse(text);
  } catch {
    throw new Error(`the engine returned invalid JSON: ${String(text).slice(0, 200)}`);
  }
  if (typeof env?.status !== 'number') throw new Error('the engine returned no status');
  return env;
}

/** A JSON response; error statuses get the retry hint for the SDKs. */
export function jsonResponse(status, body, extraHeaders) {
  const headers = { 'content-type': 'application/json', ...retryHeader(status, body), ...extraHeaders };
  return new Response(JSON.stringify(body ?? null), { status, headers });
}

function errorResponse(status, detail, extraHeaders) {
  return jsonResponse(status, { detail }, extraHeaders);
}

function retryHeader(status, body) {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return {};
  // The engine's optimistic-concurrency conflicts are transient ("CONFLICT: ... Please retry").
  if (status === 409 && typeof body?.detail === 'string' && body.detail.startsWith('CONFLICT:')) return {};
  return { 'x-should-retry': 'false' };
}

function message(err) {
  return String(err?.message ?? err);
}

// ---------------------------------------------------------------------------------------------
// auth and CORS

function utf8(s) {
  return encoder.encode(s);
}

/** Constant-time comparison of the Authorization header with `Bearer <key>` (time depends on lengths only). */
function authorized(header, expected) {
  if (header == null) return false;
  // The scheme is case-insensitive ("bearer x" is fine); the key is compared byte for byte.
  const given = utf8(header.replace(/^bearer /i, 'Bearer '));
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ (given[i] ?? 0);
  return diff === 0;
}

function corsPolicy(cors) {
  if (!cors) return null;
  if (cors === true || cors === '*') return () => '*';
  if (typeof cors === 'function') return (origin) => (origin && cors(origin) ? origin : null);
  const list = Array.isArray(cors) ? cors : [cors];
  if (!list.every((o) => typeof o === 'string')) throw new TypeError('createFetchHandler: options.cors must be true, an origin, a list of origins or a function');
  const allowed = new Set(list.map((o) => o.replace(/\/+$/, '')));
  return (origin) => (origin && allowed.has(origin) ? origin : null);
}

function corsHeadersFor(request, allowOrigin) {
  const origin = request.headers.get('origin');
  const allowed = allowOrigin(origin);
  const headers = { vary: 'Origin' };
  if (!allowed) return headers;
  headers['access-control-allow-origin'] = allowed;
  headers['access-control-expose-headers'] = 'content-type, x-should-retry';
  return headers;
}
