// What leaves Kindling is whole: a CSV with categories and gaps (not a bundled set) is
// uploaded, trained, registered and downloaded; its ONNX graph scores the raw file in Python's
// onnxruntime with the app's answers; and a workspace exported from one profile and imported
// into a fresh one registers, predicts and downloads exactly as before; the package alone, in
// a profile without its data, is marked as claiming its metrics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, RunsPage, TrainPage, startApp } from './kindling.mjs';
import { unzip } from './packages.mjs';

let app;
/** The profile the first test works in, which the second empties. */
let workedIn;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const MODEL = 'field-trial';
const CSV_PATH = join(ROOT, 'tests', 'fixtures', 'field_trial.csv');
const CSV = readFileSync(CSV_PATH);

async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** Scores the raw CSV on the Predict page; returns predictions.csv's bytes. */
async function scoreFile(page) {
  await page.goto(new URL(`/predict?model=${MODEL}&version=1`, app.url).href);
  await page.locator('#batch-file').setInputFiles({ name: 'field_trial.csv', mimeType: 'text/csv', buffer: CSV });
  await page.locator('.batch-summary, .batch-error').first().waitFor();
  assert.equal(await page.locator('.batch-error').count(), 0, await page.locator('.batch-error').first().textContent().catch(() => ''));
  return (await download(page, '#batch-download')).bytes;
}

/** Registers the run as `model` (its gates and checks must pass); returns the gate report's rows. */
async function register(page, runName, model) {
  const runs = await new RunsPage(page, app.url).open();
  await runs.row(runName).getByRole('link', { name: runName, exact: true }).click();
  await page.locator('#register-model').fill(model);
  await page.locator('#validate-run').click();
  assert.match(await page.locator('.verdict').textContent(), /Every gate passed/);
  const checks = await page.locator('.gate-report tr.check').allTextContents();
  await page.locator('#register-run').click();
  await page.locator('.registered a').waitFor();
  return checks;
}

