// The pipeline measurements of `cargo xtask bench`: a 16-trial grid on a bundled set with
// parallel workers against one worker in the same Chromium; an unchanged pipeline run again
// (every step cached); and the native `kindling` command on the same file, with the metrics of
// the trial each side chose.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TARGET, startApp } from '../tests/e2e/kindling.mjs';

/** The sweep: 4 learning rates × 4 widths on digits, long enough that a trial outlasts a worker's start. */
function grid(name, parallel) {
  return [
    'format = "kindling-pipeline/1"', `name = "${name}"`,
    '[data]', 'bundled = "digits"',
    '[train]', 'model = "mlp"', 'epochs = 300', 'seed = 7',
    '[sweep]', 'strategy = "grid"', `parallel = ${parallel}`, 'pick = "val_accuracy"',
    'learning_rate = [0.003, 0.01, 0.03, 0.1]', 'hidden_layers = [[16], [32], [64], [32, 32]]',
    '[gate]', 'test_accuracy = ">= 0.5"',
  ].join('\n');
}

async function addPipeline(page, url, text) {
  await page.goto(new URL('/pipelines', url).href);
  await page.locator('input[name="pipeline-file"]').setInputFiles({ name: 'bench.toml', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.getByText(/^Added pipeline/).waitFor();
}

/**
 * Clicks Run and returns the wall time to the run's outcome and the train step's own wall time
 * (from its state turning "running" to its end), with what the run showed.
 */
async function timeRun(page) {
  const runs = await page.locator('.pipeline-runs li').count();
  const trainState = 'li.step[data-step="train"] .step-state';
  const started = performance.now();
  await page.locator('.pipeline-view .actions button.primary').click();
  await page.waitForFunction((before) => document.querySelectorAll('.pipeline-runs li').length > before, runs);
  await page.waitForFunction((selector) => !['waiting'].includes(document.querySelector(selector)?.textContent), trainState);
  const trainStarted = performance.now();
  await page.waitForFunction((selector) => !['waiting', 'running'].includes(document.querySelector(selector)?.textContent),
    trainState, { timeout: 1_800_000, polling: 20 });
  const trainMs = performance.now() - trainStarted;
  await page.locator('.run-outcome strong').filter({ hasNotText: /^running$/ }).waitFor({ timeout: 1_800_000 });
  const wallMs = performance.now() - started;
  const outcome = (await page.locator('.run-outcome strong').textContent()).trim();
  const states = await page.locator('.pipeline-run-view li.step .step-state').allTextContents();
  const best = (await page.locator('table.trials tbody tr.best td').allTextContents()).map((cell) => cell.trim());
  return { wallMs, trainMs, outcome, states, best };
}

export async function pipelineBench() {
  const app = await startApp();
  const results = {};
  try {
    const cores = await (await app.newPage()).evaluate(() => navigator.hardwareConcurrency);
    for (const parallel of [cores, 1]) {
      const page = await app.newPage();
      await addPipeline(page, app.url, grid(`grid-${parallel}`, parallel));
      results[`grid_${parallel === 1 ? 'one' : 'parallel'}`] = { parallel, ...(await timeRun(page)) };
      console.error(JSON.stringify(results));
      if (parallel !== 1) {
        results.cached_rerun = await timeRun(page);
        console.error(JSON.stringify(results.cached_rerun));
      }
    }
  } finally {
    await app.close();
  }
  execFileSync('cargo', ['build', '--release', '-q', '-p', 'kindling-cli'], { cwd: ROOT, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'kindling-bench-'));
  const file = join(dir, 'grid.toml');
  writeFileSync(file, grid('grid-cli', results.grid_parallel.parallel));
  const started = performance.now();
  const cli = spawnSync(join(TARGET, 'release', 'kindling'), ['pipeline', 'run', file, '--store', join(dir, 'store'), '--json'], { encoding: 'utf8' });
  results.cli = { wallMs: performance.now() - started, status: cli.status, report: parseJson(cli.stdout) };
  rmSync(dir, { recursive: true, force: true });
  return results;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { unreadable: text.slice(0, 2000) };
  }
}

export function printPipelineBench(results) {
  const seconds = (ms) => (ms / 1000).toFixed(1);
  const { grid_parallel: parallel, grid_one: one, cached_rerun: cached, cli } = results;
  console.log('\nPipelines: a 16-trial grid on digits (300 epochs), the same Chromium');
  console.log(`  train step: ${parallel.parallel} workers ${seconds(parallel.trainMs)} s, 1 worker ${seconds(one.trainMs)} s: scaling ${(one.trainMs / parallel.trainMs).toFixed(2)}×`);
  console.log(`  whole run (with the gate's retraining check): ${seconds(parallel.wallMs)} s and ${seconds(one.wallMs)} s`);
  console.log(`  unchanged re-run: ${seconds(cached.wallMs)} s to "${cached.outcome}" (${cached.states.filter((s) => s === 'cached').length} of 8 steps cached)`);
  console.log(`  best trial in the tab: ${parallel.best.slice(0, 2).join(' ')} ${parallel.best[5] ?? ''}`);
  const training = cli.report.run?.steps?.find((step) => step.step === 'Train')?.artefact?.Training;
  const chosen = training?.trials?.[training.best];
  console.log(`  the kindling command: ${seconds(cli.wallMs)} s (exit ${cli.status}), best trial ${chosen?.number} ${chosen?.label} ${chosen?.score?.toFixed(4)}`);
}
