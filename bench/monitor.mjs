// The monitor's measurements of `cargo xtask bench`: the drift statistics over a 10,000-row
// window in the trainer worker (every feature's PSI and KS test against a 10,000-row
// reference), and the Deployments page while its endpoint serves 200 requests a second with
// its live charts: the main thread's long tasks (PerformanceObserver) and the endpoint's own
// p99 latency.
import { startApp } from '../tests/e2e/kindling.mjs';
import { askWorker } from './ask-worker.mjs';

const WINDOW_ROWS = 10_000;
const SERVE_MS = 20_000;
const RATE_PER_S = 200;

/** The worker's drift statistics over a window, in a page of its own. */
async function driftInWorker(app) {
  const reply = await askWorker(app, app.url, { Drift: { rows: WINDOW_ROWS } });
  return reply.Drift;
}

const PIPELINE = [
  'format = "kindling-pipeline/1"', 'name = "iris"',
  '[data]', 'bundled = "iris"',
  '[train]', 'model = "mlp"', 'hidden_layers = [16]', 'epochs = 40', 'seed = 7',
  '[gate]', 'test_accuracy = ">= 0.5"',
  '[promote]', 'model = "iris"', 'alias = "champion"',
].join('\n');

/** Deploys a freshly promoted iris model and serves it at RATE_PER_S for SERVE_MS. */
async function servingPage(app) {
  const page = await app.newPage();
  await page.goto(new URL('/pipelines', app.url).href);
  await page.locator('input[name="pipeline-file"]').setInputFiles({ name: 'iris.toml', mimeType: 'text/plain', buffer: Buffer.from(PIPELINE) });
  await page.getByText(/^Added pipeline/).waitFor();
  await page.locator('.pipeline-view .actions button.primary').click();
  await page.locator('.run-outcome strong').filter({ hasText: /^passed$/ }).waitFor({ timeout: 120_000 });
  await page.locator('nav').getByRole('link', { name: 'Deploy' }).click();
  await page.locator('#deploy').click();
  await page.locator('#endpoint-status').filter({ hasText: 'serving' }).waitFor({ timeout: 30_000 });
  await page.locator('#rate').fill(String(RATE_PER_S));
  await page.locator('#drift-shift').fill('1');
  // Let the window fill before measuring: the drift window is 500 requests.
  await page.waitForFunction(() => Number(document.querySelector('#tile-answered')?.textContent) > 600);
  await page.evaluate(() => { window.__longTasks = []; });
  await page.waitForTimeout(SERVE_MS);
  const longTasks = await page.evaluate(() => window.__longTasks);
  const latency = await page.locator('#tile-latency').textContent();
  const rate = await page.locator('#tile-rate').textContent();
  const answered = Number(await page.locator('#tile-answered').textContent());
  await page.close();
  return { longTasks, latency: latency.trim(), rate: rate.trim(), answered };
}

export async function monitorBench() {
  const app = await startApp();
  try {
    const drift = [];
    for (let rep = 0; rep < 3; rep += 1) drift.push(await driftInWorker(app));
    const serving = await servingPage(app);
    return { drift, serving };
  } finally {
    await app.close();
  }
}

export function printMonitorBench({ drift, serving }) {
  const times = drift.map((d) => d.ms).sort((a, b) => a - b);
  console.log(`\nmonitor: drift statistics over a ${WINDOW_ROWS}-row window (${drift[0].features} features) in the worker: `
    + `median ${times[1].toFixed(1)} ms (runs: ${times.map((t) => t.toFixed(1)).join(', ')} ms; target ≤ 50 ms)`);
  const over = serving.longTasks.filter((ms) => ms > 50);
  console.log(`monitor: Deployments page serving ${serving.rate} for ${SERVE_MS / 1000} s with live charts: `
    + `${over.length} main-thread tasks over 50 ms${over.length ? ` (${over.map((ms) => Math.round(ms)).join(', ')} ms)` : ''}; `
    + `endpoint latency p50 / p99 ${serving.latency}; ${serving.answered} requests answered`);
}

// `node bench/monitor.mjs` measures the monitor alone.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  printMonitorBench(await monitorBench());
}
