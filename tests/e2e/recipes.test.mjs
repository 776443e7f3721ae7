// Recipe links (issue #24): "Copy link" on a run gives an address whose fragment holds the
// recipe; opened in a browser profile that has never seen the run, it fills the Train form,
// and training reproduces the run's metrics bit for bit. A run on an uploaded CSV asks for
// that file and refuses any other, storing nothing; a damaged link is refused in words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TrainPage, seriousViolations, startApp, trainRun } from './kindling.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const CSV = readFileSync(join(ROOT, 'tests', 'fixtures', 'field_trial.csv'), 'utf8');
const csvFile = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

/** Opens run `name` on the Runs page and copies its recipe link; returns the link. */
async function copyLink(page, name) {
  await page.goto(new URL('/runs', app.url).href);
  await page.locator('.run-name a', { hasText: name }).click();
  await page.locator('#copy-recipe-link').click();
  const link = await page.locator('#recipe-link').inputValue();
  assert.ok(link.startsWith(new URL('/#recipe=', app.url).href), link);
  return link;
}

/** Trains what the form holds and waits until the new run is stored. */
async function trainNew(page) {
  // The last run's "saved" line goes when the new run starts, and comes back when it is stored.
  const before = await page.locator('.run-saved').elementHandle({ timeout: 1 }).catch(() => null);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await before?.waitForElementState('hidden');
  await page.locator('.run-saved').waitFor({ timeout: 120_000 });
}

/** Trains what the form holds and returns the banner's verdict on the run. */
async function trainAndCompare(page) {
  await trainNew(page);
  return page.locator('.recipe-reproduced, .recipe-differs').textContent({ timeout: 30_000 });
}

test('a recipe link fills a fresh browser\'s Train form and training there reproduces the run bit for bit', async () => {
  const author = await app.newPage();
  await trainRun(author, app.url, { Dataset: 'wine', Seed: 11, Epochs: 25, 'Learning rate': 0.02, 'Run name': 'shared-wine' });
  const link = await copyLink(author, 'shared-wine');
  assert.deepEqual(await seriousViolations(author), [], 'the run page with its link shown');

  // Another profile: nothing of the author's is stored there.
  const learner = await app.newPage();
  await learner.goto(link);
  const train = new TrainPage(learner, app.url);
  await learner.locator('.recipe-banner', { hasText: 'shared-wine' }).waitFor();
  assert.equal(new URL(learner.url()).hash, '', 'the address drops the recipe once it is read');
  assert.equal(await train.field('Dataset').inputValue(), 'wine');
  assert.equal(await train.field('Seed').inputValue(), '11');
  assert.equal(await train.field('Epochs').inputValue(), '25');
  assert.equal(await train.field('Learning rate').inputValue(), '0.02');
  assert.equal(await train.field('Run name').inputValue(), 'shared-wine repeat');
  assert.match(await trainAndCompare(learner), /^Reproduced bit for bit: all \d+ metrics equal the recipe's\.$/);
  assert.deepEqual(await seriousViolations(learner), [], 'the Train page with the recipe\'s note and verdict');

  // A changed setting is no repeat: the banner says nothing about that run.
  await train.set('Epochs', 5);
  await trainNew(learner);
  assert.equal(await learner.locator('.recipe-reproduced, .recipe-differs').count(), 0);

  // A link cut short is refused in words; the form keeps what it had.
  const cut = link.slice(0, link.length - 40);
  const other = await app.newPage();
  await other.goto(cut);
  await other.locator('.recipe-banner .error', { hasText: 'the recipe link is cut off or damaged: copy the whole link again' }).waitFor();
  assert.notEqual(await new TrainPage(other, app.url).field('Run name').inputValue(), 'shared-wine repeat');
  assert.deepEqual([...author.errors, ...learner.errors, ...other.errors], []);
});

test('a link to a run on an uploaded CSV asks for that file, refuses another storing nothing, and reproduces with the right one', async () => {
  const author = await app.newPage();
  await author.goto(new URL('/data', app.url).href);
  await author.locator('input[name="csv-file"]').setInputFiles(csvFile('field_trial.csv', CSV));
  await author.locator('.import-options').waitFor();
  await author.getByLabel('Target column').selectOption('species');
  await author.getByLabel('Missing values').selectOption('impute');
  await author.getByRole('button', { name: 'Import', exact: true }).click();
  await author.locator('.upload-done').waitFor();
  const train = await new TrainPage(author, app.url).open();
  await train.field('Dataset').selectOption({ label: 'field_trial' });
  await train.set('Epochs', 20);
  await train.set('Run name', 'shared-field');
  await train.button('Train').click();
  await author.locator('.run-saved').waitFor({ timeout: 120_000 });
  const link = await copyLink(author, 'shared-field');

  const learner = await app.newPage();
  await learner.goto(link);
  await learner.locator('.recipe-wants-file', { hasText: 'field_trial' }).waitFor();
  assert.deepEqual(await seriousViolations(learner), [], 'the note asking for the file');
  // Training before the file is given would train other rows: refused, in words.
  await learner.getByRole('button', { name: 'Train', exact: true }).click();
  await learner.locator('.settings .error', { hasText: 'choose that file in the note above' }).waitFor();
  assert.equal(await learner.locator('.run-saved').count(), 0);
  // One height changed: the same columns, other rows.
  const changed = CSV.replace('\n2,south,sand,566,18.1,', '\n2,south,sand,566,18.2,');
  assert.notEqual(changed, CSV);
  await learner.locator('input[name="recipe-csv"]').setInputFiles(csvFile('field_trial.csv', changed));
  await learner.locator('.recipe-banner .error', { hasText: 'these are not the rows the run was trained on' }).waitFor({ timeout: 30_000 });
  assert.match(await learner.locator('.recipe-banner .error').textContent(), /Nothing was stored\.$/);
  assert.equal(await learner.locator('#field-dataset optgroup[label="Your datasets"] option').count(), 0, 'the refused file is not kept');

  await learner.locator('input[name="recipe-csv"]').setInputFiles(csvFile('my copy.csv', CSV));
  await learner.locator('.recipe-wants-file').waitFor({ state: 'detached', timeout: 30_000 });
  assert.match(await new TrainPage(learner, app.url).field('Dataset').inputValue(), /^imported:[0-9a-f]{64}$/);
  assert.match(await trainAndCompare(learner), /^Reproduced bit for bit/);
  assert.deepEqual([...author.errors, ...learner.errors], []);
});
