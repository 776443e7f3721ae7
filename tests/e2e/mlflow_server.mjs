// A real `mlflow server` for the e2e layer: the pinned MLflow of the Python test environment
// (tests/python/requirements.txt, made by the native layer, which runs first), on 127.0.0.1
// with a SQLite store and artifacts in a scratch folder. `stop()` kills it and removes the
// folder; it is also killed if the test process exits without calling it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './kindling.mjs';

export const PYTHON = join(ROOT, 'target', 'python-venv', 'bin', 'python');

/** A port on 127.0.0.1 that nothing listens on (at the moment it was asked). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a server allowing `corsOrigins` (a comma-separated list); resolves once /health answers. */
export async function startMlflow({ corsOrigins }) {
  if (!existsSync(PYTHON)) throw new Error('run the native layer first: it creates target/python-venv with MLflow');
  const dir = mkdtempSync(join(tmpdir(), 'kindling-mlflow-e2e-'));
  const port = await freePort();
  const log = join(dir, 'server.log');
  const output = openSync(log, 'w');
  const child = spawn(join(ROOT, 'target', 'python-venv', 'bin', 'mlflow'), [
    'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
    '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
    '--artifacts-destination', join(dir, 'artifacts'),
    '--cors-allowed-origins', corsOrigins,
  ], { cwd: dir, stdio: ['ignore', output, output] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      const said = readFileSync(log, 'utf8');
      await stop();
      throw new Error(`mlflow server did not start:\n${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, stop, log: () => readFileSync(log, 'utf8') };
}
