// Hand-ins (issue #24): two students each train in experiment "Week 1" in their own browser
// profile, register a model under the same name and hand the experiment in from the Runs page;
// one file is tampered with to claim a perfect score. The teacher opens both at once with a
// plain workspace and a broken file (each refused in words), sees them grouped by student, scores
// every model on the teacher's own copy of the data (the claim shown beside, never used), ranks
// them, sees data the models cannot read refused per model, and adds both to their own runs,
// each student in an experiment of their own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunsPage, seriousViolations, startApp, trainRun } from './kindling.mjs';

let app;
const folder = mkdtempSync(join(tmpdir(), 'kindling-hand-ins-'));
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

/** Registers the run named `run` as `model` from its page. */
async function register(page, run, model) {
  const runs = await new RunsPage(page, app.url).open();
  await runs.row(run).getByRole('link', { name: run, exact: true }).click();
  await page.locator('#register-model').fill(model);
  await page.locator('#validate-run').click();
  await page.locator('.verdict').waitFor();
  await page.locator('#register-run').click();
  await page.locator('.registered a').waitFor();
}

/** Hands in experiment `experiment` as `student`; returns the saved file's path and the notice. */
async function handIn(page, experiment, student) {
  await new RunsPage(page, app.url).open();
  await page.getByLabel('Experiment', { exact: true }).selectOption(experiment);
  await page.locator('.hand-in-form summary').click();
  await page.locator('#hand-in-name').fill(student);
  const download = page.waitForEvent('download');
  await page.locator('#hand-in').click();
  const file = await download;
  const path = join(folder, file.suggestedFilename());
  await file.saveAs(path);
  const notice = await page.locator('.run-notice .notice', { hasText: 'Saved' }).textContent();
  return { path, name: file.suggestedFilename(), notice };
}

