// Everyone can use it (issue #24, first part): every page names itself in the document title,
// also after moving between pages inside the app, and the first Tab on a page offers a link past
// the navigation that moves the keyboard's focus to the page itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from './kindling.mjs';

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
