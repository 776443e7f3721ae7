// The workbench: data upload, tracked runs kept in IndexedDB, the Runs table and its query
// language, run detail, compare, delete with undo, and workspace export/import.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunsPage, TrainPage, assertFontsWarmed, startApp, trainRun } from './kindling.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

/** A small CSV with a category feature, a gap, an id column and a text target. */
function fruitCsv() {
  const lines = ['id,weight_g,colour,length_cm,fruit'];
  for (let i = 0; i < 120; i += 1) {
    const apple = i % 2 === 0;
    const weight = apple ? 150 + (i % 7) * 4 : 120 + (i % 5) * 3;
    const length = apple ? 7 + (i % 3) * 0.2 : 18 + (i % 4) * 0.5;
    const colour = apple ? (i % 3 === 0 ? 'green' : 'red') : 'yellow';
    lines.push(`${i + 1},${i === 5 ? '' : weight},${colour},${length},${apple ? 'apple' : 'banana'}`);
  }
  return `${lines.join('\n')}\n`;
}

test('a CSV is uploaded, explained, stored and trained on; a broken one is refused in words', async (t) => {
  const page = await app.newPage();
  await page.goto(new URL('/data', app.url).href);
  await page.getByRole('heading', { name: 'Data', exact: true }).waitFor();
  const picker = page.locator('input[name="csv-file"]');

  await picker.setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n3\n') });
  assert.match(await page.locator('.upload-error').textContent(), /^broken\.csv: .*line 3/);
  assert.equal(await page.locator('.import-options').count(), 0, 'nothing to import');

  // A file dropped on the upload area is read like a picked one.
  await page.locator('.csv-upload').evaluate((zone, text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'fruit.csv', { type: 'text/csv' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, fruitCsv());
  await page.locator('.import-options').waitFor();
  assert.equal(await page.locator('.upload-error').count(), 0, 'the old error is gone');
  const kinds = await page.locator('.column-profile tbody tr').evaluateAll((rows) =>
    rows.map((row) => [row.querySelector('th').textContent, row.querySelector('td').textContent]));
  assert.deepEqual(kinds, [
    ['id', 'identifier (not used)'], ['weight_g', 'number'], ['colour', 'category'],
    ['length_cm', 'number'], ['fruit', 'category'],
  ]);
  assert.equal(await page.getByLabel('Target column').inputValue(), 'fruit');
  assert.match(await page.getByLabel('Task').locator('option[value="auto"]').textContent(), /classification/);
  await assertFontsWarmed(page);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const done = await page.locator('.upload-done').textContent();
  assert.match(done, /^Imported fruit \(119 rows\)\. 1 row with a missing value was left out\. Not used as features: id\./);
  await page.getByText('119 rows · 3 features · classification into 2 classes').waitFor();
  await assertFontsWarmed(page);
  const versionId = await page.locator('.dataset-summary .dataset-id').textContent();
  assert.match(versionId, /^[0-9a-f]{64}$/);

  await page.getByRole('link', { name: 'Train on this data' }).click();
  const train = new TrainPage(page, app.url);
  assert.match(await train.field('Dataset').inputValue(), /^imported:/);
  await train.set('Epochs', 40);
  await train.set('Run name', 'fruit-first');
  await train.button('Train').click();
  const accuracy = await train.finalAccuracy();
  t.diagnostic(`fruit test accuracy ${accuracy}`);
  assert.ok(accuracy >= 0.9, `fruit ${accuracy}`);
  await page.locator('.run-saved').waitFor();

  // After a reload the upload is still there, and its run records which rows it used.
  await page.reload();
  const runs = await new RunsPage(page, app.url).open();
  assert.match(await runs.row('fruit-first').textContent(), /finished.*fruit/);
  await runs.row('fruit-first').getByRole('link').click();
  assert.equal(await page.locator('.recipe-facts .dataset-id').textContent(), versionId);
  await page.getByRole('button', { name: 'Re-run' }).click();
  await page.getByRole('heading', { name: 'Train a model' }).waitFor();
  assert.match(await train.field('Dataset').inputValue(), /^imported:/);
  assert.equal(await train.field('Epochs').inputValue(), '40');
  assert.match(await train.field('Note').inputValue(), /^Re-run of fruit-first/);
  assert.deepEqual(page.errors, []);
});

test('a run cut off by a reload is kept as interrupted, with its epochs', async () => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.set('Epochs', 20000);
  await train.set('Run name', 'cut-off');
  await train.button('Train').click();
  await page.waitForFunction(() => {
    const match = document.querySelector('.progress-label')?.textContent.match(/Epoch (\d+)/);
    return match && Number(match[1]) >= 5;
  });
  const shown = await train.epochsDone();
  await page.reload();
  const runs = await new RunsPage(page, app.url).open();
  const row = runs.row('cut-off');
  assert.match(await row.locator('.status-pill').textContent(), /^interrupted$/);
  const epochsKept = Number(await row.locator('td.number').nth(1).textContent());
  assert.ok(epochsKept >= shown - 1 && epochsKept > 0, `kept ${epochsKept} of ${shown} shown`);
  await row.getByRole('link').click();
  await page.getByText('The tab was closed or reloaded while this run trained').waitFor();
  const points = await page.locator('.metric-chart polyline.series-loss').first().getAttribute('points');
  assert.ok(points.trim().split(' ').length >= Math.min(epochsKept, 5), 'the history chart has the kept epochs');
  assert.deepEqual(page.errors, []);
});

test('a live run is listed as running, and its page follows it without losing what is typed', async () => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.set('Epochs', 20000);
  await train.set('Run name', 'live-one');
  await train.button('Train').click();
  await page.locator('.status.running').waitFor();
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  const runs = new RunsPage(page, app.url);
  await runs.row('live-one').locator('.status-pill', { hasText: 'running' }).waitFor();
  await runs.row('live-one').getByRole('link').click();
  await page.getByLabel('Note').fill('typed while it trains');
  const epochsShown = async () => Number((await page.locator('.run-facts').textContent()).match(/(\d+) epochs/)[1]);
  const before = await epochsShown();
  await page.waitForFunction((n) => {
    const match = document.querySelector('.run-facts')?.textContent.match(/(\d+) epochs/);
    return match && Number(match[1]) > n + 2;
  }, before);
  assert.equal(await page.getByLabel('Note').inputValue(), 'typed while it trains');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('.saved').waitFor();
  await page.getByRole('link', { name: 'Train', exact: true }).click();
  await train.button('Stop').click();
  await train.finalAccuracy();
  await page.locator('.run-saved').waitFor();
  await page.reload();
  await runs.open();
  assert.match(await runs.row('live-one').locator('.status-pill').textContent(), /^stopped$/);
  await runs.row('live-one').getByRole('link').click();
  assert.equal(await page.getByLabel('Note').inputValue(), 'typed while it trains', 'the note outlived the run');
  assert.deepEqual(page.errors, []);
});

