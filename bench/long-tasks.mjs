// Main-thread long tasks while a run trains, over the walk a person takes: start a run, wait for
// its first epoch, then the Accuracy tab, About, Train, Runs, Train and Stop. Each trial is a
// fresh browser profile, so the trainer starts as on a first visit, when V8 is still compiling
// it; `--wait-ms` starts the walk that much later. Uses the release build in dist/ (or
// KINDLING_DIST) and prints every task over 50 ms with the step it happened in.
//
//   node bench/long-tasks.mjs [--trials=10] [--wait-ms=0]
import { startApp, TrainPage } from '../tests/e2e/kindling.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, value] = arg.replace(/^--/, '').split('=');
  return [key, value ?? true];
}));
const TRIALS = Number(args.trials ?? 10);
const WAIT_MS = Number(args['wait-ms'] ?? 0);

/** The walk after the run has started: each step is a click and what shows it was handled. */
const WALK = [
  ['Accuracy tab', (page) => page.getByRole('tab', { name: 'Accuracy' }).click()],
  ['About', async (page) => {
    await page.getByRole('link', { name: 'About', exact: true }).click();
    await page.getByRole('heading', { name: 'About Kindling' }).waitFor();
  }],
  ['Train', (page) => backToTrain(page)],
  ['Runs', async (page) => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator('.run-row .status-pill.running').waitFor();
  }],
  ['Train again', (page) => backToTrain(page)],
  ['Stop', async (page, train) => {
    await train.button('Stop').click();
    await train.finalAccuracy(30_000);
  }],
];

async function backToTrain(page) {
  await page.getByRole('link', { name: 'Train', exact: true }).click();
  await page.locator('.status.running').waitFor();
}

const app = await startApp();
let total = 0;
try {
  for (let trial = 1; trial <= TRIALS; trial += 1) {
    const page = await app.newPage();
    const train = await new TrainPage(page, app.url).open();
    await train.set('Epochs', 20000);
    await train.button('Train').click();
    await page.waitForFunction(() => /Epoch [1-9]/.test(document.querySelector('.progress-label')?.textContent));
    await page.waitForTimeout(WAIT_MS);
    const found = [];
    for (const [step, act] of WALK) {
      await page.evaluate(() => { window.__longTasks = []; });
      await act(page, train);
      // Layout and paint after the step's own task are counted with it.
      await page.waitForTimeout(300);
      for (const ms of await page.evaluate(() => window.__longTasks)) found.push(`${step} ${Math.round(ms)} ms`);
    }
    total += found.length;
    console.log(`trial ${trial}: ${found.join(', ') || 'none'}`);
    await page.context().close();
  }
} finally {
  await app.close();
}
console.log(`${total} long tasks over 50 ms in ${TRIALS} trials (walk begun ${WAIT_MS} ms after the first epoch)`);
