// Serves a fetch handler `(Request) => Promise<Response>` with node:http (Node 20 has no fetch-style
// server). The same adapter is shown in docs/http.md. Not a test file.
import http from 'node:http';
import { Readable } from 'node:stream';

/** A node:http request listener calling `handler`. Streams the response body chunk by chunk (SSE). */
export function toNodeListener(handler) {
  return async (req, res) => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        for (const v of [].concat(value ?? [])) headers.append(name, v);
      }
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(new URL(req.url, `http://${req.headers.host ?? 'localhost'}`), {
        method: req.method,
        headers,
        body: hasBody ? Readable.toWeb(req) : undefined,
        duplex: 'half',
        signal: abort.signal,
      });
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) {
        for await (const chunk of response.body) {
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        }
      }
      res.end();
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ detail: `server error: ${err?.message ?? err}` }));
      } else res.destroy(err);
    }
  };
}

/** Listens on 127.0.0.1 on a free port. Resolves to `{ url, close() }`. */
export async function serve(handler) {
  const server = http.createServer(toNodeListener(handler));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
