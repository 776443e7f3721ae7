// The registry: validate a run against gates, register it, move aliases (with an override for a
// failing version), download its package, bring it into a fresh profile where it predicts
// exactly as before, and a corpus of broken packages refused one check at a time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, RunsPage, assertFontsWarmed, startApp, trainRun } from './kindling.mjs';
import { rebuilt, safetensorsHeader, unzip, withSafetensorsHeader } from './packages.mjs';

let app;
/** The package downloaded by the first test, taken apart by the corpus test. */
let downloaded;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const MODEL = 'iris-classifier';
const IRIS_ROW = { sepal_length_cm: '6.1', sepal_width_cm: '2.8', petal_length_cm: '4.7', petal_width_cm: '1.2' };

async function validate(page) {
  await page.locator('#validate-run').click();
  return page.locator('.verdict').textContent();
}

async function openRun(page, name) {
  const runs = await new RunsPage(page, app.url).open();
  await runs.row(name).getByRole('link', { name, exact: true }).click();
  await page.locator('#register-model').waitFor();
}

async function download(page) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#download-package').click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** The playground's answer for one iris row: the label and every class's probability text. */
async function predictIris(page) {
  await page.goto(new URL(`/predict?model=${MODEL}&version=1`, app.url).href);
  for (const [feature, value] of Object.entries(IRIS_ROW)) {
    await page.locator(`input[data-feature="${feature}"]`).fill(value);
  }
  // The answer to the last input is shown once no request is pending.
  await page.locator('[aria-busy="false"] .prediction-label').filter({ hasText: /\S/ }).waitFor();
  return {
    label: (await page.locator('.prediction-label').textContent()).trim(),
    probabilities: await page.locator('.prediction-probability').allTextContents(),
  };
}

test('a run passes a lax gate, is registered, takes an alias, and its package predicts the same in a fresh profile', async (t) => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'iris-gated', Epochs: 60 });
  await openRun(page, 'iris-gated');

  await page.locator('#register-model').fill(MODEL);
  await page.getByRole('button', { name: '+ Threshold' }).click();
  const threshold = page.locator('.register-panel .gate-value');
  await threshold.fill('0.9999');
  await threshold.press('Tab');
  assert.match(await validate(page), /Some gates failed/);
  const strict = page.locator('.gate-report tr', { hasText: 'test_accuracy ≥ 0.9999' });
  assert.match(await strict.textContent(), /FAIL/);
  await assertFontsWarmed(page);
  const finite = page.locator('.gate-report tr.check.pass', { hasText: 'all weights finite' });
  assert.deepEqual(await finite.locator('td.number').allTextContents(), ['0', '0'], 'a count of non-finite weights, read as a whole number');
  assert.equal(await page.locator('.gate-report tr.check.pass', { hasText: 'reloaded weights predict identically' }).count(), 1);
  assert.equal(await page.locator('.gate-report tr.check.pass', { hasText: "retraining reproduces the run's first steps" }).count(), 1);
  assert.equal(await page.locator('.gate-report tr.check.pass', { hasText: 'stored weights reproduce the claimed test metrics' }).count(), 1);

  await threshold.fill('0.5');
  await threshold.press('Tab');
  assert.match(await validate(page), /Every gate passed/);
  await page.locator('#register-run').click();
  await page.locator('.registered a').click();
  await page.getByRole('heading', { name: new RegExp(`^${MODEL} v1`) }).waitFor();

  await page.locator('#alias-reason').fill('first model that passes');
  await page.locator('#set-alias').click();
  await page.locator('.version-notice', { hasText: "'champion' now points at v1." }).waitFor();
  assert.match(await page.locator('h1').textContent(), /champion/);
  await assertFontsWarmed(page);

  const first = await download(page);
  assert.equal(first.name, `${MODEL}-v1.kindling.zip`);
  assert.deepEqual(unzip(first.bytes).map(([name]) => name),
    ['manifest.json', 'weights.safetensors', 'model.bpk', 'model.onnx', 'MODEL_CARD.md', 'README.md',
      'MLmodel', 'input_example.json', 'serving_input_example.json', 'requirements.txt', 'python_env.yaml',
      'code/kindling_pyfunc.py']);
  const again = await download(page);
  assert.ok(again.bytes.equals(first.bytes), 'the same version downloads byte for byte the same');
  downloaded = first.bytes;

  // The package opens in Python's onnxruntime and safetensors + numpy, and unzipped it is an
  // MLflow model that mlflow.pyfunc loads and `mlflow models serve` serves (the venv is made by
  // the native layer's python_compat test, which runs before this one).
  const dir = mkdtempSync(join(tmpdir(), 'kindling-package-'));
  const path = join(dir, first.name);
  writeFileSync(path, first.bytes);
  const python = join(ROOT, 'target', 'python-venv', 'bin', 'python');
  assert.ok(existsSync(python), 'run the native layer first: it creates target/python-venv');
  for (const script of ['check_package.py', 'mlflow_model.py']) {
    const report = execFileSync(python, [join(ROOT, 'tests', 'python', script), path], { encoding: 'utf8' });
    t.diagnostic(report.trim());
  }

  const before = await predictIris(page);
  await assertFontsWarmed(page);
  assert.ok(before.probabilities.length === 3, `${before.probabilities}`);

  const fresh = await app.newPage();
  await fresh.goto(new URL('/models', app.url).href);
  await fresh.getByText('No models yet').waitFor();
  await fresh.locator('#package-file').setInputFiles({ name: first.name, mimeType: 'application/zip', buffer: first.bytes });
  await fresh.locator('.upload-notice', { hasText: `passed every check and is now ${MODEL} v1.` }).waitFor();
  const after = await predictIris(fresh);
  assert.deepEqual(after, before, 'the uploaded package answers exactly as before it was downloaded');
  await fresh.goto(new URL(`/models/${MODEL}/1`, app.url).href);
  const roundTrip = await download(fresh);
  assert.ok(roundTrip.bytes.equals(first.bytes), 'the uploaded package is kept byte for byte');

  // The same package again is recognised, not added twice.
  await fresh.goto(new URL('/models', app.url).href);
  await fresh.locator('#package-file').setInputFiles({ name: 'copy.kindling.zip', mimeType: 'application/zip', buffer: first.bytes });
  await fresh.locator('.upload-notice .error', { hasText: `already registered as ${MODEL} v1` }).waitFor();
  assert.deepEqual(page.errors, []);
  assert.deepEqual(fresh.errors, []);
});