test('runs are compared, filtered, edited, deleted with undo, exported and imported elsewhere', async (t) => {
  const page = await app.newPage();
  await trainRun(page, app.url, { 'Run name': 'slow-lr', 'Learning rate': 0.002, Epochs: 15, Tags: 'baseline' });
  await trainRun(page, app.url, { 'Run name': 'fast-lr', 'Learning rate': 0.05, Epochs: 15 });
  await trainRun(page, app.url, { 'Run name': 'wide', 'Hidden layers': '128', Epochs: 15 });

  // The query language.
  const runs = await new RunsPage(page, app.url).open();
  assert.equal(await runs.count(), '3 runs');
  await runs.filter('params.learning_rate = 0.05', '1 of 3 runs match');
  assert.deepEqual(await runs.names(), ['fast-lr']);
  // A name Kindling once used still filters, and the page says what it is called now.
  await runs.filter('params.lr = 0.05', '1 of 3 runs match');
  assert.equal(await page.locator('.filter-hint').textContent(), 'params.lr is now called params.learning_rate; read as that');
  await runs.filter('tags.baseline and metrics.test_accuracy > 0.1', '1 of 3 runs match');
  assert.deepEqual(await runs.names(), ['slow-lr']);
  await runs.filter('params.learning_rate < 0.01 or params.hidden_layers = 128', '2 of 3 runs match');
  assert.deepEqual((await runs.names()).sort(), ['slow-lr', 'wide']);
  await runs.filter('metrics.test_accuracy >');
  assert.match(await page.locator('.filter-error').textContent(), /expected a value after ">" \(at character \d+\)/);
  await runs.filter('', '3 runs');
  // Sorting by name, then reversed.
  await page.locator('button.sort[data-column="name"]').click();
  assert.deepEqual(await runs.names(), ['fast-lr', 'slow-lr', 'wide']);
  await page.locator('button.sort[data-column="name"]').click();
  assert.deepEqual(await runs.names(), ['wide', 'slow-lr', 'fast-lr']);

  // Compare two runs.
  await runs.row('slow-lr').getByRole('checkbox').check();
  await runs.row('fast-lr').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByRole('heading', { name: 'Compare runs' }).waitFor();
  const differing = await page.locator('.compare-table tbody th').allTextContents();
  assert.ok(differing.includes('params.learning_rate'), differing.join());
  assert.ok(!differing.includes('params.batch_size'), 'shared params are hidden');
  await page.getByLabel('Only differences').uncheck();
  assert.ok((await page.locator('.compare-table tbody th').allTextContents()).includes('params.batch_size'));
  await page.locator('figure[data-metric="train_loss"] polyline').nth(1).waitFor();
  await assertFontsWarmed(page);
  assert.equal(await page.locator('figure[data-metric="train_loss"] polyline').count(), 2, 'one curve per run');
  assert.equal(await page.locator('.parallel-coordinates').count(), 1);
  // The select names the metric the chart ends on, and a choice redraws it; no axis name is cut.
  const colourBy = page.getByLabel('Colour and last axis by');
  const chart = page.locator('.parallel-coordinates svg');
  const drawn = await colourBy.inputValue();
  assert.ok((await chart.getAttribute('aria-label')).endsWith(`, ${drawn}`), `${drawn} is drawn`);
  const chosen = (await colourBy.locator('option').evaluateAll((options) => options.map((option) => option.value))).find((name) => name !== drawn);
  await colourBy.selectOption(chosen);
  await page.waitForFunction((name) => document.querySelector('.parallel-coordinates svg').getAttribute('aria-label').endsWith(`, ${name}`), chosen);
  assert.equal(await colourBy.inputValue(), chosen);
  const cut = await chart.evaluate((svg) => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text.axis-name')]
      .filter((name) => name.getBoundingClientRect().left < box.left - 0.5 || name.getBoundingClientRect().right > box.right + 0.5)
      .map((name) => name.textContent);
  });
  assert.deepEqual(cut, [], 'every axis name is drawn whole');

  // Edit a run's tags and note; they survive a reload.
  await runs.open();
  await runs.row('wide').getByRole('link').click();
  await page.getByLabel('Tags').fill('wide, keep');
  await page.getByLabel('Note').fill('one layer of 128');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('.saved').waitFor();
  await page.reload();
  await page.getByLabel('Tags').waitFor();
  assert.equal(await page.getByLabel('Tags').inputValue(), 'keep, wide');
  assert.equal(await page.getByLabel('Note').inputValue(), 'one layer of 128');
  await page.locator('.confusion-matrix').waitFor();
  await assertFontsWarmed(page);
  assert.equal(await page.locator('table.per-class tbody tr').count(), 2);

  // Delete, undo, delete again.
  await runs.open();
  await runs.row('fast-lr').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Delete (1)' }).click();
  await page.getByText('Deleted 1 run.').waitFor();
  assert.equal(await runs.count(), '2 runs');
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByText('Restored 1 run.').waitFor();
  assert.equal(await runs.count(), '3 runs');
  await runs.row('fast-lr').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Delete (1)' }).click();
  await page.locator('.run-count', { hasText: /^2 runs$/ }).waitFor();
  await page.reload();
  await runs.open();
  assert.deepEqual((await runs.names()).sort(), ['slow-lr', 'wide']);

  // Export, then import into a fresh profile twice: the second import adds nothing.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export workspace' }).click(),
  ]);
  const file = readFileSync(await download.path());
  const workspace = JSON.parse(file.toString('utf8'));
  assert.equal(workspace.format, 'kindling-workspace/2');
  assert.equal(workspace.runs.length, 2);
  t.diagnostic(`workspace with 2 runs: ${file.length} bytes`);

  const other = await app.newPage();
  const fresh = await new RunsPage(other, app.url).open();
  assert.equal(await fresh.count(), '0 runs');
  const importer = other.locator('input[name="import-workspace"]');
  await importer.setInputFiles({ name: 'student.kindling.json', mimeType: 'application/json', buffer: file });
  await other.getByText('Imported 2 runs, 0 datasets, 0 models and 0 model versions.').waitFor();
  assert.deepEqual((await fresh.names()).sort(), ['slow-lr', 'wide']);
  await importer.setInputFiles({ name: 'student.kindling.json', mimeType: 'application/json', buffer: file });
  await other.getByText('Imported 0 runs, 0 datasets, 0 models and 0 model versions. 2 runs already here were skipped.').waitFor();
  await importer.setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  assert.match(await other.locator('.runs .error').textContent(), /^notes\.json: this file is not a Kindling workspace/);
  assert.equal(await fresh.count(), '2 runs', 'a bad file changes nothing');
  await fresh.row('wide').getByRole('link').click();
  await other.locator('table.per-class').waitFor();
  assert.equal(await other.locator('table.per-class tbody tr').count(), 2, 'the evaluation came along');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(other.errors, []);
});

