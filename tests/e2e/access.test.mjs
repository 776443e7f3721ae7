// Everyone can use it (issue #24): every page names itself in the document title, also after
// moving between pages inside the app; the first Tab on a page offers a link past the
// navigation; the whole flow works with the keyboard alone, chart tabs included; and the Runs
// table's view lives in the address. `axe.test.mjs` scans the pages and their small-screen
// layout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RunsPage, startApp, trainRun } from './kindling.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const PAGES = [
  ['/', 'Train · Kindling'],
  ['/data', 'Data · Kindling'],
  ['/runs', 'Runs · Kindling'],
  ['/compare', 'Compare · Kindling'],
  ['/models', 'Models · Kindling'],
  ['/models/iris%20classifier', 'iris classifier · Models · Kindling'],
  ['/predict', 'Predict · Kindling'],
  ['/pipelines', 'Pipelines · Kindling'],
  ['/deployments', 'Deploy · Kindling'],
  ['/settings', 'Settings · Kindling'],
  ['/about', 'About · Kindling'],
  ['/lessons', 'Lessons · Kindling'],
  ['/glossary', 'Glossary · Kindling'],
  ['/no/such/page/here', 'No such page · Kindling'],
];

test('each page sets the document title, opened directly and reached through the navigation', async () => {
  const page = await app.newPage();
  for (const [path, title] of PAGES) {
    await page.goto(new URL(path, app.url).href);
    const seen = await page.waitForFunction((wanted) => document.title === wanted, title, { timeout: 10_000 })
      .then(() => title, () => page.evaluate(() => document.title));
    assert.equal(seen, title, path);
  }
  await page.goto(app.url);
  for (const [name, title] of [['Runs', 'Runs · Kindling'], ['Settings', 'Settings · Kindling'], ['Train', 'Train · Kindling']]) {
    await page.locator('nav').getByRole('link', { name, exact: true }).click();
    await page.waitForFunction((wanted) => document.title === wanted, title);
  }
});

test('the first Tab reaches the skip link, and it moves the focus past the navigation', async () => {
  const page = await app.newPage();
  await page.goto(new URL('/runs', app.url).href);
  await page.getByRole('heading', { name: 'Runs' }).first().waitFor();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => ({ text: document.activeElement.textContent, visible: document.activeElement.getBoundingClientRect().left >= 0 }));
  assert.deepEqual(focused, { text: 'Skip to content', visible: true });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'content');
  assert.equal(new URL(page.url()).pathname, '/runs', 'the skip link does not leave the page');
  // The next Tab goes on inside the page, not back through the navigation.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => Boolean(document.activeElement.closest('main'))), true);
});

