// Pipelines in the tab: one passes and promotes, re-runs from cache, stops at a gate with its
// report and at a data anomaly before training; a new upload of its dataset triggers it; a
// sweep trains on parallel workers and survives a reload; and the native `kindling` command
// reaches the same verdict on the file the browser exports.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TARGET, startApp } from './kindling.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const CLI = join(TARGET, 'debug', 'kindling');
const CSV = readFileSync(join(ROOT, 'tests', 'fixtures', 'field_trial.csv'), 'utf8');

async function openPipelines(page) {
  await page.goto(new URL('/pipelines', app.url).href);
  await page.locator('.pipelines-page .toolbar').waitFor();
}

/** Runs the shown pipeline and waits for its outcome line to leave "running". */
async function runShown(page, timeout = 180_000) {
  const runs = await page.locator('.pipeline-runs li').count();
  await page.locator('.pipeline-view .actions button.primary').click();
  await page.waitForFunction((before) => document.querySelectorAll('.pipeline-runs li').length > before, runs);
  await page.locator('.run-outcome strong').filter({ hasNotText: /^running$/ }).waitFor({ timeout });
  return (await page.locator('.run-outcome strong').textContent()).trim();
}

/** The short id the shown run is labelled with ("passed · run 0a1b2c3d · started by hand"). */
async function shownRunId(page) {
  const [, id] = (await page.locator('.run-outcome .muted').textContent()).match(/ run (\S+) /);
  return id;
}

async function stepStates(page) {
  return page.locator('.pipeline-run-view li.step .step-state').allTextContents();
}

async function editFile(page, change) {
  await page.locator('details.pipeline-file summary').click();
  const text = await page.locator('textarea[name="pipeline-text"]').inputValue();
  await page.locator('textarea[name="pipeline-text"]').fill(change(text));
  await page.locator('details.pipeline-file').getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^Saved pipeline/).waitFor();
}

