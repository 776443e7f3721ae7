// The `kindling serve` measurements of `cargo xtask bench`: a package made by a pipeline run is
// served on loopback and loaded with autocannon (a standard HTTP load generator) for a bounded
// time, with single-row and 100-row `POST /invocations` bodies in MLflow's `dataframe_split`
// form: requests per second and p50/p99 latency. The same package, unzipped, is then served by
// `mlflow models serve --env-manager local` (the pinned MLflow of the Python test environment,
// one worker per core)
// and loaded the same way, and every answer of both is checked to be a 200.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT, TARGET } from '../tests/e2e/kindling.mjs';
import { freePort } from '../tests/e2e/mlflow_server.mjs';
import { unzip } from '../tests/e2e/packages.mjs';

const PIPELINE = [
  'format = "kindling-pipeline/1"', 'name = "served"',
  '[data]', 'bundled = "iris"',
  '[train]', 'model = "mlp"', 'hidden_layers = [64, 64]', 'epochs = 30',
  '[promote]', 'model = "served"', 'alias = "champion"',
].join('\n');
const DURATION_S = 10;
const CONNECTIONS = 8;

/** A `dataframe_split` body of `rows` iris rows, cycling through the file's first ones. */
function body(rows) {
  const lines = readFileSync(join(ROOT, 'assets', 'datasets', 'iris.csv'), 'utf8').trim().split('\n');
  const columns = lines[0].split(',').slice(0, 4);
  const data = Array.from({ length: rows }, (_, i) => lines[1 + (i % (lines.length - 1))].split(',').slice(0, 4).map(Number));
  return JSON.stringify({ dataframe_split: { columns, data } });
}

async function start(binary, dir) {
  const server = spawn(binary, ['serve', '.kindling/packages/served-v1.kindling.zip', '--port', '0'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let said = '';
    server.stderr.on('data', (chunk) => {
      said += chunk;
      const found = said.match(/http:\/\/[0-9.:]+/);
      if (found) resolve(found[0]);
    });
    server.on('exit', (code) => reject(new Error(`kindling serve exited (${code}): ${said}`)));
  });
  return { server, url };
}

/** `mlflow models serve` on the unzipped package; resolves once /ping answers. */
async function startMlflow(modelDir) {
  const port = await freePort();
  const mlflow = join(ROOT, 'target', 'python-venv', 'bin', 'mlflow');
  // One uvicorn worker per core, as kindling serve uses every core: the fair comparison.
  const workers = String(cpus().length);
  const server = spawn(mlflow, ['models', 'serve', '-m', modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port), '-w', workers],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH: `${join(ROOT, 'target', 'python-venv', 'bin')}:${process.env.PATH}` } });
  let said = '';
  server.stderr.on('data', (chunk) => { said += chunk; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/ping`)).ok) return { server, url };
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`mlflow models serve did not start: ${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function load(url) {
  const results = {};
  for (const rows of [1, 100]) {
    const result = await autocannon({
      url: `${url}/invocations`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(rows),
      connections: CONNECTIONS,
      duration: DURATION_S,
    });
    results[`rows_${rows}`] = {
      rows,
      requests_per_s: result.requests.average,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      errors: result.errors + result.non2xx,
    };
  }
  return results;
}

export async function serveBench() {
  execFileSync('cargo', ['build', '--release', '-q', '-p', 'kindling-cli'], { cwd: ROOT, stdio: 'inherit' });
  const binary = join(TARGET, 'release', 'kindling');
  const dir = mkdtempSync(join(tmpdir(), 'kindling-serve-bench-'));
  const results = {};
  let served;
  let mlflow;
  try {
    writeFileSync(join(dir, 'served.toml'), PIPELINE);
    execFileSync(binary, ['pipeline', 'run', 'served.toml'], { cwd: dir, stdio: 'ignore' });
    served = await start(binary, dir);
    results.kindling = await load(served.url);
    served.server.kill('SIGTERM');
    served = null;

    const modelDir = join(dir, 'mlflow-model');
    for (const [name, bytes] of unzip(readFileSync(join(dir, '.kindling', 'packages', 'served-v1.kindling.zip')))) {
      mkdirSync(join(modelDir, name, '..'), { recursive: true });
      writeFileSync(join(modelDir, name), bytes);
    }
    mlflow = await startMlflow(modelDir);
    results.mlflow = await load(mlflow.url);
  } finally {
    served?.server.kill('SIGTERM');
    mlflow?.server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function printServeBench(results) {
  console.log(`\nServing on loopback (autocannon, ${CONNECTIONS} connections, ${DURATION_S} s each; iris MLP 4-64-64-3)`);
  for (const [name, label] of [['kindling', 'kindling serve'], ['mlflow', 'mlflow models serve']]) {
    for (const { rows, requests_per_s, p50_ms, p99_ms, errors } of Object.values(results[name] ?? {})) {
      console.log(`  ${label.padEnd(20)} ${String(rows).padStart(3)} row(s) a request: ${requests_per_s.toFixed(0)} requests/s, p50 ${p50_ms} ms, p99 ${p99_ms} ms, ${errors} errors`);
    }
  }
  for (const rows of [1, 100]) {
    const ratio = results.kindling?.[`rows_${rows}`]?.requests_per_s / results.mlflow?.[`rows_${rows}`]?.requests_per_s;
    if (Number.isFinite(ratio)) console.log(`  ${rows} row(s): kindling serve answers ${ratio.toFixed(1)}× the requests of mlflow models serve`);
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) printServeBench(await serveBench());
