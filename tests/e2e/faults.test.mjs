// Faults a person will meet, each survived: a trainer that crashes or a tab closed mid-run, a
// run that diverges, a full disk while registering, two tabs writing and upgrading at once, and
// app code (a page, the stores, the data generators) that cannot be fetched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RunsPage, startApp, TrainPage, trainRun } from './kindling.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

/** Starts a long run and returns once it has reported `epochs` epochs, with the count shown. */
async function startLongRun(page, name, epochs = 5) {
  const train = await new TrainPage(page, app.url).open();
  await train.set('Epochs', 20000);
  await train.set('Run name', name);
  await train.button('Train').click();
  await page.waitForFunction((least) => {
    const match = document.querySelector('.progress-label')?.textContent.match(/Epoch (\d+)/);
    return match && Number(match[1]) >= least;
  }, epochs);
  return train.epochsDone();
}

/** The Runs table's status and stored epoch count for one run, read in `page`. */
async function storedRun(page, name) {
  const runs = await new RunsPage(page, app.url).open();
  const row = runs.row(name);
  await row.waitFor();
  return {
    row,
    status: (await row.locator('.status-pill').textContent()).trim(),
    epochs: Number(await row.locator('td.number').nth(1).textContent()),
  };
}

test('a trainer that crashes mid-run leaves an interrupted run with its epochs, re-run from its recipe', async () => {
  const page = await app.newPage();
  const shown = await startLongRun(page, 'crashed-mid-run');
  // Fault injection: the trainer's clock disappears, so its next slice panics inside Rust.
  const [worker] = page.workers();
  await worker.evaluate(() => {
    Object.defineProperty(self, 'performance', { get: () => undefined, configurable: true });
  });
  await page.locator('.status.failed', { hasText: 'the trainer crashed' }).waitFor({ timeout: 30_000 });
  await page.locator('.run-saved').waitFor();

  const { row, status, epochs } = await storedRun(page, 'crashed-mid-run');
  assert.equal(status, 'interrupted');
  assert.ok(epochs >= shown, `kept ${epochs} of the ${shown} epochs shown before the crash`);
  await row.getByRole('link').click();
  assert.match(await page.locator('.run-failure').textContent(),
    /^This run was cut off \(the trainer crashed: .*\); its epochs so far are kept/);

  await page.getByRole('button', { name: 'Re-run' }).click();
  const train = new TrainPage(page, app.url);
  assert.equal(await train.field('Epochs').inputValue(), '20000', 'the recipe is back in the form');
  await train.set('Epochs', 3);
  await train.set('Run name', 'crashed-re-run');
  await train.button('Train').click();
  assert.ok((await train.finalAccuracy()) > 0, 'the re-run trains to the end on a fresh trainer');
  assert.deepEqual(page.errors, []);
});

test('a tab closed mid-run leaves the run interrupted with every epoch it showed', async () => {
  const page = await app.newPage();
  const shown = await startLongRun(page, 'tab-closed');
  const context = page.context();
  await page.close();
  const later = await context.newPage();
  const { status, epochs } = await storedRun(later, 'tab-closed');
  assert.equal(status, 'interrupted');
  assert.ok(epochs >= shown - 1 && epochs > 0, `kept ${epochs} of the ${shown} epochs shown`);
});

test('a learning rate of 100 stops the run with the epoch its loss stopped being a number', async () => {
  const page = await app.newPage();
  const train = await new TrainPage(page, app.url).open();
  await train.field('Optimiser').selectOption('sgd');
  await train.set('Learning rate', 100);
  await train.set('Epochs', 200);
  await train.set('Run name', 'diverged');
  assert.equal(await train.field('Learning rate').inputValue(), '100');
  await train.button('Train').click();
  const failure = page.locator('.status.failed');
  await failure.waitFor({ timeout: 60_000 }).catch(async (error) => {
    // Say what the run did instead, so a failure here can be read from CI's log alone.
    throw new Error(`${error.message}\nthe run shows: ${await train.status().textContent()}`);
  });
  await page.locator('.run-saved').waitFor();
  const reason = (await failure.textContent()).match(/the loss became (NaN|infinite) at epoch (\d+): try a smaller learning rate/);
  assert.ok(reason, await failure.textContent());
  const { status } = await storedRun(page, 'diverged');
  assert.equal(status, 'failed');
  assert.deepEqual(page.errors, []);
});

test('a full disk while registering says so and leaves no model or version behind', async () => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'to-register', Epochs: 20 });
  // Fault injection from here on (the page is not reloaded again): the browser refuses the
  // package as if the quota were used up.
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function guarded(...args) {
      if (this.name === 'packages') throw new DOMException('quota', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
  await page.getByRole('link', { name: 'to-register', exact: true }).click();
  await page.locator('#register-model').fill('full-disk');
  await page.locator('#validate-run').click();
  await page.locator('.verdict').waitFor();
  await page.locator('#register-run').click();
  const error = page.locator('.register-panel .error');
  await error.waitFor();
  assert.match(await error.textContent(), /storage for this site is full/);

  const other = await page.context().newPage();
  await other.goto(new URL('/models', app.url).href);
  await other.getByText('No models yet').waitFor();
  assert.deepEqual(page.errors, []);
});