async function uploadCsv(page, text) {
  await page.goto(new URL('/data', app.url).href);
  await page.locator('input[name="csv-file"]').setInputFiles({ name: 'field_trial.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page.locator('.import-options').waitFor();
  await page.getByLabel('Target column').selectOption('species');
  await page.getByLabel('Missing values').selectOption('impute');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.locator('.upload-done').waitFor();
  return page.locator('.upload-done').textContent();
}

function cli(args) {
  assert.ok(existsSync(CLI), `${CLI} is built by the native layer of the test command`);
  return spawnSync(CLI, args, { encoding: 'utf8' });
}

test('a pipeline passes and promotes, re-runs from cache, stops at a failed gate with its report; the CLI agrees on the exported file', async () => {
  const page = await app.newPage();
  await openPipelines(page);
  await page.locator('.examples').getByRole('button', { name: 'iris', exact: true }).click();
  await page.getByText('Added pipeline "iris".').waitFor();
  assert.equal(await runShown(page), 'passed');
  assert.deepEqual(await stepStates(page), Array(8).fill('passed'));
  assert.equal(await page.locator('table.trials tbody tr').count(), 4);
  assert.equal(await page.locator('table.trials tbody tr.best').count(), 1);
  await page.locator('.pipeline-run-view svg').first().waitFor();
  assert.match(await page.locator('li.step[data-step="promote"]').textContent(), /@champion → iris v1/);
  const firstRun = await shownRunId(page);

  assert.equal(await runShown(page), 'passed');
  assert.deepEqual(await stepStates(page), Array(8).fill('cached'), 'nothing changed, nothing redone');
  assert.notEqual(await shownRunId(page), firstRun, 'runs a second apart are told apart by their short ids');
  assert.match(await page.locator('li.step[data-step="validate data"]').textContent(), new RegExp(`the same inputs as run ${firstRun}`));

  // The browser's file, run natively: the same verdict.
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download file' }).click()]);
  const dir = mkdtempSync(join(tmpdir(), 'kindling-pipeline-'));
  const path = join(dir, 'iris.toml');
  writeFileSync(path, readFileSync(await file.path()));
  const passed = cli(['pipeline', 'run', path, '--store', join(dir, 'store'), '--json']);
  assert.equal(passed.status, 0, passed.stderr + passed.stdout);

  await editFile(page, (text) => text.replace('test_accuracy = ">= 0.85"', 'test_accuracy = ">= 1.01"'));
  const failed = await runShown(page);
  assert.match(failed, /^failed at gate: the gate failed: test_accuracy ≥ 1.01/);
  assert.equal(await page.locator('li.step[data-step="register"] .step-state').textContent(), 'skipped');
  assert.ok(await page.locator('li.step[data-step="gate"] table.gate-report').count() > 0, 'the report is shown');

  const [strict] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download file' }).click()]);
  writeFileSync(path, readFileSync(await strict.path()));
  const refused = cli(['pipeline', 'run', path, '--store', join(dir, 'store')]);
  assert.equal(refused.status, 1, refused.stderr + refused.stdout);
  assert.match(refused.stdout + refused.stderr, /test_accuracy ≥ 1\.01/);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(page.errors, []);
});

test('a new version of its dataset triggers the pipeline, and a renamed column stops it before training', async () => {
  const page = await app.newPage();
  await uploadCsv(page, CSV);
  await openPipelines(page);
  const pipeline = [
    'format = "kindling-pipeline/1"', 'name = "field"',
    '[data]', 'csv = "field_trial.csv"', 'target = "species"', 'missing = "impute"',
    '[expect]', 'schema = "first-version"',
    '[train]', 'epochs = 30',
    '[gate]', 'test_accuracy = ">= 0.5"',
    '[promote]', 'model = "field"', 'alias = "champion"',
    '[triggers]', 'on_new_data = true',
  ].join('\n');
  await page.locator('input[name="pipeline-file"]').setInputFiles({ name: 'field.toml', mimeType: 'text/plain', buffer: Buffer.from(pipeline) });
  await page.getByText('Added pipeline "field".').waitFor();
  assert.equal(await runShown(page), 'passed');

  const renamed = CSV.replace('rainfall_mm', 'rain_mm');
  assert.match(await uploadCsv(page, renamed), /Pipeline "field" is running on this new version/);
  // Within the app: loading the page anew would cut the run off.
  await page.locator('nav a[href="/pipelines"]').click();
  await page.locator('.run-outcome strong').filter({ hasNotText: /^running$/ }).waitFor({ timeout: 60_000 });
  const outcome = await page.locator('.pipeline-run-view').textContent();
  assert.match(outcome, /new data version/);
  assert.match(outcome, /failed at validate data: 1 blocking data anomaly: rainfall_mm: the column is missing/);
  assert.equal(await page.locator('li.step[data-step="train"] .step-state').textContent(), 'skipped');
  assert.ok(await page.locator('table.anomalies tr.blocking').count() >= 1);
  assert.deepEqual(page.errors, []);
});

test('a sweep trains on parallel workers, stops on Stop, and after a reload in the middle resumes with only the unfinished trials', async () => {
  const page = await app.newPage();
  await openPipelines(page);
  const sweep = [
    'format = "kindling-pipeline/1"', 'name = "spiral-sweep"',
    '[data]', 'synthetic = "spiral"', 'samples = 1000',
    '[train]', 'epochs = 120', 'hidden_layers = [32, 32]',
    '[sweep]', 'strategy = "grid"', 'parallel = 2', 'learning_rate = [0.003, 0.01, 0.02, 0.03, 0.05, 0.1]',
  ].join('\n');
  await page.locator('input[name="pipeline-file"]').setInputFiles({ name: 'sweep.toml', mimeType: 'text/plain', buffer: Buffer.from(sweep) });
  await page.getByText('Added pipeline "spiral-sweep".').waitFor();
  await page.locator('.pipeline-view .actions button.primary').click();
  // Two trials at once, each on its own worker.
  await page.waitForFunction(() => document.querySelectorAll('table.trials tr[data-state="running"]').length === 2, null, { timeout: 60_000 });
  // Stop ends the running trials, keeping what they learnt; the run says so.
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.locator('.run-outcome strong', { hasText: /^stopped$/ }).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('li.step[data-step="train"] .step-state').textContent(), 'stopped');
  assert.equal(await page.locator('table.trials tr[data-state="running"]').count(), 0);

  await page.locator('.pipeline-view .actions button.primary').click();
  await page.waitForFunction(() => document.querySelectorAll('table.trials tr[data-state="running"]').length === 2, null, { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelectorAll('table.trials tr[data-state="finished"]').length >= 2, null, { timeout: 120_000 });
  const finishedBefore = await page.locator('table.trials tr[data-state="finished"]').count();
  assert.ok(finishedBefore < 6, 'the reload comes before the sweep ends');

  await page.reload();
  await openPipelines(page);
  await page.locator('.run-outcome strong', { hasText: 'interrupted' }).waitFor();
  assert.equal(await runShown(page), 'passed');
  const log = await page.locator('li.step[data-step="train"] .step-log').textContent();
  const reused = (log.match(/reuses run/g) ?? []).length;
  assert.ok(reused >= finishedBefore, `at least the ${finishedBefore} finished trials were reused (${reused}): ${log}`);
  assert.ok(reused < 6, 'the unfinished trials trained again');
  assert.equal(await page.locator('table.trials tbody tr.best').count(), 1);
});
