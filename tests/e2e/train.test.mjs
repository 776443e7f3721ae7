// The first vertical slice: the app shell and training the spiral in the worker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TrainPage, appVersion, assertFontsWarmed, startApp } from './kindling.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

test('the shell shows the name, the navigation and the version', async (t) => {
  const page = await app.newPage();
  await new TrainPage(page, app.url).open();
  // Measured, not asserted: from navigation start to the app answering input, first visit
  // (nothing cached) and again once the service worker holds the build.
  const interactiveMs = () => page.evaluate(() => performance.getEntriesByName('kindling-interactive')[0]?.startTime);
  const firstVisitMs = await interactiveMs();
  assert.ok(firstVisitMs > 0, 'the app marks when it is interactive');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.getByRole('heading', { name: 'Train a model' }).waitFor();
  t.diagnostic(`time to interactive: ${Math.round(firstVisitMs)} ms first visit, ${Math.round(await interactiveMs())} ms from the service worker's cache`);
  await assert.doesNotReject(page.getByRole('link', { name: 'Kindling' }).waitFor());
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Data', 'Train', 'Runs', 'Models', 'Pipelines', 'Deploy', 'Predict', 'Lessons', 'Settings', 'About']);
  await nav.getByRole('link', { name: 'About' }).click();
  await page.getByRole('heading', { name: 'About Kindling' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/about');
  assert.equal(await page.locator('footer .version').textContent(), `Kindling v${appVersion()}`);
  assert.deepEqual(page.errors, []);
});

test('the default spiral trains in the worker to at least 95% test accuracy', async (t) => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.button('Train').click();
  const accuracy = await train.finalAccuracy();
  t.diagnostic(`test accuracy ${accuracy}`);
  assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`);
  assert.match(await train.status().textContent(), /^Finished/);
  const summary = await page.locator('.report-summary').textContent();
  const auc = Number.parseFloat(summary.match(/ROC-AUC ([\d.]+)/)[1]);
  assert.ok(auc >= accuracy - 0.05 && auc <= 1, summary);
  assert.match(summary, /^Log loss [\d.]+, macro F1 0\.9\d\d/);
  assert.equal(await train.epochsDone(), 100);
  const points = await page.locator('.line-chart polyline.series-loss').getAttribute('points');
  assert.equal(points.trim().split(' ').length, 100, 'one loss point per epoch');
  assert.equal(await page.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
  assert.equal(await train.button('Train').isEnabled(), true);
  // The decision boundary: the final grid of predictions under the thinned points.
  assert.ok(await page.locator('.boundary .scatter-plot .region').count() > 2, 'boundary regions drawn');
  // A thousand points are drawn as one path per class, so showing them is one quick task.
  const scatter = page.locator('.boundary .scatter-plot .points');
  assert.equal(await scatter.getAttribute('data-count'), '1000');
  assert.equal(await scatter.locator('path.cloud').count(), 2, 'one path per class');
  assert.deepEqual(page.errors, []);
});

test('the page answers clicks while training, and Pause, Resume and Stop work', async (t) => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.set('Epochs', 20000);
  await train.button('Train').click();
  await page.locator('.status.running').waitFor();
  await page.waitForFunction(() => /Epoch [1-9]/.test(document.querySelector('.progress-label')?.textContent));
  // From here on the run trains: the page's own start-up is not counted.
  await page.evaluate(() => { window.__longTasks = []; });

  // Another control, clicked mid-run, is handled at once.
  const accuracyTab = page.getByRole('tab', { name: 'Accuracy' });
  await accuracyTab.click();
  assert.equal(await accuracyTab.getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('.series-accuracy').count() > 0, true);
  assert.match(await train.status().textContent(), /Training/);

  // Navigating away and back does not lose the run, and Runs lists it as running.
  await page.getByRole('link', { name: 'About', exact: true }).click();
  await page.getByRole('heading', { name: 'About Kindling' }).waitFor();
  await assertFontsWarmed(page);
  await page.getByRole('link', { name: 'Train', exact: true }).click();
  await page.locator('.status.running').waitFor();
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.locator('.run-row .status-pill.running').waitFor();
  await assertFontsWarmed(page);
  await page.getByRole('link', { name: 'Train', exact: true }).click();
  await page.locator('.status.running').waitFor();

  await train.button('Pause').click();
  await page.locator('.status.paused').waitFor();
  // The epochs that arrived just before the pause are shown once stored, a moment later.
  await page.waitForTimeout(300);
  const pausedAt = await train.epochsDone();
  await page.waitForTimeout(500);
  assert.equal(await train.epochsDone(), pausedAt, 'a paused run does not advance');
  await train.button('Resume').click();
  await page.locator('.status.running').waitFor();
  await page.waitForFunction((n) => {
    const match = document.querySelector('.progress-label')?.textContent.match(/Epoch (\d+)/);
    return match && Number(match[1]) > n;
  }, pausedAt);

  await train.button('Stop').click();
  const accuracy = await train.finalAccuracy(30_000);
  assert.match(await train.status().textContent(), /^Stopped early/);
  assert.ok(accuracy > 0.5, `a stopped run still reports its accuracy (${accuracy})`);
  assert.ok((await train.epochsDone()) < 20000);

  await assertFontsWarmed(page);
  const longTasks = await train.longTasksMs();
  t.diagnostic(`main-thread long tasks while training: ${longTasks.length} ` +
    `(longest ${Math.max(0, ...longTasks).toFixed(0)} ms)`);
  assert.deepEqual(page.errors, []);
});

test('each synthetic dataset can be chosen, blobs with their number of classes', async () => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  assert.equal(await train.field('Classes').count(), 0, 'Classes shows for blobs only');
  await train.field('Dataset').selectOption('blobs');
  await train.set('Classes', 4);
  await train.set('Epochs', 30);
  await train.button('Train').click();
  assert.ok((await train.finalAccuracy()) >= 0.9);
  await train.field('Dataset').selectOption('moons');
  assert.equal(await train.field('Classes').count(), 0);
  await train.set('Epochs', 31);
  await train.button('Train').click();
  await page.getByText('Epoch 31 of 31').waitFor();
  assert.ok((await train.finalAccuracy()) >= 0.9);
});

test('the real datasets train in the browser with their credits: classes, a number, images', async (t) => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.field('Dataset').selectOption('iris');
  assert.match(await page.locator('.dataset-credit').textContent(), /R\. A\. Fisher, 1936.*CC BY 4\.0/);
  assert.equal(await train.field('Points').count(), 0, 'a real dataset has no point count');
  await train.set('Epochs', 60);
  await train.button('Train').click();
  const iris = await train.finalAccuracy();
  t.diagnostic(`iris test accuracy ${iris}`);
  assert.ok(iris >= 0.9, `iris ${iris}`);
  assert.match(await train.status().textContent(), /^Finished\. Test accuracy: /);

  await train.field('Dataset').selectOption('diabetes');
  // From one real dataset to another, the words and the credit follow the choice.
  await page.locator('.dataset-about', { hasText: /^442 patients/ }).waitFor({ timeout: 5_000 });
  assert.doesNotMatch(await page.locator('.dataset-credit').textContent(), /Fisher/);
  await train.field('Model').selectOption('linear');
  assert.equal(await train.field('Hidden layers').count(), 0, 'a linear model has no hidden layers');
  await train.set('Epochs', 100);
  await train.button('Train').click();
  await page.getByText('Epoch 100 of 100').waitFor({ timeout: 60_000 });
  const r2Text = await page.locator('.final-accuracy').textContent({ timeout: 60_000 });
  t.diagnostic(`diabetes test R² ${r2Text}`);
  assert.match(await train.status().textContent(), /Test R²: /);
  assert.ok(Number.parseFloat(r2Text) >= 0.35, `diabetes R² ${r2Text}`);
  assert.match(await page.locator('.report-summary').textContent(), /^RMSE [\d.]+, MAE [\d.]+$/);

  await train.field('Dataset').selectOption('digits');
  await page.locator('.dataset-about', { hasText: /handwritten digits/ }).waitFor({ timeout: 5_000 });
  await train.field('Model').selectOption('cnn');
  await train.set('Epochs', 10);
  await train.button('Train').click();
  await page.getByText('Epoch 10 of 10').waitFor({ timeout: 120_000 });
  const digits = await train.finalAccuracy();
  t.diagnostic(`digits CNN test accuracy ${digits}`);
  assert.ok(digits >= 0.9, `digits ${digits}`);
  assert.deepEqual(page.errors, []);
});

test('settings the trainer cannot use are explained before anything starts', async () => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.set('Hidden layers', '64, lots');
  await train.button('Train').click();
  const alert = page.locator('.settings .error');
  assert.match(await alert.textContent(), /Hidden layers: .*"lots" is not/);
  await train.set('Hidden layers', '16');
  await train.set('Learning rate', '0');
  await train.button('Train').click();
  assert.match(await alert.textContent(), /learning rate must be a number above 0/);
  assert.equal(await page.locator('.run-view .empty').count(), 1, 'no run was started');
});

test('a trainer that cannot load is reported on the page in words', async () => {
  // The service worker would answer from its cache, which a network fault never reaches.
  const page = await app.newPage({ serviceWorkers: 'block' });
  await page.route('**/worker_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
  const train = await new TrainPage(page, app.url).open();
  await train.button('Train').click();
  const failure = page.locator('.status.failed');
  await failure.waitFor({ timeout: 30_000 });
  assert.match(await failure.textContent(),
    /^Training failed: the trainer stopped working: .*the trainer's code could not be loaded/);
  assert.equal(await train.button('Train').isEnabled(), true, 'a new run can be tried');
});

test('a panic in the trainer is reported in words, and the next run starts a fresh trainer', async () => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.set('Epochs', 3);
  await train.button('Train').click();
  await train.finalAccuracy();

  // Fault injection: the trainer's clock disappears, so its next run panics inside Rust.
  const [worker] = page.workers();
  await worker.evaluate(() => {
    Object.defineProperty(self, 'performance', { get: () => undefined, configurable: true });
  });
  await train.button('Train').click();
  const failure = page.locator('.status.failed');
  await failure.waitFor({ timeout: 30_000 });
  assert.match(await failure.textContent(), /^Training failed: the trainer crashed: workers have a performance clock \(at crates\/kindling-worker\/src\/scope\.rs:\d+\)$/);

  await train.button('Train').click();
  assert.ok((await train.finalAccuracy()) > 0.5, 'a new trainer replaced the crashed one');
});
