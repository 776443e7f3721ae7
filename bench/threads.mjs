// Kindling's trainer on more than one core, measured (BENCHMARKS.md, "more than one core for
// one run"). Builds the trainer with kindling-worker's `threads` feature (nightly Rust, std
// rebuilt with atomics; rayon's pool threads are Web Workers on the trainer's shared memory)
// into target/dist-threads, a copy of dist/ with that trainer and bench/threads/thread_loader.js;
// then trains W1-W3 on both backends in a cross-origin isolated page, single-threaded (dist/)
// and threaded, alternating, and prints the medians. Run `cargo xtask dist` first.
//
//   node bench/threads.mjs [--reps=3] [--skip-build] [--no-code-cache]   (--reps=0: build only)
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startApp } from '../tests/e2e/kindling.mjs';
import { askWorker } from './ask-worker.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, value] = arg.replace(/^--/, '').split('=');
  return [key, value ?? true];
}));
const REPS = Number(args.reps ?? 3);
const THREADED_DIST = join(ROOT, 'target', 'dist-threads');
const TARGET_DIR = join(ROOT, 'target', 'threads');
const WORKLOADS = ['W1 spiral-mlp', 'W2 mnist-mlp', 'W3 digits-cnn'];
const BACKENDS = ['NdArray', 'Flex'];

function run(command, commandArgs, env = {}) {
  execFileSync(command, commandArgs, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
}

/** The threaded trainer, next to a copy of the release build's other files. */
function build() {
  run('cargo', ['+nightly', 'build', '-Z', 'build-std=panic_abort,std', '--target', 'wasm32-unknown-unknown',
    '--release', '-p', 'kindling-worker', '--bin', 'worker', '--features', 'threads', '--target-dir', TARGET_DIR], {
    // Atomics alone leave the memory unshared: the linker is told to share, import and bound it,
    // and to export what wasm-bindgen sets each thread's storage up with.
    RUSTFLAGS: ['-C target-feature=+simd128,+atomics,+bulk-memory,+mutable-globals', '-C link-arg=--shared-memory',
      '-C link-arg=--import-memory', '-C link-arg=--max-memory=2147483648', '-C link-arg=--export=__wasm_init_tls',
      '-C link-arg=--export=__tls_size', '-C link-arg=--export=__tls_align', '-C link-arg=--export=__tls_base'].join(' '),
  });
  rmSync(THREADED_DIST, { recursive: true, force: true });
  cpSync(join(ROOT, 'dist'), THREADED_DIST, { recursive: true });
  run('wasm-bindgen', ['--target', 'no-modules', '--no-typescript', '--out-dir', THREADED_DIST, '--out-name', 'worker',
    join(TARGET_DIR, 'wasm32-unknown-unknown', 'release', 'worker.wasm')]);
  const wasm = join(THREADED_DIST, 'worker_bg.wasm');
  run(join(ROOT, 'node_modules', '.bin', 'wasm-opt'), ['-O3', '--enable-simd', '--enable-threads', '--enable-bulk-memory',
    '--enable-mutable-globals', '--enable-nontrapping-float-to-int', '--enable-sign-ext', wasm, '-o', wasm]);
  cpSync(join(ROOT, 'bench', 'threads', 'thread_loader.js'), join(THREADED_DIST, 'thread_loader.js'));
  const sizes = (file) => `${statSync(file).size} B, ${gzipSync(readFileSync(file)).length} B gzip`;
  console.error(`threaded trainer: ${sizes(wasm)}; single-threaded: ${sizes(join(ROOT, 'dist', 'worker_bg.wasm'))}`);
}


if (!args['skip-build']) build();
if (REPS === 0) process.exit(0);
const sides = { single: await startApp({ dist: join(ROOT, 'dist'), isolated: true }), threaded: await startApp({ dist: THREADED_DIST, isolated: true }) };
const runs = [];
try {
  // One profile per side, as `bench/run.mjs` keeps: the service worker serves the trainer from
  // its cache (keeping the isolation headers it was fetched with), so Chromium's code cache
  // serves later runs V8's optimised code. `--no-code-cache` blocks the service worker: every
  // run then starts in V8's baseline tier, as on a first visit.
  const options = args['no-code-cache'] ? { serviceWorkers: 'block' } : {};
  const contexts = Object.fromEntries(await Promise.all(Object.entries(sides).map(async ([side, app]) =>
    [side, await app.newContext(options)])));
  for (let rep = 1; rep <= REPS; rep += 1) {
    for (const id of WORKLOADS) {
      for (const backend of BACKENDS) {
        for (const side of Object.keys(sides)) {
          const { Workload: result } = await askWorker(contexts[side], sides[side].url, { Workload: { id, backend } }, { lingerMs: 2000, isolated: true });
          runs.push({ side, workload: id, backend, rep, samples_per_s: result.samples_per_s });
          console.error(JSON.stringify(runs.at(-1)));
        }
      }
    }
  }
} finally {
  await Promise.all(Object.values(sides).map((app) => app.close()));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`\nTrainer in a cross-origin isolated page, median of ${REPS} (samples/s)`);
console.log(['workload', 'backend', 'single', 'threaded', 'ratio'].map((h, i) => (i < 2 ? h.padEnd(16) : h.padStart(10))).join(''));
for (const id of WORKLOADS) {
  for (const backend of BACKENDS) {
    const rate = (side) => median(runs.filter((r) => r.side === side && r.workload === id && r.backend === backend).map((r) => r.samples_per_s));
    const [single, threaded] = [rate('single'), rate('threaded')];
    console.log([id.padEnd(16), backend.padEnd(16), single.toFixed(0).padStart(10), threaded.toFixed(0).padStart(10), (threaded / single).toFixed(2).padStart(10)].join(''));
  }
}