test('a version that fails its gates takes an alias only with a written override, which is recorded', async () => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'iris', 'Run name': 'iris-strict', Epochs: 5 });
  await openRun(page, 'iris-strict');
  await page.locator('#register-model').fill('strict-model');
  await page.getByRole('button', { name: '+ Threshold' }).click();
  await page.locator('.register-panel .gate-value').fill('0.9999');
  await page.locator('.register-panel .gate-value').press('Tab');
  assert.match(await validate(page), /Some gates failed/);
  await page.locator('#register-run').click();
  await page.locator('.registered a').click();
  await page.getByRole('heading', { name: /^strict-model v1/ }).waitFor();
  assert.match(await page.locator('h1 .badge').textContent(), /failed/);

  await page.locator('#alias-reason').fill('needed for the demo');
  await page.locator('#set-alias').click();
  await page.locator('.version-notice .error', { hasText: /failed its gates \(test_accuracy ≥ 0\.9999\)/ }).waitFor();
  await page.locator('#alias-override').fill('accepted for a classroom demo');
  await page.locator('#set-alias').click();
  await page.locator('.version-notice', { hasText: "'champion' now points at v1." }).waitFor();

  await page.goto(new URL('/models/strict-model', app.url).href);
  const change = page.locator('.alias-history tr.alias-change').first();
  assert.match(await change.textContent(), /champion.*→ v1.*needed for the demo.*gates overridden: accepted for a classroom demo/);

  // The card is edited and travels in the package.
  await page.goto(new URL('/models/strict-model/1', app.url).href);
  await page.locator('#card-intended-use').fill('Teaching <b>only</b>.');
  await page.locator('#save-card').click();
  await page.getByText('Card saved; the package now carries it.').waitFor();
  const { bytes } = await download(page);
  const files = new Map(unzip(bytes));
  assert.match(files.get('MODEL_CARD.md').toString(), /## Intended use\n\nTeaching <b>only<\/b>\./);
  assert.equal(JSON.parse(files.get('manifest.json')).card.intended_use, 'Teaching <b>only</b>.');
});