test('the Runs table stays quick with 10,000 runs', async (t) => {
  const page = await app.newPage();
  await trainRun(page, app.url, { 'Run name': 'template', Epochs: 3 });
  const runs = await new RunsPage(page, app.url).open();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export workspace' }).click(),
  ]);
  const workspace = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const [template] = workspace.runs;
  workspace.runs = Array.from({ length: 10_000 }, (_, i) => {
    const run = structuredClone(template);
    run.run.id = `bulk-${i}`;
    run.run.name = `bulk-${String(i).padStart(5, '0')}`;
    run.run.spec.learning_rate = [0.001, 0.01, 0.1][i % 3];
    run.run.metrics.test_accuracy = (i % 1000) / 1000;
    run.run.started_ms += i;
    return run;
  });
  // Over Playwright's 50 MB limit for in-memory files, so it goes through a temporary file.
  const bulkDir = mkdtempSync(join(tmpdir(), 'kindling-bulk-'));
  const bulkPath = join(bulkDir, 'bulk.kindling.json');
  writeFileSync(bulkPath, JSON.stringify(workspace));
  const bytes = statSync(bulkPath).size;
  await page.evaluate(() => { window.__longTasks.length = 0; });
  const importStarted = Date.now();
  try {
    await page.locator('input[name="import-workspace"]').setInputFiles(bulkPath);
    await page.getByText('Imported 10000 runs, 0 datasets, 0 models and 0 model versions.').waitFor({ timeout: 120_000 });
  } finally {
    // 300 MB a run: left behind, a few test runs fill a disk.
    rmSync(bulkDir, { recursive: true, force: true });
  }
  const importTasks = await page.evaluate(() => window.__longTasks.map(Math.round));
  t.diagnostic(`importing 10,000 runs (${(bytes / 1e6).toFixed(1)} MB): ${Date.now() - importStarted} ms; long tasks ${importTasks.length ? importTasks.join(', ') : 'none'} ms`);
  assert.equal(await runs.count(), '10001 runs');
  assert.equal(await runs.rows().count(), 50, 'one page of rows is rendered');

  const matching = workspace.runs.filter((r) => r.run.spec.learning_rate === 0.1 && r.run.metrics.test_accuracy >= 0.99);
  assert.ok(matching.length > 10);
  const filterStarted = Date.now();
  await runs.filter('params.learning_rate = 0.1 and metrics.test_accuracy >= 0.99', `${matching.length} of 10001 runs match`);
  t.diagnostic(`filtering 10,001 runs: ${Date.now() - filterStarted} ms (including typing)`);
  const sortStarted = Date.now();
  await page.locator('button.sort[data-column="score"]').click();
  await page.locator('button.sort[data-column="score"]', { hasText: '▼' }).waitFor();
  t.diagnostic(`sorting the matches: ${Date.now() - sortStarted} ms`);
  await runs.filter('', '10001 runs');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Page 2 of 201').waitFor();

  const reloadStarted = Date.now();
  await page.reload();
  await runs.open();
  assert.equal(await runs.count(), '10001 runs');
  t.diagnostic(`reloading and listing 10,001 runs: ${Date.now() - reloadStarted} ms`);
  const longTasks = await page.evaluate(() => window.__longTasks);
  t.diagnostic(`main-thread long tasks: ${longTasks.length} (longest ${Math.max(0, ...longTasks).toFixed(0)} ms)`);
  assert.deepEqual(page.errors, []);
});

