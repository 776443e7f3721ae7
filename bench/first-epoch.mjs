// Time from the Train click to the first epoch on screen, for the default run (the spiral), in
// a fresh browser profile (a first visit: nothing cached, V8 has compiled nothing) and again in
// the same profile after a reload (a later visit: the service worker's cache and V8's code
// cache). The click comes `--read-ms` after the page is interactive, the time a person takes
// to read the form (0: at once). Uses the release build in dist/ (or KINDLING_DIST).
//
//   node bench/first-epoch.mjs [--trials=5] [--read-ms=1500]
import { startApp, TrainPage } from '../tests/e2e/kindling.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, value] = arg.replace(/^--/, '').split('=');
  return [key, value ?? true];
}));
const TRIALS = Number(args.trials ?? 5);
const READ_MS = Number(args['read-ms'] ?? 1500);

/**
 * Clicks Train; resolves to the milliseconds until the progress label says "Epoch 1", and from
 * the navigation to the page being interactive (so a change that moves work before the click
 * shows where the work went).
 */
async function clickToFirstEpoch(page, interactive) {
  await page.waitForFunction(() => performance.getEntriesByName('kindling-interactive').length > 0);
  interactive.push(await page.evaluate(() => performance.getEntriesByName('kindling-interactive')[0].startTime));
  await page.waitForTimeout(READ_MS);
  await page.evaluate(() => {
    window.__firstEpoch = new Promise((resolve) => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Train');
      const clicked = performance.now();
      new MutationObserver((_, observer) => {
        if (/Epoch [1-9]/.test(document.querySelector('.progress-label')?.textContent ?? '')) {
          observer.disconnect();
          resolve(performance.now() - clicked);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      button.click();
    });
  });
  return page.evaluate(() => window.__firstEpoch);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function firstEpochBench() {
  const app = await startApp();
  const first = [];
  const later = [];
  const firstInteractive = [];
  const laterInteractive = [];
  try {
    for (let trial = 1; trial <= TRIALS; trial += 1) {
      const page = await app.newPage();
      await new TrainPage(page, app.url).open();
      first.push(await clickToFirstEpoch(page, firstInteractive));
      await page.evaluate(() => navigator.serviceWorker.ready);
      await page.reload();
      await page.getByRole('heading', { name: 'Train a model' }).waitFor();
      later.push(await clickToFirstEpoch(page, laterInteractive));
      console.error(`trial ${trial}: first visit ${Math.round(first.at(-1))} ms, later visit ${Math.round(later.at(-1))} ms`);
      await page.context().close();
    }
  } finally {
    await app.close();
  }
  return {
    read_ms: READ_MS,
    first_visit_ms: first,
    later_visit_ms: later,
    first_visit_interactive_ms: firstInteractive,
    later_visit_interactive_ms: laterInteractive,
  };
}

export function printFirstEpochBench(result) {
  const shown = (values) => `median ${Math.round(median(values))} ms (${values.map(Math.round).join(', ')})`;
  console.log(`\nTrain click to the first epoch on screen, default run, click ${result.read_ms} ms after interactive`);
  console.log(`  first visit (fresh profile): ${shown(result.first_visit_ms)}; interactive ${shown(result.first_visit_interactive_ms)} after the navigation`);
  console.log(`  later visit (same profile, reloaded): ${shown(result.later_visit_ms)}; interactive ${shown(result.later_visit_interactive_ms)}`);
}

if (process.argv[1] === new URL(import.meta.url).pathname) printFirstEpochBench(await firstEpochBench());