test('every broken package is refused by its own check and the registry is left as it was', async () => {
  assert.ok(downloaded, 'the first test downloads the package this one breaks');
  const page = await app.newPage();
  await page.goto(new URL('/models', app.url).href);
  await page.getByText('No models yet').waitFor();

  const nanWeights = (files) => {
    const weights = Buffer.from(files.get('weights.safetensors'));
    const { dataStart } = safetensorsHeader(weights);
    weights.writeFloatLE(Number.NaN, dataStart);
    files.set('weights.safetensors', weights);
  };
  const transposed = (files) => {
    const weights = files.get('weights.safetensors');
    const { header } = safetensorsHeader(weights);
    header['Mlp.output.weight'].shape.reverse();
    files.set('weights.safetensors', withSafetensorsHeader(weights, header));
  };
  const manifestEdit = (change) => (files) => {
    const manifest = JSON.parse(files.get('manifest.json'));
    change(manifest);
    files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  };
  const corpus = [
    ['truncated', downloaded.subarray(0, Math.floor(downloaded.length / 2)), /not a readable package/],
    ['oversized', Buffer.alloc(65 * 1024 * 1024), /not a readable package.*limit/],
    ['wrong hash', rebuilt(downloaded, (f) => f.set('MODEL_CARD.md', Buffer.from('# edited')), { keepHashes: true }),
      /MODEL_CARD\.md does not match the hash in manifest\.json/],
    ['missing file', rebuilt(downloaded, (f) => f.delete('weights.safetensors')), /has no weights\.safetensors/],
    ['unexpected file', rebuilt(downloaded, (f) => f.set('run.sh', Buffer.from('echo hi'))), /a file Kindling does not expect: 'run\.sh'/],
    ['unknown format', rebuilt(downloaded, manifestEdit((m) => { m.format = 'kindling-package/99'; })),
      /format 'kindling-package\/99', which this version of Kindling cannot read/],
    ['wrong shapes', rebuilt(downloaded, transposed), /do not fit the model in the manifest: tensor 'Mlp\.output\.weight' has shape/],
    ['NaN weights', rebuilt(downloaded, nanWeights), /NaN or infinite/],
    ['edited graph', rebuilt(downloaded, (f) => {
      const graph = Buffer.from(f.get('model.onnx'));
      graph[graph.length - 1] ^= 1;
      f.set('model.onnx', graph);
    }), /model\.onnx does not match what the manifest describes/],
    ['edited card', rebuilt(downloaded, (f) => f.set('MODEL_CARD.md', Buffer.from('# Trust me'))),
      /MODEL_CARD\.md does not match what the manifest describes/],
    ['edited readme', rebuilt(downloaded, (f) => f.set('README.md', Buffer.from('---\nlicense: mit\n---\n'))),
      /README\.md does not match what the manifest describes/],
    ['no example', rebuilt(downloaded, manifestEdit((m) => { m.example = { inputs: [], predictions: [] }; })),
      /its example must hold rows of 4 values/],
    ['unbuildable model', rebuilt(downloaded, manifestEdit((m) => { m.signature.model.Mlp.dropout = 5; })),
      /describes a model that cannot be built: .*dropout/i],
    ['odd name', rebuilt(downloaded, manifestEdit((m) => { m.name = '<img src=x onerror=alert(1)>'; })),
      /names the model '<img src=x onerror=alert\(1\)>', which is not a plain name/],
    ['another answer', rebuilt(downloaded, manifestEdit((m) => {
      const first = m.example.predictions[0].Class;
      first.label = (first.label + 1) % first.probabilities.length;
    })), /answers differ from the example/],
    // Burn's record, replaced or damaged with every hash fixed up: refused by name, and the
    // model worker lives on to check the next one.
    ['garbage record', rebuilt(downloaded, (f) => f.set('model.bpk', Buffer.from('not a burnpack at all, just words '.repeat(10)))),
      /model\.bpk \(Burn.s record\)/],
    ['record cut short', rebuilt(downloaded, (f) => f.set('model.bpk', f.get('model.bpk').subarray(0, f.get('model.bpk').length >> 1))),
      /model\.bpk \(Burn.s record\)/],
    ['record header damaged', rebuilt(downloaded, (f) => {
      const record = Buffer.from(f.get('model.bpk'));
      for (let i = 8; i < 64; i++) record[i] ^= 0x5a;
      f.set('model.bpk', record);
    }), /model\.bpk \(Burn.s record\)/],
    ['integer weights', rebuilt(downloaded, (f) => {
      // The same bytes labelled as integers: Burn's loader panicked on this in the worker.
      const record = Buffer.from(f.get('model.bpk'));
      record[record.indexOf('F32')] = 'I'.charCodeAt(0);
      f.set('model.bpk', record);
    }), /model\.bpk \(Burn.s record\): the weights do not fit this model: it holds .* as I32/],
  ];
  const seen = new Set();
  // Playwright hands over at most 50 MB in memory; larger files go by path.
  const dir = mkdtempSync(join(tmpdir(), 'kindling-corpus-'));
  for (const [name, bytes, expected] of corpus) {
    const path = join(dir, `${name}.kindling.zip`);
    writeFileSync(path, bytes);
    await page.locator('#package-file').setInputFiles(path);
    const error = page.locator('.upload-notice .error', { hasText: `${name}.kindling.zip was not added` });
    await error.waitFor({ timeout: 60_000 });
    const message = await error.textContent();
    assert.match(message, expected, name);
    seen.add(message.replace(/^.*?was not added: /, ''));
  }
  assert.equal(seen.size, corpus.length, 'each broken package has its own message');
  await page.reload();
  await page.getByText('No models yet').waitFor();
  assert.deepEqual(page.errors, []);
});