test('two tabs train at once and both runs are kept whole', async () => {
  const first = await app.newPage();
  const second = await first.context().newPage();
  second.errors = [];
  await Promise.all([
    trainRun(first, app.url, { 'Run name': 'tab-one', Epochs: 40 }),
    trainRun(second, app.url, { 'Run name': 'tab-two', Epochs: 40 }),
  ]);
  for (const name of ['tab-one', 'tab-two']) {
    const { status, epochs } = await storedRun(first, name);
    assert.deepEqual({ status, epochs }, { status: 'finished', epochs: 40 }, name);
  }
  assert.deepEqual(first.errors, []);
});

test('a run training in one tab is not marked interrupted by a second tab that opens meanwhile', async () => {
  const first = await app.newPage();
  const train = await new TrainPage(first, app.url).open();
  await train.set('Run name', 'kept-live');
  await train.set('Epochs', 2000);
  await train.button('Train').click();
  await first.locator('.progress-label', { hasText: /Epoch [1-9]/ }).waitFor();
  // Paused, so no epoch write can put the record back before the second tab reads it.
  await train.button('Pause').click();
  await first.locator('.progress-label').waitFor();
  const second = await first.context().newPage();
  second.errors = [];
  const runs = await new RunsPage(second, app.url).open();
  assert.equal((await runs.row('kept-live').locator('.status-pill').textContent()).trim(), 'running');
  // Once the training tab is closed, its lock goes with it: the run is found interrupted.
  await first.close();
  const third = await second.context().newPage();
  const after = await new RunsPage(third, app.url).open();
  assert.equal((await after.row('kept-live').locator('.status-pill').textContent()).trim(), 'interrupted');
  assert.deepEqual(second.errors, []);
});

test('a newer schema opened in another tab is not blocked, and this tab then says to reload', async () => {
  const page = await app.newPage();
  await trainRun(page, app.url, { 'Run name': 'before-upgrade', Epochs: 5 });
  const runs = await new RunsPage(page, app.url).open();
  await runs.row('before-upgrade').getByRole('link').click();
  const other = await page.context().newPage();
  await other.goto(new URL('/about', app.url).href);
  // What a newer build does on its first visit: open the database at a higher version.
  const upgrade = await other.evaluate(() => new Promise((resolve) => {
    let blocked = false;
    const request = indexedDB.open('kindling', 1000);
    request.onblocked = () => { blocked = true; };
    request.onsuccess = () => {
      const database = request.result;
      const count = database.transaction('runs').objectStore('runs').count();
      count.onsuccess = () => {
        database.close();
        resolve({ blocked, runs: count.result });
      };
    };
    request.onerror = () => resolve({ error: request.error.name });
  }));
  assert.deepEqual(upgrade, { blocked: false, runs: 1 }, 'the upgrade went ahead and found the run intact');

  // This tab's connection was let go: a write says why instead of failing silently.
  await page.locator('#field-run-note').fill('a note');
  await page.locator('.save-labels').click();
  await page.locator('.storage-banner', { hasText: 'another Kindling tab updated how runs are saved' }).waitFor();
  await page.reload();
  await page.locator('.storage-banner', { hasText: 'written by a newer version of Kindling' }).waitFor();
});

test('code that cannot be fetched is said in words, the shell keeps working, and the next use loads it', async () => {
  // No service worker, so every fetch of the chunk reaches the network (and the block).
  const page = await app.newPage({ serviceWorkers: 'block' });
  const chunk = /\/split_[^/]*\.wasm$/;
  let blocked = 0;
  await page.route(chunk, (route) => {
    blocked += 1;
    return route.abort('internetdisconnected');
  });
  const train = await new TrainPage(page, app.url).open();
  // The stores are opened with the chunk's code as the app starts.
  const banner = page.locator('.storage-banner');
  await banner.waitFor({ timeout: 10_000 });
  assert.match(await banner.textContent(),
    /^Runs cannot be saved in this browser, so they will be lost on reload: the code that stores them could not be loaded: .*reconnect, then reload the page/);
  await page.getByRole('link', { name: 'About', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: "This page's code could not be loaded" })
    .waitFor({ timeout: 10_000 });
  assert.equal(await page.getByRole('heading', { name: 'About Kindling' }).count(), 0);

  // Training needs the chunk too (the data's generators, the worker's messages): the form says so.
  await page.getByRole('link', { name: 'Train', exact: true }).click();
  await train.set('Epochs', 3);
  await train.button('Train').click();
  await page.getByRole('alert').filter({ hasText: 'The code that makes and reads datasets could not be loaded' })
    .waitFor({ timeout: 10_000 });
  assert.ok(blocked >= 3, `the chunk was asked for at each use (${blocked} requests)`);

  // Back online: the same button trains and the same link shows the page; a reload keeps runs.
  await page.unroute(chunk);
  await train.button('Train').click();
  assert.ok((await train.finalAccuracy()) > 0);
  await page.getByRole('link', { name: 'About', exact: true }).click();
  await page.getByRole('heading', { name: 'About Kindling' }).waitFor({ timeout: 10_000 });
  await page.reload();
  await new TrainPage(page, app.url).open();
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.locator('.run-count').waitFor();
  assert.equal(await banner.count(), 0, 'with its code loaded the store opens');
  assert.deepEqual(page.errors, []);
});
