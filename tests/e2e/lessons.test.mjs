// Guided lessons (issue #24): each bundled lesson, started from the Lessons page, is walked by
// doing what its steps say on the real screens, and its guide moves on by itself at every
// check until "Lesson complete"; the control a step is about is outlined; progress outlives a
// reload; lesson 3's overfitting shows in its validation loss; a lesson file of one's own opens, and a broken one is refused naming its line; the
// glossary's entries are what the lessons link to.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, RunsPage, TrainPage, startApp, trainRun } from './kindling.mjs';

let app;
let page;
before(async () => {
  app = await startApp();
  page = await app.newPage();
});
after(async () => {
  await app?.close();
});

async function startLesson(title) {
  await page.goto(new URL('/lessons', app.url).href);
  const card = page.locator('.lesson-card').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
  await card.locator('.lesson-start').click();
  await page.locator('.lesson-guide strong', { hasText: title }).waitFor();
  await kept();
}

/** Waits until the guide's progress is written: a reload before that would lose it. */
async function kept(on = page) {
  await on.locator('.lesson-guide[aria-busy="false"]').waitFor();
}

/** Waits until the guide shows step `number` (1-based) of `count`, kept. */
async function atStep(number, count, timeout = 30_000) {
  await page.locator('.lesson-step-count', { hasText: `Step ${number} of ${count}` }).waitFor({ timeout });
  await kept();
}

async function complete(timeout = 30_000) {
  await page.locator('.lesson-guide .lesson-step-title', { hasText: 'Lesson complete' }).waitFor({ timeout });
  await kept();
}

async function openRun(name) {
  const runs = await new RunsPage(page, app.url).open();
  await runs.row(name).getByRole('link', { name, exact: true }).click();
  await page.locator('#field-run-tags').waitFor();
}

async function register(runName, model) {
  await openRun(runName);
  await page.locator('#register-model').fill(model);
  await page.locator('#validate-run').click();
  await page.locator('.verdict').waitFor({ timeout: 60_000 });
  await page.locator('#register-run').click();
  await page.locator('.registered a').click();
  await page.locator('#set-alias').waitFor();
}

async function setChampion() {
  await page.locator('#alias-reason').fill('the lesson says so');
  await page.locator('#set-alias').click();
  await page.locator('.version-notice', { hasText: "'champion' now points at" }).waitFor();
}

test('1 · your first tracked run: the guide outlines the control, moves on by itself, and survives a reload', async () => {
  await startLesson('Your first tracked run');
  await atStep(1, 3);
  assert.equal(new URL(page.url()).pathname, '/', 'Start went to the step\'s page');
  await page.locator('#field-dataset.lesson-highlight').waitFor();
  // trainRun opens the Train page afresh: the lesson carries on from IndexedDB.
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'lesson-first', Epochs: 20 });
  await atStep(2, 3);
  await page.locator('nav').getByRole('link', { name: 'Runs', exact: true }).click();
  await atStep(3, 3);
  await page.locator('.run-name a.lesson-highlight').waitFor();
  await page.locator('.run-name a', { hasText: 'lesson-first' }).click();
  await complete();
  await page.goto(new URL('/lessons', app.url).href);
  // The Lessons page reads the kept progress: the lesson is done.
  await page.locator('.lesson-card[data-lesson="first-run"] .lesson-state', { hasText: /^Done$/ }).waitFor();
  assert.deepEqual(page.errors, []);
});

test('2 · compare runs and choose', async () => {
  await startLesson('Compare runs and choose');
  await atStep(1, 3);
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'lesson-fast', 'Learning rate': 0.1, Epochs: 20 });
  await atStep(2, 3);
  const runs = await new RunsPage(page, app.url).open();
  for (const name of ['lesson-first', 'lesson-fast']) await runs.row(name).locator('input[type="checkbox"]').check();
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await atStep(3, 3);
  await openRun('lesson-fast');
  await page.locator('#field-run-tags.lesson-highlight').waitFor();
  await page.locator('#field-run-tags').fill('best');
  await page.locator('.save-labels').click();
  await complete();
});