test('a CSV is scored in one go: missing columns said in words, extra ones passed through', async () => {
  assert.ok(downloaded, 'the first test downloads the package this one scores with');
  const page = await app.newPage();
  await page.goto(new URL('/models', app.url).href);
  await page.locator('#package-file').setInputFiles({ name: 'iris.kindling.zip', mimeType: 'application/zip', buffer: downloaded });
  await page.locator('.upload-notice', { hasText: 'passed every check' }).waitFor();
  await page.goto(new URL('/predict', app.url).href);
  await page.locator('input[data-feature="petal_width_cm"]').waitFor();

  const missing = 'sepal_length_cm,sepal_width_cm,petal_length_cm\n5.1,3.5,1.4\n';
  await page.locator('#batch-file').setInputFiles({ name: 'missing.csv', mimeType: 'text/csv', buffer: Buffer.from(missing) });
  await page.locator('.batch-error', { hasText: "the file has no column 'petal_width_cm'" }).waitFor();

  const rows = [
    'id,sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,note',
    '1,5.1,3.5,1.4,0.2,"small, early"',
    '2,6.7,3.0,5.2,2.3,late',
    '3,5.9,3.0,4.2,1.5,',
  ];
  await page.locator('#batch-file').setInputFiles({ name: 'flowers.csv', mimeType: 'text/csv', buffer: Buffer.from(`${rows.join('\n')}\n`) });
  await page.locator('.batch-summary').waitFor();
  assert.match(await page.locator('.batch-summary').textContent(), /3 rows/);
  assert.match(await page.locator('.batch-summary').textContent(), /id, note/);
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#batch-download').click()]);
  assert.equal(file.suggestedFilename(), 'predictions.csv');
  const lines = readFileSync(await file.path(), 'utf8').trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^id,sepal_length_cm,.*,note,predicted_species,probability_setosa,probability_versicolor,probability_virginica$/);
  assert.match(lines[1], /^1,5\.1,.*,"small, early",setosa,/);
  assert.match(lines[2], /,late,virginica,/);
  for (const line of lines.slice(1)) {
    const probabilities = line.split(',').slice(-3).map(Number);
    assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4, line);
  }
  assert.deepEqual(page.errors, []);
});

