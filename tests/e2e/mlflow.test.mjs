// Graduating to MLflow: nothing leaves the tab while no tracking URL is set; with one set (and
// the page reloaded, so its policy admits that server), a sync puts every run, metric history,
// tag, note, dataset, model version and alias into a real `mlflow server`, which MLflow's own
// Python client then checks; a second sync adds nothing; a server that is down or refuses the
// page's origin is said in words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, RunsPage, startApp, trainRun } from './kindling.mjs';
import { PYTHON, freePort, startMlflow } from './mlflow_server.mjs';

let app;
let mlflow;
before(async () => {
  app = await startApp();
  mlflow = await startMlflow({ corsOrigins: new URL(app.url).origin });
});
after(async () => {
  await app?.close();
  await mlflow?.stop();
});

const MODEL = 'iris-graduates';

async function openSettings(page) {
  await page.goto(new URL('/settings', app.url).href);
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.locator('#mlflow-save:not([disabled])').waitFor();
}

async function setTrackingUrl(page, url) {
  await openSettings(page);
  await page.getByLabel('MLflow tracking URL').fill(url);
  await page.locator('#mlflow-save').click();
  await page.locator('.mlflow-saved', { hasText: 'Saved.' }).waitFor();
  // The page admits the server's origin from its next load on.
  await Promise.all([page.waitForEvent('load'), page.locator('#mlflow-reload').click()]);
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.locator('#mlflow-sync:not([disabled])').waitFor();
  assert.equal(await page.locator('#mlflow-reload').count(), 0, 'after the reload the page admits the server');
}

async function sync(page) {
  await page.locator('#mlflow-sync').click();
  const status = page.locator('.mlflow-status.synced, .mlflow-status.error');
  await status.waitFor({ timeout: 120_000 });
  return (await status.textContent()).trim();
}

async function exportWorkspace(page) {
  await new RunsPage(page, app.url).open();
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export workspace' }).click(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'kindling-mlflow-workspace-'));
  const path = join(dir, 'workspace.json');
  writeFileSync(path, readFileSync(await file.path()));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What MLflow's Python client finds on the server, checked against the exported workspace. */
function checkInMlflow(workspacePath) {
  const output = execFileSync(PYTHON, [join(ROOT, 'tests', 'python', 'mlflow_check.py'), mlflow.url, workspacePath], { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1));
}

test('nothing is sent without a tracking URL; a sync puts runs and models into MLflow whole, and a second sync adds nothing', async (t) => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'iris-graduate', Epochs: 25 });
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'iris-sibling', Epochs: 15 });

  const runs = await new RunsPage(page, app.url).open();
  await runs.row('iris-graduate').getByRole('link').click();
  await page.getByLabel('Tags').fill('baseline, week 1');
  await page.getByLabel('Note').fill('first model that goes to the team');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('.saved').waitFor();
  await page.locator('#register-model').fill(MODEL);
  await page.locator('#validate-run').click();
  await page.locator('.verdict').waitFor();
  await page.locator('#register-run').click();
  await page.locator('.registered a').click();
  await page.getByRole('heading', { name: new RegExp(`^${MODEL} v1`) }).waitFor();
  await page.locator('#alias-reason').fill('ready for the team');
  await page.locator('#set-alias').click();
  await page.locator('.version-notice', { hasText: "'champion' now points at v1." }).waitFor();

  await openSettings(page);
  assert.equal(await page.getByLabel('MLflow tracking URL').inputValue(), '');
  assert.ok(await page.locator('#mlflow-sync').isDisabled(), 'with no URL there is nothing to sync to');
  assert.match(await page.locator('footer').textContent(), /your data never leaves the device/);
  assert.match(await page.locator('pre.command').textContent(), new RegExp(`--cors-allowed-origins ${new URL(app.url).origin}`));
  assert.deepEqual(page.errors, [], 'no request left the app before a URL was set');

  page.allowOrigin(mlflow.url);
  await setTrackingUrl(page, mlflow.url);
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(policy, new RegExp(`connect-src 'self' ${mlflow.url}(;|$)`));
  assert.match(await page.locator('footer').textContent(), new RegExp(`only when synced to ${mlflow.url}`));

  const first = await sync(page);
  assert.match(first, /^Synced: 2 run\(s\) created and 0 updated \(\d+ metric points\), 1 model\(s\), 1 version\(s\) and 1 alias change\(s\)/, first);
  await page.locator('.last-sync').waitFor();

  const workspace = await exportWorkspace(page);
  try {
    const held = checkInMlflow(workspace.path);
    t.diagnostic(`MLflow holds ${JSON.stringify(held)}`);
    assert.equal(held.runs, 2);
    assert.equal(held.model_versions, 1);
    assert.equal(held.aliases, 1);

    await openSettings(page);
    const second = await sync(page);
    assert.equal(second, 'Synced: MLflow already had everything; nothing was sent.');
    assert.deepEqual(checkInMlflow(workspace.path), held, 'a second sync adds nothing');
  } finally {
    workspace.remove();
  }
  assert.deepEqual(page.errors, []);
});

test('a server that is not there, or refuses this page, is said in words with the command that fixes it', async () => {
  const page = await app.newPage();
  const closed = await freePort();
  const nowhere = `http://127.0.0.1:${closed}`;
  page.allowOrigin(nowhere);
  await setTrackingUrl(page, nowhere);
  const down = await sync(page);
  assert.match(down, new RegExp(`^Sync stopped: nothing answered at ${nowhere}`));
  assert.match(down, new RegExp(`mlflow server --host 127\\.0\\.0\\.1 --port 5000 --cors-allowed-origins ${new URL(app.url).origin}`));

  // MLflow always allows localhost origins, so a server that refuses this one is played by a
  // plain HTTP server that answers without CORS headers, as MLflow does for an origin it was
  // not told to allow.
  const refusing = createHttpServer((request, response) => response.end('{}'));
  await new Promise((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  try {
    const elsewhere = `http://127.0.0.1:${refusing.address().port}`;
    page.allowOrigin(elsewhere);
    await setTrackingUrl(page, elsewhere);
    const refused = await sync(page);
    assert.match(refused, new RegExp(`answered, but does not allow this page \\(${new URL(app.url).origin}\\)`));
    assert.match(refused, new RegExp(`--cors-allowed-origins ${new URL(app.url).origin}`));
  } finally {
    await new Promise((resolve) => refusing.close(resolve));
  }

  await openSettings(page);
  await page.getByLabel('MLflow tracking URL').fill('127.0.0.1:5000');
  await page.locator('#mlflow-save').click();
  assert.match(await page.locator('.mlflow-saved.error').textContent(), /must start with http:\/\/ or https:\/\//);
  assert.deepEqual(page.errors, []);
});
