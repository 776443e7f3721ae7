// Shared set-up for the end-to-end tests: the release build served on 127.0.0.1, Debian's
// Chromium driven by playwright-core (no browser is ever downloaded), and page objects.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist } from './server.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = process.env.KINDLING_DIST ?? join(ROOT, 'dist');
/** Where cargo puts what it builds: CARGO_TARGET_DIR when set (a CI cache, say), else target/. */
export const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The version in the workspace Cargo.toml, which the footer must show. */
export function appVersion() {
  const manifest = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  return manifest.match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
}

/**
 * Only the page's own server may be asked for anything, and a server a test names for that page
 * (`page.allowOrigin`, e.g. the MLflow server a sync talks to): anything else, even another port
 * on 127.0.0.1, is data leaving the app.
 */
function isAllowed(url, appOrigin, allowed) {
  if (/^(data|blob):/.test(url)) return true;
  const origin = new URL(url).origin;
  return origin === appOrigin || allowed.has(origin);
}

/**
 * Starts the server and the browser once per test file; returns { url, newPage, override, stopServer, close }.
 * `dist` serves another build than DIST, `isolated` with cross-origin isolation (`serveDist`).
 */
export async function startApp({ dist = DIST, isolated = false } = {}) {
  const server = await serveDist(dist, { isolated });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const contexts = [];
  /** A browser profile of its own, closed with the app: pages opened in it share its caches. */
  async function newContext(options = {}) {
    const context = await browser.newContext(options);
    contexts.push(context);
    return context;
  }
  return {
    url: server.url,
    newContext,
    /**
     * A page in a fresh profile, recording main-thread long tasks and page errors. A request
     * to anywhere but the app's own server is refused and recorded as an error, as is anything the page's
     * security policy refuses, so every test that checks `page.errors` also checks both.
     * `options` go to the browser context (e.g. `{ serviceWorkers: 'block' }`).
     */
    async newPage(options = {}) {
      const context = await newContext(options);
      const page = await context.newPage();
      page.errors = [];
      const allowed = new Set();
      /** Lets this page's profile reach one more origin. */
      page.allowOrigin = (origin) => allowed.add(new URL(origin).origin);
      page.on('pageerror', (error) => page.errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/.test(message.text())) {
          page.errors.push(message.text());
        }
      });
      const appOrigin = new URL(server.url).origin;
      await context.route((url) => !isAllowed(url.href, appOrigin, allowed), (route) => {
        page.errors.push(`a request left the app: ${route.request().url()}`);
        return route.abort('blockedbyclient');
      });
      await page.addInitScript(() => {
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      return page;
    },
    override: server.override,
    /** Takes the server away, as if the network were gone. */
    stopServer: () => server.close(),
    async close() {
      for (const context of contexts) await context.close();
      await browser.close();
      await server.close();
    },
  };
}

/** The Train page, as a person sees it. */
export class TrainPage {
  constructor(page, url) {
    this.page = page;
    this.url = url;
  }

  async open() {
    await this.page.goto(this.url);
    await this.page.getByRole('heading', { name: 'Train a model' }).waitFor();
    return this;
  }

  field(label) {
    return this.page.getByLabel(label, { exact: true });
  }

  async set(label, value) {
    await this.field(label).fill(String(value));
  }

  button(name) {
    return this.page.getByRole('button', { name, exact: true });
  }

  status() {
    return this.page.locator('.run-status .status');
  }

  /** Waits for the run to end; returns the final training accuracy as a fraction. */
  async finalAccuracy(timeout = 120_000) {
    const text = await this.page.locator('.final-accuracy').textContent({ timeout });
    return Number.parseFloat(text) / 100;
  }

  /** The epoch the progress label reports. */
  async epochsDone() {
    const label = await this.page.locator('.progress-label').textContent();
    return Number.parseInt(label.match(/Epoch (\d+)/)[1], 10);
  }

  async longTasksMs() {
    return this.page.evaluate(() => window.__longTasks);
  }
}

/** Trains one run to its end with the given settings; returns the test accuracy. */
export async function trainRun(page, url, settings = {}) {
  const train = await new TrainPage(page, url).open();
  for (const [label, value] of Object.entries(settings)) {
    if (label === 'Dataset' || label === 'Model') await train.field(label).selectOption(value);
    else await train.set(label, value);
  }
  await train.button('Train').click();
  const accuracy = await train.finalAccuracy();
  // Leaving the page before the final record is stored would cut it off.
  await page.locator('.run-saved').waitFor();
  return accuracy;
}

/** The Runs page. */
export class RunsPage {
  constructor(page, url) {
    this.page = page;
    this.url = url;
  }

  async open() {
    await this.page.goto(new URL('/runs', this.url).href);
    await this.page.getByRole('heading', { name: 'Runs' }).waitFor();
    await this.page.locator('.run-count').filter({ hasNotText: 'Loading' }).waitFor();
    return this;
  }

  rows() {
    return this.page.locator('tr.run-row');
  }

  row(name) {
    return this.rows().filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  async names() {
    return this.page.locator('tr.run-row .run-name a').allTextContents();
  }

  /** Types a query and waits until the count says how many runs match. */
  async filter(text, expectedCount) {
    await this.page.getByLabel('Filter runs').fill(text);
    if (expectedCount !== undefined) {
      await this.page.locator('.run-count', { hasText: new RegExp(`^${expectedCount}$`) }).waitFor();
    }
  }

  async count() {
    return (await this.page.locator('.run-count').textContent()).trim();
  }
}

/**
 * Fails if the page draws text in a font strike (family, size, weight, style) that the start-up
 * font warm-up (`.font-warmup` in index.html) does not hold. On Linux, Chromium asks the browser
 * process for each new strike synchronously on the main thread, which took 70 ms while a run
 * trained; the warm-up pays for them all while the page loads, so it must hold every strike.
 */
export async function assertFontsWarmed(page) {
  const missing = await page.evaluate(() => {
    const strike = (style) => `${style.fontWeight} ${style.fontStyle} ${style.fontSize} ${style.fontFamily}`;
    const warmup = document.querySelector('.font-warmup');
    const warmed = new Set(warmup ? [...warmup.querySelectorAll('*')].map((element) => strike(getComputedStyle(element))) : []);
    const used = new Set();
    for (const element of document.body.querySelectorAll('*')) {
      if (warmup?.contains(element)) continue;
      const drawsText = ['INPUT', 'SELECT', 'TEXTAREA'].includes(element.tagName)
        || [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== '');
      if (drawsText && element.getClientRects().length > 0) used.add(strike(getComputedStyle(element)));
    }
    return [...used].filter((used) => !warmed.has(used)).sort();
  });
  if (missing.length > 0) {
    throw new Error(`${page.url()} draws text in font strikes missing from index.html's .font-warmup: ${missing.join('; ')}`);
  }
}

/** axe-core's serious and critical findings on the page as it is now, each in a line or two. */
export async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  }
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.nodes.slice(0, 4).map((node) => `${node.target.join(' ')}: ${node.failureSummary.split('\n').slice(1, 2).join('')}`).join('\n    ')}`);
}