test('3 · overfitting and early stopping', async () => {
  await startLesson('Overfitting and early stopping');
  await atStep(1, 3);
  const train = await new TrainPage(page, app.url).open();
  await train.field('Dataset').selectOption('breast_cancer');
  await train.set('Learning rate', 0.01);
  await train.set('Hidden layers', '128, 128');
  await train.set('Epochs', 300);
  await train.set('Run name', 'lesson-overfit');
  await page.locator('input[name="early-stopping"]').uncheck();
  await train.button('Train').click();
  await train.finalAccuracy();
  await page.locator('.run-saved').waitFor();
  await atStep(2, 3);
  await openRun('lesson-overfit');
  await atStep(3, 3);
  // What the step says the curves show: the validation loss falls, then turns up.
  await page.goto(new URL('/runs', app.url).href);
  const exported = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export workspace' }).click();
  const workspace = JSON.parse(await readFile(await (await exported).path(), 'utf8'));
  const history = workspace.runs.find((bundle) => bundle.run.name === 'lesson-overfit').history;
  const losses = history.map((epoch) => epoch.val_loss);
  const lowest = Math.min(...losses);
  const turn = losses.indexOf(lowest);
  assert.ok(turn < losses.length - 100, `the validation loss is lowest at epoch ${turn + 1} of ${losses.length}`);
  assert.ok(losses.at(-1) > 1.5 * lowest, `then it turns up: ${lowest} at its lowest, ${losses.at(-1)} at the end`);
  assert.ok(history.at(-1).train_loss < 0.5 * lowest, 'while the training loss keeps falling');
  await page.goto(app.url);
  await page.getByRole('heading', { name: 'Train a model' }).waitFor();
  await page.locator('#field-dataset').selectOption('breast_cancer');
  await page.locator('input[name="early-stopping"].lesson-highlight').check();
  await page.locator('#field-run-name').fill('lesson-early');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await complete(120_000);
});

test('4 and 5 · gates, the registry and the champion; a package that opens in Python', async () => {
  await startLesson('Gates, the registry and the champion');
  // The iris runs of the lessons before may pass the first step at once.
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'lesson-candidate', Epochs: 60 });
  await atStep(2, 3);
  await register('lesson-candidate', 'lesson-iris');
  await atStep(3, 3);
  await setChampion();
  await complete();

  await startLesson('A package that opens in Python');
  // A version exists, so the first step is passed at once, and shown ticked.
  await atStep(2, 3);
  assert.deepEqual(await page.locator('.lesson-done li').allTextContents(), ['Have a registered version']);
  await page.goto(new URL('/models/lesson-iris/1', app.url).href);
  await page.locator('#download-package.lesson-highlight').waitFor();
  await Promise.all([page.waitForEvent('download'), page.locator('#download-package').click()]);
  await atStep(3, 3);
  await page.locator('.lesson-go').click();
  // Opening Predict answers the typical row; the step waits for a question of the learner's own.
  const petalLength = page.locator('input[data-feature="petal_length_cm"]');
  await petalLength.waitFor();
  await page.locator('.feature-form.lesson-highlight').waitFor();
  await page.locator('.prediction-label').filter({ hasText: /\S/ }).waitFor();
  assert.match(await page.locator('.lesson-step-count').textContent(), /Step 3 of 3/);
  await petalLength.fill('5.5');
  await complete();
});

test('6 · pipelines: one passes, runs again from cache, and a strict gate fails it', async () => {
  await startLesson('Pipelines: CI/CD for models');
  await atStep(1, 3);
  await page.locator('.examples').getByRole('button', { name: 'iris', exact: true }).click();
  await page.getByText('Added pipeline "iris".').waitFor();
  await page.locator('details.pipeline-file summary').click();
  const text = await page.locator('textarea[name="pipeline-text"]').inputValue();
  // No sweep and a lax gate keep the test quick and sure; the lesson's steps are the same.
  await page.locator('textarea[name="pipeline-text"]').fill(text
    .replace(/\[sweep\][\s\S]*?\n\n/, '')
    .replace(/\[gate\][\s\S]*?\n\n/, '[gate]\ntest_accuracy = ">= 0.5"\n\n')
    .replace('epochs = 60', 'epochs = 40'));
  await page.locator('details.pipeline-file').getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^Saved pipeline/).waitFor();
  await page.locator('.pipeline-view .actions button.primary').click();
  await atStep(2, 3, 120_000);
  await page.locator('.run-outcome strong').filter({ hasText: /^passed$/ }).waitFor();
  await page.locator('.pipeline-view .actions button.primary').click();
  await page.locator('.steps li.step.cached').first().waitFor({ timeout: 60_000 });
  await atStep(3, 3);
  const saved = await page.locator('textarea[name="pipeline-text"]').inputValue();
  await page.locator('textarea[name="pipeline-text"]').fill(saved.replace(/\[gate\][\s\S]*?\n\n/, '[gate]\ntest_accuracy = ">= 0.999"\n\n'));
  await page.locator('details.pipeline-file').getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^Saved pipeline/).waitFor();
  await page.locator('.pipeline-view .actions button.primary').click();
  await complete(120_000);
});

