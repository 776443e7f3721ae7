// Markup in anything a person or a file supplies (CSV headers and classes, file names, run
// names, tags, notes, model cards, a package's manifest) is shown as text on every page that
// shows it, and never becomes an element or runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RunsPage, startApp, TrainPage } from './kindling.mjs';
import { rebuilt } from './packages.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

// No commas or double quotes, so each is one plain CSV field.
const IMG = '<img src=x onerror=window.__pwned=1>';
const SCRIPT = '<script>window.__pwned=2</script>';
const SVG = '<svg onload=window.__pwned=3>';

function hostileCsv() {
  const lines = [`id,${IMG},width,label`];
  for (let i = 0; i < 60; i += 1) {
    const label = i % 2 ? SCRIPT : '<b>bold</b>';
    lines.push(`${i},${(i % 2) * 5 + (i % 7) / 10},${(i % 5) / 2},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Nothing supplied became an element, nothing ran, and `text` is on the page as written. */
async function inert(page, text, where) {
  await page.getByText(text, { exact: false }).first().waitFor({ state: 'attached' });
  const found = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    elements: document.querySelectorAll('img[src="x"], [onerror], [onload], b, body script').length,
  }));
  assert.deepEqual(found, { pwned: null, elements: 0 }, where);
}

test('markup in files, names, notes, cards and manifests is shown as text everywhere', async () => {
  const page = await app.newPage();
  await page.goto(new URL('/data', app.url).href);
  await page.locator('input[name="csv-file"]').setInputFiles({
    name: `${SVG}.csv`, mimeType: 'text/csv', buffer: Buffer.from(hostileCsv()),
  });
  await page.locator('.import-options').waitFor();
  await inert(page, IMG, 'the column profile');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.locator('.upload-done').waitFor();
  await inert(page, SVG, 'the imported dataset');

  await page.getByRole('link', { name: 'Train on this data' }).click();
  const train = new TrainPage(page, app.url);
  await train.set('Epochs', 5);
  await train.set('Run name', IMG);
  await train.set('Tags', SCRIPT);
  await train.set('Note', SVG);
  await train.button('Train').click();
  await train.finalAccuracy();
  await page.locator('.run-saved').waitFor();
  await inert(page, SVG, 'the Train page');

  const runs = await new RunsPage(page, app.url).open();
  await inert(page, IMG, 'the Runs table');
  await runs.rows().first().getByRole('link').first().click();
  await page.locator('#register-model').waitFor();
  await inert(page, SCRIPT, 'the run page');

  await page.locator('#register-model').fill(IMG);
  await page.locator('#validate-run').click();
  await inert(page, IMG, 'the refused model name');
  await page.locator('#register-model').fill('inert');
  await page.locator('#validate-run').click();
  await page.locator('#register-run').click();
  await page.locator('.registered a').click();
  await page.getByRole('heading', { name: /^inert v1/ }).waitFor();
  await inert(page, SCRIPT, 'the version page and its card');

  await page.goto(new URL('/predict?model=inert&version=1', app.url).href);
  await page.locator('.prediction-label').filter({ hasText: /\S/ }).waitFor();
  await inert(page, IMG, 'the prediction form and its classes');

  // A package whose manifest was written to carry markup.
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.goto(new URL('/models/inert/1', app.url).href).then(() => page.locator('#download-package').click()),
  ]);
  const hostile = rebuilt(readFileSync(await file.path()), (files) => {
    const manifest = JSON.parse(files.get('manifest.json'));
    manifest.name = SVG;
    files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  });
  const fresh = await app.newPage();
  await fresh.goto(new URL('/models', app.url).href);
  await fresh.locator('#package-file').setInputFiles({ name: `${IMG}.zip`, mimeType: 'application/zip', buffer: hostile });
  await fresh.locator('.upload-notice .error').waitFor({ timeout: 60_000 });
  await inert(fresh, IMG, 'the upload refusal');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(fresh.errors, []);
});
