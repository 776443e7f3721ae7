// Experiments (issue #24): every run belongs to one, as in MLflow. The Train form puts new runs
// in the experiment typed (blank for Default); the Runs page lists the experiments with their
// counts and shows one at a time, in the address; the filter knows `experiment`; Compare takes
// runs from the one shown; a run's page moves it to another experiment.
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

async function experimentOptions(page) {
  return page.getByLabel('Experiment', { exact: true }).locator('option').allTextContents();
}

test('runs go to the experiment the form names, and the Runs page shows one experiment at a time', async () => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'iris', Epochs: 5, Experiment: 'Week 1', 'Run name': 'exp-a' });
  await trainRun(page, app.url, { Dataset: 'iris', Epochs: 5, Experiment: '', 'Run name': 'exp-b' });
  await trainRun(page, app.url, { Dataset: 'wine', Epochs: 5, Experiment: '  Week 1 ', 'Run name': 'exp-c' });

  const runs = await new RunsPage(page, app.url).open();
  assert.deepEqual(await experimentOptions(page), ['All experiments (3)', 'Default (1)', 'Week 1 (2)']);
  await page.getByLabel('Experiment', { exact: true }).selectOption('Week 1');
  await page.locator('.run-count', { hasText: '2 runs in experiment Week 1' }).waitFor();
  assert.deepEqual((await runs.names()).sort(), ['exp-a', 'exp-c']);
  await page.waitForURL((url) => url.searchParams.get('experiment') === 'Week 1');

  // A link to the view shows the same experiment.
  const again = await page.context().newPage();
  await again.goto(page.url());
  await again.locator('.run-count', { hasText: '2 runs in experiment Week 1' }).waitFor();
  assert.equal(await again.getByLabel('Experiment', { exact: true }).inputValue(), 'Week 1');

  // Compare takes the experiment's runs.
  for (const name of ['exp-a', 'exp-c']) await runs.row(name).locator('input[type="checkbox"]').check();
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.waitForURL(/\/compare\?ids=/);
  assert.equal(new URL(page.url()).searchParams.get('ids').split(',').length, 2);
  const experimentRow = page.locator('.compare-table tr', { has: page.locator('th', { hasText: /^experiment$/ }) });
  // The same in both, so shown once every row is.
  await page.locator('input[name="only-differences"]').uncheck();
  await experimentRow.waitFor();
  assert.deepEqual(await experimentRow.locator('td').allTextContents(), ['Week 1', 'Week 1']);

  // The filter knows experiments too.
  await runs.open();
  await runs.filter("experiment = 'Default'");
  await page.locator('.run-count', { hasText: '1 of 3 runs match' }).waitFor();
  assert.deepEqual(await runs.names(), ['exp-b']);

  // A run's page moves it to another experiment; the list follows.
  await runs.filter('');
  await page.locator('.run-count', { hasText: /^3 runs$/ }).waitFor();
  await runs.row('exp-b').getByRole('link', { name: 'exp-b', exact: true }).click();
  await page.locator('.run-facts', { hasText: 'experiment Default' }).waitFor();
  await page.locator('#field-run-experiment').fill('Week 2');
  await page.locator('.save-labels').click();
  await page.locator('.run-labels .saved').waitFor();
  await runs.open();
  assert.deepEqual(await experimentOptions(page), ['All experiments (3)', 'Week 1 (2)', 'Week 2 (1)']);

  // An experiment name too long is refused in words, and nothing trains.
  await page.goto(app.url);
  await page.getByLabel('Experiment', { exact: true }).fill('x'.repeat(81));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.locator('.settings .error', { hasText: 'Experiment: an experiment name is at most 80 characters; this one has 81' }).waitFor();
  assert.deepEqual(page.errors, []);
});