async function downloaded(page, click) {
  const download = page.waitForEvent('download');
  await click();
  const file = await download;
  const path = join(folder, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

test('students hand in an experiment; the teacher opens them all, scores every model on their own data, ranks them and adds them to their runs', async () => {
  // Ada trains well; a run in another experiment stays out of her hand-in.
  const ada = await app.newPage();
  await trainRun(ada, app.url, { Dataset: 'iris', Epochs: 60, Experiment: 'Week 1', 'Run name': 'ada-good' });
  await trainRun(ada, app.url, { Dataset: 'iris', Epochs: 2, Experiment: 'Week 2', 'Run name': 'ada-later' });
  await register(ada, 'ada-good', 'iris');

  // A name is needed, in words.
  await new RunsPage(ada, app.url).open();
  await ada.getByLabel('Experiment', { exact: true }).selectOption('Week 1');
  await ada.locator('.hand-in-form summary').click();
  await ada.locator('#hand-in').click();
  await ada.locator('.run-notice .error', { hasText: 'write your name first' }).waitFor();

  const adas = await handIn(ada, 'Week 1', 'Ada Lovelace');
  assert.equal(adas.name, 'hand-in-Ada-Lovelace-Week-1.json');
  assert.match(adas.notice, /1 run, 0 datasets and 1 model version of experiment Week 1, handed in by Ada Lovelace/);
  const adaFile = JSON.parse(readFileSync(adas.path, 'utf8'));
  assert.deepEqual(adaFile.hand_in, { student: 'Ada Lovelace', experiment: 'Week 1' });
  assert.deepEqual(adaFile.runs.map((bundle) => bundle.run.name), ['ada-good']);
  const plainWorkspace = await downloaded(ada, () => ada.getByRole('button', { name: 'Export workspace' }).click());
  assert.deepEqual(ada.errors, []);

  // Bo barely trains, registers under the same model name, and then claims a perfect score.
  const bo = await app.newPage();
  await trainRun(bo, app.url, { Dataset: 'iris', Epochs: 1, 'Learning rate': 0.0001, Experiment: 'Week 1', 'Run name': 'bo-quick' });
  await register(bo, 'bo-quick', 'iris');
  const bos = await handIn(bo, 'Week 1', 'Bo');
  assert.match(bos.notice, /1 model version/);
  const boFile = JSON.parse(readFileSync(bos.path, 'utf8'));
  boFile.versions[0].version.metrics.test_accuracy = 1;
  writeFileSync(bos.path, JSON.stringify(boFile));
  const broken = join(folder, 'notes.json');
  writeFileSync(broken, 'these are my notes, not a hand-in');
  assert.deepEqual(bo.errors, []);

  // The teacher opens everything at once.
  const teacher = await app.newPage();
  await teacher.goto(new URL('/runs', app.url).href);
  await teacher.getByRole('link', { name: 'Open hand-ins' }).click();
  await teacher.getByRole('heading', { name: 'Hand-ins' }).waitFor();
  assert.equal(await teacher.title(), 'Hand-ins · Kindling');
  await teacher.locator('input[name="hand-ins"]').setInputFiles([adas.path, bos.path, plainWorkspace, broken]);
  await teacher.locator('.student-hand-in').nth(1).waitFor();
  const refusals = await teacher.locator('.hand-ins [role="alert"] .error').allTextContents();
  assert.equal(refusals.length, 2, refusals.join('\n'));
  assert.match(refusals.join('\n'), /workspace\.kindling\.json: this is a workspace file, not a hand-in/);
  assert.match(refusals.join('\n'), /notes\.json: this file is not a Kindling workspace: it is not JSON/);
  assert.deepEqual(await teacher.locator('.student-hand-in h3').allTextContents(), ['Ada Lovelace', 'Bo']);
  assert.equal(await teacher.locator('#hand-in-data').inputValue(), 'iris', 'both trained on iris');
  assert.equal(await teacher.locator('#hand-in-metric').inputValue(), 'test_accuracy');

  await teacher.locator('#score-hand-ins').click();
  const board = teacher.locator('#leaderboard tbody tr');
  await board.nth(1).waitFor({ timeout: 60_000 });
  const rows = await board.evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
  assert.deepEqual(rows.map((row) => row.slice(0, 3)), [['1', 'Ada Lovelace', 'iris v1'], ['2', 'Bo', 'iris v1']]);
  const [adaScore, boScore] = rows.map((row) => Number(row[3]));
  assert.ok(adaScore >= 0.85 && adaScore <= 1, `Ada's model on all 150 rows: ${adaScore}`);
  assert.ok(boScore < adaScore, `Bo's one epoch: ${boScore}`);
  assert.equal(rows[1][4], '1.0000', 'the file claims a perfect score; the board shows the claim beside the score');
  assert.notEqual(rows[1][3], rows[1][4]);
  const adaClaim = Number(rows[0][4]);
  assert.ok(Math.abs(adaClaim - adaScore) < 0.15, `her claim on her test rows (${adaClaim}) is near the score on every row`);

  // Another metric ranks on the same answers, lower first for a loss.
  await teacher.locator('#hand-in-metric').selectOption('test_log_loss');
  await teacher.locator('#leaderboard thead', { hasText: 'test_log_loss on your data' }).waitFor();
  assert.equal(await board.first().locator('td').nth(1).textContent(), 'Ada Lovelace');

  assert.deepEqual(await seriousViolations(teacher), []);
  await teacher.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await seriousViolations(teacher), []);
  await teacher.setViewportSize({ width: 360, height: 740 });
  assert.equal(await teacher.evaluate(() => document.documentElement.scrollWidth), 360);
  await teacher.setViewportSize({ width: 1280, height: 720 });

  // Data the models cannot read is refused model by model, in words.
  await teacher.locator('#hand-in-data').selectOption('wine');
  await teacher.locator('#score-hand-ins').click();
  await teacher.locator('.hand-in-versions td.error').nth(1).waitFor({ timeout: 60_000 });
  assert.match(await teacher.locator('.hand-in-versions td.error').first().textContent(), /Not scored: the model answers 'species'; the data's answer column is 'cultivar'/);
  assert.deepEqual(await board.evaluateAll((trs) => trs.map((tr) => tr.cells[2].textContent)), ['nothing scored', 'nothing scored']);

  // Added to the teacher's own runs: one experiment per student, the second "iris" renamed.
  await teacher.locator('#add-hand-ins').click();
  const added = teacher.locator('.hand-in-status .notice', { hasText: 'Bo:' });
  await added.waitFor();
  assert.match(await added.textContent(), /Ada Lovelace: Imported 1 run.*Bo: Imported 1 run/);
  await new RunsPage(teacher, app.url).open();
  const experiments = await teacher.getByLabel('Experiment', { exact: true }).locator('option').allTextContents();
  assert.deepEqual(experiments, ['All experiments (2)', 'Ada Lovelace · Week 1 (1)', 'Bo · Week 1 (1)']);
  await teacher.goto(new URL('/models', app.url).href);
  await teacher.locator('.models-table tbody tr').nth(1).waitFor();
  assert.equal(await teacher.locator('.models-table tbody tr').count(), 2, 'the same name from two students is two models');
  assert.deepEqual(teacher.errors, []);
});