test('without IndexedDB runs still train, and the page says they will not be kept', async () => {
  const page = await app.newPage();
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => { throw new DOMException('storage is disabled', 'SecurityError'); };
  });
  const train = await new TrainPage(page, app.url).open();
  const banner = page.locator('.storage-banner');
  assert.match(await banner.textContent(), /^Runs cannot be saved in this browser, so they will be lost on reload: .*storage is disabled/);
  await train.set('Epochs', 5);
  await train.button('Train').click();
  assert.ok((await train.finalAccuracy()) > 0.4);
  // In-app navigation: a reload would lose the run, as the banner says.
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.locator('.run-count', { hasText: /^1 run$/ }).waitFor();
  assert.equal(await page.locator('tr.run-row .status-pill').textContent(), 'finished');
});

test('a regression run shows predicted-against-actual and residual plots', async () => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'sine', 'Run name': 'sine-fit', Epochs: 30 });
  const runs = await new RunsPage(page, app.url).open();
  await runs.row('sine-fit').getByRole('link').click();
  await page.getByRole('heading', { name: 'Test-set evaluation' }).waitFor();
  assert.match(await page.locator('.run-detail .status.finished').textContent(), /Test R²: /);
  assert.ok(await page.locator('.predicted-actual .point').count() > 50);
  assert.equal(await page.locator('.predicted-actual .diagonal').count(), 1);
  assert.ok(await page.locator('.residuals .point').count() > 50);
  assert.equal(await page.locator('.confusion-matrix').count(), 0);
  assert.deepEqual(page.errors, []);
});