test('a CSV with categories and gaps is trained, registered, downloaded and scored raw by onnxruntime; a workspace carries it all to a fresh profile', async (t) => {
  const page = await app.newPage();
  await page.goto(new URL('/data', app.url).href);
  await page.locator('input[name="csv-file"]').setInputFiles({ name: 'field_trial.csv', mimeType: 'text/csv', buffer: CSV });
  await page.locator('.import-options').waitFor();
  await page.getByLabel('Target column').selectOption('species');
  await page.getByLabel('Missing values').selectOption('impute');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.locator('.upload-done').waitFor();

  await page.getByRole('link', { name: 'Train on this data' }).click();
  const train = new TrainPage(page, app.url);
  await train.set('Epochs', 60);
  await train.set('Run name', 'field-first');
  await train.button('Train').click();
  const accuracy = await train.finalAccuracy();
  t.diagnostic(`field trial test accuracy ${accuracy}`);
  await page.locator('.run-saved').waitFor();

  const checks = await register(page, 'field-first', MODEL);
  assert.ok(checks.some((row) => /retraining reproduces the run's first steps/.test(row)), checks.join('\n'));
  assert.ok(checks.some((row) => /stored weights reproduce the claimed test metrics/.test(row)), checks.join('\n'));

  // The form takes the raw columns: a category is chosen from the values it was trained on.
  await page.goto(new URL(`/predict?model=${MODEL}&version=1`, app.url).href);
  const soil = page.locator('select[data-feature="soil"]');
  await soil.waitFor();
  const soils = await soil.locator('option').allTextContents();
  assert.ok(['clay', 'loam', 'sand'].every((value) => soils.includes(value)), soils.join());
  assert.equal(await page.locator('input[data-feature="rainfall_mm"]').count(), 1);

  await page.goto(new URL(`/models/${MODEL}/1`, app.url).href);
  const pkg = await download(page, '#download-package');
  assert.ok(unzip(pkg.bytes).some(([name]) => name === 'README.md'));
  const predictions = await scoreFile(page);

  // Python reads the same file with pandas and feeds onnxruntime column by column.
  const dir = mkdtempSync(join(tmpdir(), 'kindling-whole-'));
  const packagePath = join(dir, pkg.name);
  const predictionsPath = join(dir, 'predictions.csv');
  writeFileSync(packagePath, pkg.bytes);
  writeFileSync(predictionsPath, predictions);
  const python = join(ROOT, 'target', 'python-venv', 'bin', 'python');
  assert.ok(existsSync(python), 'run the native layer first: it creates target/python-venv');
  const report = execFileSync(python, [join(ROOT, 'tests', 'python', 'score_csv.py'), packagePath, CSV_PATH, predictionsPath], { encoding: 'utf8' });
  t.diagnostic(report.trim());

  // The whole workspace, into a fresh profile.
  await new RunsPage(page, app.url).open();
  const workspace = await download(page, 'button:has-text("Export workspace")');
  const fresh = await app.newPage();
  await new RunsPage(fresh, app.url).open();
  await fresh.locator('input[name="import-workspace"]').setInputFiles({ name: workspace.name, mimeType: 'application/json', buffer: workspace.bytes });
  await fresh.getByText('Imported 1 run, 1 dataset, 1 model and 1 model version.').waitFor();

  assert.ok((await scoreFile(fresh)).equals(predictions), 'the imported version predicts exactly as before');
  await fresh.goto(new URL(`/models/${MODEL}/1`, app.url).href);
  const again = await download(fresh, '#download-package');
  assert.ok(again.bytes.equals(pkg.bytes), 'the imported version downloads byte for byte the same');
  // The run came with its weights and its data: it registers, and its checks reproduce it.
  const freshChecks = await register(fresh, 'field-first', 'field-trial-copy');
  assert.deepEqual(freshChecks.filter((row) => /retraining|claimed/.test(row)).length, 2);

  // The package alone, in a profile without its data: its metrics are the package's claim,
  // said so, and it takes an alias only with a written override.
  const stranger = await app.newPage();
  await stranger.goto(new URL('/models', app.url).href);
  await stranger.locator('#package-file').setInputFiles({ name: pkg.name, mimeType: 'application/zip', buffer: pkg.bytes });
  const notice = stranger.locator('.upload-notice', { hasText: `is now ${MODEL} v1, but failed` });
  await notice.waitFor({ timeout: 60_000 });
  assert.match(await notice.textContent(), /stored weights reproduce the claimed test metrics/);
  await stranger.goto(new URL(`/models/${MODEL}/1`, app.url).href);
  const standing = stranger.locator('.metrics-standing.claimed');
  await standing.waitFor();
  assert.match(await standing.textContent(), /^Claimed, not verified: .*not in this browser/);
  await stranger.locator('#alias-reason').fill('trust me');
  await stranger.locator('#set-alias').click();
  await stranger.locator('.version-notice .error', { hasText: 'failed its gates' }).waitFor();
  assert.equal(await stranger.locator('h1 .alias').count(), 0, 'no alias was given');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(fresh.errors, []);
  assert.deepEqual(stranger.errors, []);
  workedIn = page;
});

test('what takes space is deleted with undo, refused in words while something needs it; the Runs table exports as shown', async () => {
  assert.ok(workedIn, 'the first test trains in this profile');
  const page = workedIn;

  // The table as shown, formulas defused in what a person typed.
  const runs = await new RunsPage(page, app.url).open();
  await runs.row('field-first').getByRole('link', { name: 'field-first', exact: true }).click();
  await page.getByLabel('Note').waitFor();
  await runs.open();
  const table = (await download(page, 'button.export-table')).bytes.toString('utf8').trim().split('\n');
  assert.equal(table[0], 'Name,Status,Dataset,Model,learning_rate,Epochs,Test score,Val loss,Duration,Started');
  assert.equal(table.length, 2);
  assert.match(table[1], /^field-first,finished,field_trial,/);

  // A dataset a run trained on stays, with the reason.
  await page.goto(new URL('/data', app.url).href);
  await page.locator('button.delete-dataset[data-dataset="field_trial"]').click();
  assert.match(await page.locator('.dataset-notice.error').textContent(),
    /still needed: a run trained on it and could not be re-run without it \(field-first\)/);

  // A whole model goes, and Undo brings every version and package back.
  await page.goto(new URL('/models', app.url).href);
  await page.locator(`tr.model-row[data-model="${MODEL}"] button.delete-model`).click();
  await page.getByText(`Deleted ${MODEL} and its 1 version.`).waitFor();
  assert.equal(await page.locator(`tr.model-row[data-model="${MODEL}"]`).count(), 0);
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.locator(`tr.model-row[data-model="${MODEL}"]`).waitFor();
  await page.goto(new URL(`/models/${MODEL}/1`, app.url).href);
  await download(page, '#download-package');

  // Once its run is deleted, the registered version still needs the dataset; once the model
  // is deleted too, the dataset goes, and Undo brings it back.
  await runs.open();
  await runs.row('field-first').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Delete (1)' }).click();
  await page.locator('.run-count', { hasText: /^0 runs$/ }).waitFor();
  await page.goto(new URL('/data', app.url).href);
  await page.locator('button.delete-dataset[data-dataset="field_trial"]').click();
  assert.match(await page.locator('.dataset-notice.error').textContent(),
    /registered versions were trained on it and are checked against it \(field-trial v1\)/);
  await page.goto(new URL('/models', app.url).href);
  await page.locator(`tr.model-row[data-model="${MODEL}"] button.delete-model`).click();
  await page.getByText(`Deleted ${MODEL} and its 1 version.`).waitFor();
  await page.goto(new URL('/data', app.url).href);
  await page.locator('button.delete-dataset[data-dataset="field_trial"]').click();
  await page.locator('.dataset-notice', { hasText: 'Deleted field_trial.' }).waitFor();
  assert.equal(await page.locator('button.delete-dataset').count(), 0);
  await page.locator('.dataset-notice').getByRole('button', { name: 'Undo' }).click();
  await page.locator('button.delete-dataset[data-dataset="field_trial"]').waitFor();
  assert.deepEqual(page.errors, []);
});