test('a digit drawn on the canvas is answered by an image model', async () => {
  const page = await app.newPage();
  await trainRun(page, app.url, { Dataset: 'digits', Model: 'cnn', 'Run name': 'digits-cnn', Epochs: 3 });
  await openRun(page, 'digits-cnn');
  await page.locator('#register-model').fill('digits');
  assert.match(await validate(page), /Every gate passed/);
  await page.locator('#register-run').click();
  await page.locator('.registered a').waitFor();

  await page.goto(new URL('/predict?model=digits&version=1', app.url).href);
  const canvas = page.locator('#digit-canvas');
  await canvas.waitFor();
  const box = await canvas.boundingBox();
  // A "1": one vertical stroke down the middle.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let step = 1; step <= 10; step += 1) {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + step * 0.07));
  }
  await page.mouse.up();
  await page.locator('.prediction-label').filter({ hasText: /^\s*\d\s*$/ }).waitFor();
  assert.equal(await page.locator('.prediction-probability').count(), 10);
  const inked = await page.locator('.digit-cell').evaluateAll((cells) =>
    cells.filter((cell) => Number(cell.dataset.value) > 0).length);
  assert.ok(inked > 0 && inked < 64, `${inked} of 64 cells inked`);

  // Without a pointer: the grid beside the canvas takes the arrow keys and Space, and a column of
  // inked cells is asked of the model like a stroke.
  await page.locator('.digit-clear').click();
  await page.getByText('Draw something to see what the model makes of it.').waitFor();
  await page.locator('.digit-cell[tabindex="0"]').focus();
  for (let step = 0; step < 3; step += 1) await page.keyboard.press('ArrowRight');
  for (let row = 0; row < 8; row += 1) {
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
  }
  const keyed = await page.locator('.digit-cell').evaluateAll((cells) =>
    cells.flatMap((cell, index) => (Number(cell.dataset.value) > 0 ? [index] : [])));
  assert.deepEqual(keyed, [3, 11, 19, 27, 35, 43, 51, 59]);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'digit-cell-59', 'the focus stays on the grid');
  await page.locator('.prediction-label').filter({ hasText: /^\s*\d\s*$/ }).waitFor();
  await assertFontsWarmed(page);
  assert.deepEqual(page.errors, []);
});

test('two tabs editing one model keep each other\'s changes, and an archive the other tab forbids is refused', async () => {
  const first = await app.newPage();
  for (const name of ['shared-a', 'shared-b']) {
    await trainRun(first, app.url, { Dataset: 'iris', 'Run name': name, Epochs: 5 });
    await openRun(first, name);
    await first.locator('#register-model').fill('shared-model');
    assert.match(await validate(first), /Every gate passed/);
    await first.locator('#register-run').click();
    await first.locator('.registered a').waitFor();
  }
  // Three tabs of one profile, each listing the registry before any of the changes below.
  const version = (number) => new URL(`/models/shared-model/${number}`, app.url).href;
  await first.goto(version(1));
  const second = await first.context().newPage();
  await second.goto(version(2));
  const third = await first.context().newPage();
  await third.goto(version(2));
  for (const tab of [first, second, third]) await tab.getByRole('heading', { name: /^shared-model v/ }).waitFor();

  const setAlias = async (tab, alias, reason) => {
    await tab.locator('#alias-name').fill(alias);
    await tab.locator('#alias-reason').fill(reason);
    await tab.locator('#set-alias').click();
  };
  await setAlias(first, 'champion', 'the first tab promotes v1');
  await first.locator('.version-notice', { hasText: "'champion' now points at v1." }).waitFor();
  await setAlias(second, 'staging', 'the second tab stages v2');
  await second.locator('.version-notice', { hasText: "'staging' now points at v2." }).waitFor();
  // The third tab still shows v2 without an alias; the stored v2 holds 'staging'.
  await third.locator('#archive-version').click();
  await third.locator('.version-notice .error', { hasText: 'v2 holds staging; move those aliases before archiving it; nothing was changed' }).waitFor();

  const fresh = await first.context().newPage();
  await fresh.goto(new URL('/models/shared-model', app.url).href);
  const history = fresh.locator('.alias-history tr.alias-change');
  await history.first().waitFor();
  const moves = await history.allTextContents();
  assert.equal(moves.length, 2, `${moves}`);
  assert.ok(moves.some((move) => /champion.*→ v1.*the first tab promotes v1/.test(move)), `${moves}`);
  assert.ok(moves.some((move) => /staging.*→ v2.*the second tab stages v2/.test(move)), `${moves}`);
  await fresh.goto(version(2));
  await fresh.getByRole('heading', { name: /^shared-model v2/ }).waitFor();
  assert.match(await fresh.locator('h1').textContent(), /staging/);
  assert.equal(await fresh.locator('#archive-version').textContent(), 'Archive', 'v2 was not archived');
  assert.deepEqual(first.errors, []);
});