test('7 · drift, alerts and retraining', async () => {
  await startLesson('Drift, alerts and retraining');
  await atStep(1, 3);
  // The pipeline of lesson 6 now fails its strict gate: put back one that passes.
  await page.goto(new URL('/pipelines', app.url).href);
  await page.locator('details.pipeline-file summary').click();
  const strict = await page.locator('textarea[name="pipeline-text"]').inputValue();
  await page.locator('textarea[name="pipeline-text"]').fill(strict.replace(/\[gate\][\s\S]*?\n\n/, '[gate]\ntest_accuracy = ">= 0.5"\n\n'));
  await page.locator('details.pipeline-file').getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^Saved pipeline/).waitFor();
  await page.goto(new URL('/deployments', app.url).href);
  await page.locator('.deploy-form.lesson-highlight').waitFor();
  await page.locator('#deploy-model').selectOption('iris');
  await page.locator('#deploy-alias').selectOption('champion');
  await page.locator('#deploy-pipeline').selectOption('iris');
  await page.locator('#deploy-on-alert').check();
  await page.locator('#deploy').click();
  await atStep(2, 3);
  await page.locator('#rate').fill('250');
  await page.locator('#label-lag').fill('0.5');
  await page.locator('#drift-shift').fill('2');
  await atStep(3, 3, 60_000);
  await page.waitForFunction(() => /retraining \(iris\)/.test(document.querySelector('#deployment-history')?.textContent ?? ''), null, { timeout: 30_000 });
  await complete(180_000);
});

test('8 · reproducibility: the same recipe twice, and the recipe taken along', async () => {
  await startLesson('Reproducibility: recipe, data hash, seed');
  await atStep(1, 3);
  await trainRun(page, app.url, { Dataset: 'iris', Seed: 2026, Epochs: 10, 'Run name': 'lesson-seed-a' });
  await atStep(2, 3);
  await trainRun(page, app.url, { Dataset: 'iris', Seed: 2026, Epochs: 10, 'Run name': 'lesson-seed-b' });
  await atStep(3, 3);
  await openRun('lesson-seed-b');
  await Promise.all([page.waitForEvent('download'), page.locator('#download-recipe.lesson-highlight').click()]);
  await complete();
  assert.deepEqual(page.errors, []);
});

test('a lesson file of one\'s own opens and runs; a broken one is refused naming its line; Leave stops the guide', async () => {
  const own = await app.newPage();
  await own.goto(new URL('/lessons', app.url).href);
  const file = (name, text) => ({ name, mimeType: 'text/markdown', buffer: Buffer.from(text) });
  await own.locator('input[name="lesson-file"]').setInputFiles(file('broken.md', '---\nformat: kindling-lesson/1\nid: mine\ntitle: Mine\n---\n## Step: Go\nchek: visit /runs\n'));
  await own.getByText('broken.md: line 7: "chek" is not a step setting').waitFor();
  assert.equal(await own.locator('.lesson-guide').count(), 0, 'nothing is followed');

  const bundled = readFileSync(join(ROOT, 'lessons', '01-first-run.md'), 'utf8')
    .replace('id: first-run', 'id: my-copy').replace('title: Your first tracked run', 'title: My copy');
  await own.locator('input[name="lesson-file"]').setInputFiles(file('mine.md', bundled));
  await own.locator('.lesson-guide strong', { hasText: 'My copy' }).waitFor();
  await kept(own);
  await own.reload();
  await own.locator('.lesson-guide strong', { hasText: 'My copy' }).waitFor();
  await own.locator('.lesson-guide').getByRole('button', { name: 'Leave' }).click();
  await own.locator('.lesson-guide').waitFor({ state: 'detached' });

  // The glossary holds every entry the lessons link to, each its own anchor.
  await own.goto(new URL('/glossary#drift', app.url).href);
  await own.locator('dt#drift').waitFor();
  for (const name of ['01-first-run', '03-overfitting', '07-drift']) {
    const text = readFileSync(join(ROOT, 'lessons', `${name}.md`), 'utf8');
    for (const [, key] of text.matchAll(/\]\(#([a-z-]+)\)/g)) {
      assert.equal(await own.locator(`dt#${key}`).count(), 1, `${name} links to #${key}`);
    }
  }
  assert.deepEqual(own.errors, []);
});
