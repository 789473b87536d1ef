// A small static server on 127.0.0.1 for the browser tests: /pkg/* is the built package (pkg/, or
// $LETTA_PKG_DIR), everything else comes from tests/e2e/pages/. Correct MIME types (application/wasm
// lets the browser compile the module while it streams), no caching (a reload fetches again), and no
// path outside those two directories.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const REPO = resolve(HERE, '../../..');
export const PAGES = resolve(HERE, '../pages');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

function inside(root, rel) {
  const file = normalize(join(root, rel));
  return file === root || file.startsWith(root + sep) ? file : null;
}

/**
 * Starts the server; resolves to `{ url, pkgDir, close() }`. `cache: true` lets the browser cache
 * what it gets (an app served with normal caching; the browser then also keeps the compiled wasm).
 * @param {{ pkgDir?: string, cache?: boolean }} [options]
 */
export async function serve({ pkgDir = process.env.LETTA_PKG_DIR || join(REPO, 'pkg'), cache = false } = {}) {
  const pkgRoot = resolve(pkgDir);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let rel = decodeURIComponent(url.pathname);
    let root = PAGES;
    if (rel.startsWith('/pkg/')) {
      root = pkgRoot;
      rel = rel.slice('/pkg'.length);
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = inside(root, rel);
    try {
      if (!file || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': cache ? 'public, max-age=3600' : 'no-store',
        'content-length': body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${url.pathname}`);
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    pkgDir: pkgRoot,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
