// Shared helpers of the SDK tests (not a test file).
import { LettaClient, createFetchHandler } from 'letta-wasm';

/**
 * An in-process engine served by a fetch handler. `client` (a LettaClient) backs the handler: the
 * tests program scripted models through it. `calls` records `METHOD path?query` of every request the
 * handler received.
 */
export function backend(t, options = {}) {
  const client = new LettaClient();
  const handler = createFetchHandler(client, options);
  const calls = [];
  const fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    calls.push(`${request.method} ${url.pathname}${url.search}`);
    return handler(request);
  };
  t?.after(() => client.close());
  return { client, handler, fetch, calls };
}

/**
 * The 0.x SDK's `fetcher` option on top of a WHATWG fetch (reference §1.3): builds the URL with
 * repeated keys for arrays, JSON-encodes the body, returns the raw ReadableStream for SSE.
 */
export function fetcherFromFetch(fetchFn) {
  return async (args) => {
    const url = new URL(args.url);
    for (const [key, value] of Object.entries(args.queryParameters ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== undefined && v !== null) url.searchParams.append(key, v instanceof Date ? v.toISOString() : String(v));
      }
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(args.headers ?? {})) if (v != null) headers.set(k, String(v));
    if (args.contentType) headers.set('content-type', args.contentType);
    const body = args.body === undefined ? undefined : args.requestType === 'json' || !args.requestType ? JSON.stringify(args.body) : args.body;
    const response = await fetchFn(url.toString(), { method: args.method, headers, body, signal: args.abortSignal });
    const rawResponse = {
      headers: response.headers,
      redirected: response.redirected,
      status: response.status,
      statusText: response.statusText,
      type: response.type,
      url: response.url,
    };
    if (response.ok) {
      if (args.responseType === 'sse') return { ok: true, body: response.body, rawResponse };
      const text = await response.text();
      return { ok: true, body: text ? JSON.parse(text) : undefined, rawResponse };
    }
    const text = await response.text();
    let errorBody;
    try {
      errorBody = JSON.parse(text);
    } catch {
      errorBody = text;
    }
    return { ok: false, error: { reason: 'status-code', statusCode: response.status, body: errorBody }, rawResponse };
  };
}
