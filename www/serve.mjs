// A small static server for the demo: www/ at /, the package pkg/ at /pkg/, loopback only.
//   node www/serve.mjs [--port 8080] [--host 127.0.0.1]
// Also imported by tests (serve({ port: 0, roots })).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DEFAULT_ROOTS = { '/pkg/': resolve(HERE, '../pkg'), '/': HERE };

/** Serves `roots` ({ urlPrefix: directory }, longest prefix first). Resolves to { url, close() }. */
export function serve({ port = 8080, host = '127.0.0.1', roots = DEFAULT_ROOTS } = {}) {
  const prefixes = Object.keys(roots).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const prefix = prefixes.find((p) => path.startsWith(p));
      if (!prefix) throw Object.assign(new Error('not found'), { code: 'ENOENT' });
      const root = roots[prefix];
      let file = normalize(join(root, path.slice(prefix.length)));
      if (!file.startsWith(root)) throw Object.assign(new Error('not found'), { code: 'ENOENT' });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch (err) {
      res.writeHead(err.code === 'ENOENT' || err.code === 'EISDIR' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(String(err.message));
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({ url: `http://${host}:${p}`, server, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const { url } = await serve({ port: Number(arg('--port', process.env.PORT ?? 8080)), host: arg('--host', '127.0.0.1') });
  console.log(`letta-wasm demo: ${url}/  (www/ + pkg/ at /pkg/; Ctrl-C stops)`);
}