/** Presses Tab (Shift+Tab with `back`) until the focused element matches `selector` (and shows `text`). */
async function tabTo(page, selector, { back = false, most = 120, text } = {}) {
  for (let step = 0; step < most; step += 1) {
    const reached = await page.evaluate(([wanted, words]) => Boolean(document.activeElement?.matches(wanted)
      && (words === undefined || document.activeElement.textContent.trim() === words)), [selector, text]);
    if (reached) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Moves a focused closed <select> with the arrow keys until it shows `value`. */
async function arrowTo(page, value) {
  for (let step = 0; step < 40; step += 1) {
    if (await page.evaluate(() => document.activeElement.value) === value) return;
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`the arrow keys never reached ${value}`);
}

async function typeInto(page, selector, text) {
  await tabTo(page, selector);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

/** Trains from the Train page with the keyboard alone; the page is already on it. */
async function trainByKeyboard(page, name, epochs) {
  await page.locator('#field-dataset').waitFor();
  await tabTo(page, '#field-dataset');
  await arrowTo(page, 'iris');
  await typeInto(page, '#field-epochs', String(epochs));
  await typeInto(page, '#field-run-name', name);
  await tabTo(page, '.actions button.primary');
  await page.keyboard.press('Enter');
  await page.locator('.run-saved').waitFor({ timeout: 120_000 });
}

/** Follows a link of the main navigation with the keyboard, from wherever the focus is. */
async function navigateByKeyboard(page, path, heading) {
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, `nav[aria-label="Main"] a[href="${path}"]`);
  await page.keyboard.press('Enter');
  await page.locator('main h1').filter({ hasText: heading }).first().waitFor();
}

test('the whole flow works with the keyboard alone: train, compare, register, download, predict', async () => {
  const page = await app.newPage();
  let clicked = 0;
  await page.exposeFunction('__sawClick', () => { clicked += 1; });
  await page.addInitScript(() => {
    // A real click has a pointer position; Enter and Space on a button give 0, 0.
    document.addEventListener('click', (event) => {
      if (event.isTrusted && (event.clientX !== 0 || event.clientY !== 0)) window.__sawClick();
    }, true);
  });
  await page.goto(app.url);
  await page.getByRole('heading', { name: 'Train a model' }).waitFor();
  await trainByKeyboard(page, 'kbfirst', 30);

  // The run's charts are tabs: the arrow keys move the selection and the focus, Home and End
  // jump, and the panel is named by the selected tab.
  await tabTo(page, '[role="tab"][aria-selected="true"]');
  const tabs = () => page.evaluate(() => ({
    selected: document.querySelector('[role="tab"][aria-selected="true"]').textContent.trim(),
    focused: document.activeElement.textContent.trim(),
    panelNamedBy: document.getElementById(document.querySelector('[role="tabpanel"]').getAttribute('aria-labelledby')).textContent.trim(),
    inTabOrder: [...document.querySelectorAll('[role="tab"]')].filter((tab) => tab.tabIndex === 0).length,
  }));
  assert.deepEqual(await tabs(), { selected: 'Loss', focused: 'Loss', panelNamedBy: 'Loss', inTabOrder: 1 });
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await tabs(), { selected: 'Accuracy', focused: 'Accuracy', panelNamedBy: 'Accuracy', inTabOrder: 1 });
  await page.keyboard.press('ArrowRight');
  assert.equal((await tabs()).selected, 'Loss', 'the arrow wraps around');
  await page.keyboard.press('End');
  assert.equal((await tabs()).selected, 'Accuracy');
  await page.keyboard.press('Home');
  assert.equal((await tabs()).selected, 'Loss');

  await trainByKeyboard(page, 'kbsecond', 5);

  await navigateByKeyboard(page, '/runs', 'Runs');
  await page.locator('tr.run-row').nth(1).waitFor();
  for (const name of ['kbfirst', 'kbsecond']) {
    await tabTo(page, `input[aria-label="Select ${name}"]`);
    await page.keyboard.press('Space');
  }
  await tabTo(page, '.runs-toolbar button:not(.danger):not(.export-table)');
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: 'Compare' }).waitFor();
  await page.locator('.compare-legend li').nth(1).waitFor();

  await navigateByKeyboard(page, '/runs', 'Runs');
  await tabTo(page, 'tr.run-row .run-name a[href^="/runs/"]', { text: 'kbfirst' });
  await page.keyboard.press('Enter');
  await typeInto(page, '#register-model', 'keyboard-model');
  await tabTo(page, '#validate-run');
  await page.keyboard.press('Enter');
  await page.locator('.verdict').waitFor({ timeout: 60_000 });
  await tabTo(page, '#register-run');
  await page.keyboard.press('Enter');
  await page.locator('.registered a').waitFor();
  await tabTo(page, '.registered a');
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: 'keyboard-model v1' }).waitFor();

  await tabTo(page, '#download-package');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.equal(download.suggestedFilename(), 'keyboard-model-v1.kindling.zip');

  await navigateByKeyboard(page, '/predict', 'Predict');
  await tabTo(page, 'select[name="predict-version"]');
  await arrowTo(page, 'keyboard-model:1');
  await page.locator('input[data-feature="petal_length_cm"]').waitFor();
  for (const [feature, value] of Object.entries({ sepal_length_cm: '6.1', sepal_width_cm: '2.8', petal_length_cm: '4.7', petal_width_cm: '1.2' })) {
    await typeInto(page, `input[data-feature="${feature}"]`, value);
  }
  await page.locator('[aria-busy="false"] .prediction-label').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.locator('.prediction-probability').count(), 3);
  assert.equal(clicked, 0, 'nothing was clicked with a pointer');
  assert.deepEqual(page.errors, []);
});

test('the Runs table keeps its filter and sort in the address, so a link and a reload show the same view', async () => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'alpha', Epochs: 3 });
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'beta', Epochs: 3 });
  const runs = await new RunsPage(page, app.url).open();
  await runs.filter('alpha', '1 of 2 runs match');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('filter') === 'alpha');
  await runs.filter('', '2 runs');
  await page.locator('button.sort[data-column="name"]').click();
  await page.locator('button.sort[data-column="name"]', { hasText: '▲' }).waitFor();
  assert.deepEqual(await runs.names(), ['alpha', 'beta']);
  await page.locator('button.sort[data-column="name"]').click();
  await page.locator('button.sort[data-column="name"]', { hasText: '▼' }).waitFor();
  await runs.filter('metrics.test_accuracy >= 0', '2 runs');
  const address = page.url();
  assert.match(address, /sort=name&order=desc/);

  // Another tab of the same profile, where the runs are.
  const other = await page.context().newPage();
  other.errors = [];
  other.on('pageerror', (error) => other.errors.push(error.message));
  await other.goto(address);
  await other.locator('.run-count', { hasText: '2 runs' }).waitFor();
  assert.equal(await other.getByLabel('Filter runs').inputValue(), 'metrics.test_accuracy >= 0');
  assert.equal(await other.locator('th', { has: other.locator('button.sort[data-column="name"]') }).getAttribute('aria-sort'), 'descending');
  assert.deepEqual(await new RunsPage(other, app.url).names(), ['beta', 'alpha']);
  // The navigation's Runs link is the plain view again.
  await other.locator('nav').getByRole('link', { name: 'Runs', exact: true }).click();
  await other.waitForFunction(() => location.search === '');
  assert.equal(await other.getByLabel('Filter runs').inputValue(), '');
  assert.equal(await other.locator('th', { has: other.locator('button.sort[data-column="started"]') }).getAttribute('aria-sort'), 'descending');
  assert.deepEqual([...page.errors, ...other.errors], []);
});