test('a full disk is reported in words, and the run stored so far stays whole', async () => {
  const page = await app.newPage();
  // Fault injection: the browser refuses every epoch write as if the site's quota were used up.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function guarded(...args) {
      if (this.name === 'epochs') throw new DOMException('quota', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  const train = await new TrainPage(page, app.url).open();
  await train.set('Epochs', 20000);
  await train.set('Run name', 'disk-full');
  await train.button('Train').click();
  const banner = page.locator('.storage-banner');
  await banner.waitFor();
  assert.match(await banner.textContent(), /^the browser's storage for this site is full: delete some runs/);
  // Training goes on in view: with the store failing, waiting for it would show nothing.
  await page.waitForFunction(() => /Epoch [1-9]/.test(document.querySelector('.progress-label')?.textContent));
  await train.button('Stop').click();
  await page.locator('.status.finished').waitFor();

  // Without the fault, the run is there, its summary and epochs agreeing: none were written.
  const other = await page.context().newPage();
  const runs = await new RunsPage(other, app.url).open();
  const row = runs.row('disk-full');
  await row.waitFor();
  assert.equal(await row.locator('td.number').nth(1).textContent(), '0');
  await row.getByRole('link').click();
  await other.getByRole('heading', { name: /disk-full/ }).waitFor();
  assert.equal(await other.locator('.metric-chart polyline').count(), 0, 'no half-written history');
});

test('a 200,000-row file is read and imported in the worker while the page says what it is doing', async (t) => {
  const page = await app.newPage();
  await page.goto(new URL('/data', app.url).href);
  await page.getByRole('heading', { name: 'Data', exact: true }).waitFor();
  const lines = ['a,b,c,d,label'];
  for (let i = 0; i < 200_000; i += 1) lines.push(`${i % 97},${(i * 7) % 31},${i % 5},${(i % 17) / 4},${i % 3 ? 'x' : 'y'}`);
  // The File is made in the page beforehand, so its making is not counted below.
  await page.evaluate((text) => { window.__big = new File([text], 'big.csv', { type: 'text/csv' }); }, `${lines.join('\n')}\n`);
  await page.evaluate(() => { window.__longTasks = []; });
  await page.locator('.csv-upload').evaluate((zone) => {
    const transfer = new DataTransfer();
    transfer.items.add(window.__big);
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.locator('.import-options .file-name', { hasText: 'big.csv · 200000 rows' }).waitFor({ timeout: 60_000 });
  t.diagnostic(`page long tasks while reading 200,000 rows: ${JSON.stringify(await page.evaluate(() => window.__longTasks.map(Math.round)))}`);
  await page.evaluate(() => { window.__longTasks = []; });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled(), true, 'one import at a time');
  await page.locator('.upload-working', { hasText: 'Importing big.csv' }).waitFor({ state: 'attached' });
  await page.locator('.upload-done', { hasText: 'Imported big (200000 rows).' }).waitFor({ timeout: 60_000 });
  t.diagnostic(`page long tasks while importing: ${JSON.stringify(await page.evaluate(() => window.__longTasks.map(Math.round)))}`);
  assert.equal(await page.locator('.upload-working').count(), 0);
  assert.deepEqual(page.errors, []);
});
