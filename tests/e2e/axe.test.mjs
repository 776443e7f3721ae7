// Everyone can use it (issue #24): axe-core scans every page in its main states, in the light
// and the dark theme, and finds nothing serious or critical; at 360 px wide no page scrolls
// sideways; the theme follows the system until the header's switch keeps one, across reloads;
// presenter mode makes the type larger and puts the Train page's live charts first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RunsPage, seriousViolations, startApp, trainRun } from './kindling.mjs';

const MODEL = 'iris-access';

let app;
let page;
/** Every page in the states a person sees it in, once a run, a second run and a model exist. */
let pages;
before(async () => {
  app = await startApp();
  page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'access-a', Epochs: 60 });
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'access-b', Epochs: 5 });
  const runs = await new RunsPage(page, app.url).open();
  const ids = await runs.rows().evaluateAll((rows) => rows.map((row) => row.dataset.runId));
  await runs.row('access-a').getByRole('link', { name: 'access-a', exact: true }).click();
  await page.locator('#register-model').fill(MODEL);
  await page.locator('#validate-run').click();
  await page.locator('.verdict').waitFor();
  await page.locator('#register-run').click();
  await page.locator('.registered a').waitFor();
  pages = [
    ['/', 'Train a model'],
    ['/data', 'Data'],
    ['/runs', 'Runs'],
    [`/runs/${ids[1]}`, 'access-a'],
    [`/compare?ids=${ids.join(',')}`, 'Compare'],
    ['/models', 'Models'],
    [`/models/${MODEL}`, MODEL],
    [`/models/${MODEL}/1`, `${MODEL} v1`],
    [`/predict?model=${MODEL}&version=1`, 'Predict'],
    ['/pipelines', 'Pipelines'],
    ['/deployments', 'Deploy'],
    ['/settings', 'Settings'],
    ['/about', 'About'],
    ['/lessons', 'Lessons'],
    ['/glossary', 'Glossary'],
    ['/hand-ins', 'Hand-ins'],
    ['/no/such/page', 'No such page'],
  ];
});
after(async () => {
  await app?.close();
});

async function open(path, heading) {
  await page.goto(new URL(path, app.url).href);
  await page.locator('main h1').filter({ hasText: heading }).first().waitFor();
  // Lists fill from IndexedDB after the heading: wait for the page to stop changing.
  await page.waitForFunction(() => !document.body.innerText.includes('Loading'), null, { timeout: 10_000 });
}


for (const colorScheme of ['light', 'dark']) {
  test(`axe finds nothing serious or critical on any page, ${colorScheme}`, async () => {
    await page.emulateMedia({ colorScheme });
    const found = [];
    for (const [path, heading] of pages) {
      await open(path, heading);
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), colorScheme, path);
      for (const violation of await seriousViolations(page)) found.push(`${path}: ${violation}`);
    }
    // The Train page's finished run, with its chart tabs and decision boundary.
    await open('/', 'Train a model');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.locator('.final-accuracy').waitFor({ timeout: 120_000 });
    for (const violation of await seriousViolations(page)) found.push(`/ after a run: ${violation}`);
    assert.deepEqual(found, []);
  });
}

test('at 360 px wide no page scrolls sideways', async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  const wide = [];
  for (const [path, heading] of pages) {
    await open(path, heading);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 360) wide.push(`${path}: ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 720 });
  assert.deepEqual(wide, []);
});

test('the theme follows the system until the switch keeps one, and the choice outlives a reload', async () => {
  const themed = await app.newPage();
  await themed.emulateMedia({ colorScheme: 'dark' });
  await themed.goto(new URL('/runs', app.url).href);
  const theme = () => themed.evaluate(() => document.documentElement.dataset.theme);
  const background = () => themed.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(await theme(), 'dark');
  const dark = await background();
  await themed.emulateMedia({ colorScheme: 'light' });
  await themed.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  assert.notEqual(await background(), dark);

  await themed.getByLabel('Theme').selectOption('dark');
  assert.equal(await theme(), 'dark');
  await themed.reload();
  assert.equal(await theme(), 'dark', 'a kept choice wins over the light system');
  assert.equal(await themed.getByLabel('Theme').inputValue(), 'dark');
  await themed.getByLabel('Theme').selectOption('system');
  assert.equal(await theme(), 'light');
  await themed.reload();
  assert.equal(await theme(), 'light');
  assert.deepEqual(themed.errors, []);
});

test('presenter mode makes the type larger and puts the live charts first, and outlives a reload', async () => {
  const shown = await app.newPage();
  await shown.goto(app.url);
  await shown.getByRole('heading', { name: 'Train a model' }).waitFor();
  const fontPx = () => shown.evaluate(() => Number.parseFloat(getComputedStyle(document.documentElement).fontSize));
  const lefts = () => shown.evaluate(() => ({
    settings: document.querySelector('.train-layout .settings').getBoundingClientRect().left,
    charts: document.querySelector('.train-layout .run-view').getBoundingClientRect().left,
  }));
  const present = shown.getByRole('button', { name: 'Present', exact: true });
  const normalPx = await fontPx();
  const normal = await lefts();
  assert.ok(normal.settings < normal.charts, 'the settings come first when not presenting');
  assert.equal(await present.getAttribute('aria-pressed'), 'false');

  await present.click();
  assert.equal(await present.getAttribute('aria-pressed'), 'true');
  assert.ok(await fontPx() >= normalPx * 1.2, `${await fontPx()} px against ${normalPx} px`);
  const presenting = await lefts();
  assert.ok(presenting.charts < presenting.settings, 'the live charts come first');
  await shown.reload();
  await shown.getByRole('heading', { name: 'Train a model' }).waitFor();
  assert.equal(await present.getAttribute('aria-pressed'), 'true', 'kept across a reload');
  assert.ok(await fontPx() >= normalPx * 1.2);

  await present.click();
  assert.equal(await fontPx(), normalPx);
  assert.deepEqual(shown.errors, []);
});
