// What the release build ships: the UI never carries Burn, the trainer never carries Leptos.
// Panic locations keep crate paths (e.g. ".../burn-tensor-0.22.1/src/...") in the binary even
// after wasm-opt strips names, so a crate that was linked leaves its name behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST } from './kindling.mjs';

const wasm = (prefix) => {
  const name = readdirSync(DIST).find((f) => f.startsWith(prefix) && f.endsWith('_bg.wasm'));
  assert.ok(name, `no ${prefix}*_bg.wasm in ${DIST}`);
  return readFileSync(join(DIST, name));
};

test('the UI wasm contains no Burn and the trainer wasm no Leptos', (t) => {
  const ui = wasm('kindling-');
  const trainer = wasm('worker');
  assert.ok(trainer.includes('burn-tensor'), 'the check can see a linked crate');
  assert.ok(ui.includes('leptos'), 'the check can see a linked crate');
  assert.ok(!ui.includes('burn-'), 'the UI wasm links Burn');
  assert.ok(!trainer.includes('leptos'), 'the trainer wasm links Leptos');
  t.diagnostic(`gzip: UI ${(gzipSync(ui, { level: 9 }).length / 1024).toFixed(0)} KiB, ` +
    `trainer ${(gzipSync(trainer, { level: 9 }).length / 1024).toFixed(0)} KiB`);
});

test('the first load carries the shell and the Train form: the rest is in one chunk fetched as the app starts', (t) => {
  const ui = wasm('kindling-');
  const chunks = readdirSync(DIST).filter((f) => f.startsWith('split_') && f.endsWith('.wasm'));
  assert.equal(chunks.length, 1, `one chunk, found ${chunks}`);
  const pages = readFileSync(join(DIST, chunks[0]));
  assert.ok(ui.includes('Train a model'), 'the Train page is in the first load');
  // Text that only each part uses: the other pages, a run's charts on the Train page, the
  // stores, the CSV reader and the worker protocol's JSON.
  for (const text of ['About Kindling', 'Compare runs', 'Back to typical values', 'Decision boundary',
    'IndexedDB is not available', 'opens a quoted field that is never closed',
    'the trainer sent a message this page does not understand']) {
    assert.ok(pages.includes(text), `"${text}" is in the chunk`);
    assert.ok(!ui.includes(text), `"${text}" is in the first load`);
  }
  const firstLoad = readdirSync(DIST)
    .filter((f) => f === 'index.html' || f.endsWith('.css') || /^kindling-.*(\.js|_bg\.wasm)$/.test(f))
    .reduce((sum, f) => sum + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length, 0);
  t.diagnostic(`first load: ${firstLoad.toLocaleString('en')} B gzip; chunk ` +
    `${gzipSync(pages, { level: 9 }).length.toLocaleString('en')} B gzip, fetched as the app starts`);
});
