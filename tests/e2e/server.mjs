// A static server for the release build in dist/, on 127.0.0.1 only, with the SPA fallback the
// router needs (unknown paths get index.html). Used by the end-to-end tests.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

/** What makes a page cross-origin isolated, so it may share memory with its workers. */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * Serves `root` on 127.0.0.1 at a free port; resolves to { url, override, close }.
 * `override(path, text)` answers `path` with `text` instead of the file (null restores it), as
 * a newly deployed build would. `isolated` adds the headers of a cross-origin isolated page
 * (`bench/threads.mjs`).
 */
export async function serveDist(root, { isolated = false } = {}) {
  const base = resolve(root);
  const extra = isolated ? ISOLATION_HEADERS : {};
  const overrides = new Map();
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (overrides.has(path)) {
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', ...extra });
      res.end(overrides.get(path));
      return;
    }
    let file = normalize(join(base, path));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    } catch {
      file = extname(path) ? file : join(base, 'index.html');
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...extra });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  let closing;
  return {
    url: `http://127.0.0.1:${port}/`,
    override(path, text) {
      if (text === null) overrides.delete(path);
      else overrides.set(path, text);
    },
    close() {
      // Idempotent: a test may take the server away early to prove the app works offline.
      closing ??= new Promise((ok) => {
        server.close(ok);
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
