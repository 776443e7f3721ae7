// `cargo xtask bench`: Kindling's trainer in its real Web Worker (the release build in dist/),
// TensorFlow.js 4.22 (cpu and wasm backends, bench/tfjs) in the same headless Chromium, and the
// same Burn code natively, on the workloads of WORKLOADS.md. Prints medians and the ratios the
// performance issue asks for, and writes every measurement to bench-results/<time>.json.
//
//   node bench/run.mjs [--reps=3] [--skip-tfjs] [--skip-native] [--skip-pipelines] [--skip-monitor]
//                      [--skip-serve] [--skip-first-epoch] [--skip-trips] [--first-visit]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from '../tests/e2e/kindling.mjs';
import { askWorker } from './ask-worker.mjs';
import { firstEpochBench, printFirstEpochBench } from './first-epoch.mjs';
import { monitorBench, printMonitorBench } from './monitor.mjs';
import { pipelineBench, printPipelineBench } from './pipelines.mjs';
import { printServeBench, serveBench } from './serve.mjs';
import { printTripBench, tripBench } from './trips.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, value] = arg.replace(/^--/, '').split('=');
  return [key, value ?? true];
}));
const REPS = Number(args.reps ?? 3);
const WORKLOADS = [
  { id: 'W1 spiral-mlp', tfjs: 'spiral-mlp' },
  { id: 'W2 mnist-mlp', tfjs: 'mnist-mlp' },
  // TF.js's wasm backend cannot train the plain convolution (no Conv2DBackpropFilter kernel);
  // its im2col variant is the same maths, so it stands in for W3 as the harness does.
  { id: 'W3 digits-cnn', tfjs: 'digits-cnn', tfjsWasm: 'digits-cnn-im2col' },
];
const BACKENDS = ['NdArray', 'Flex'];
/** Each Kindling run in a browser profile of its own, as on a first visit (see `askTrainer`). */
const FIRST_VISIT = Boolean(args['first-visit']);
/**
 * How long a worker stays open after its reply, on both sides: 1 s was enough for Chromium to
 * store V8's optimised code in trials. A first visit stores nothing for later runs to use.
 */
const WORKER_LINGER_MS = FIRST_VISIT ? 0 : 2000;
/**
 * FLOPs per W2 sample, as kindling_ml::bench counts them: 4 per first-layer weight (forward 2,
 * weight gradient 2: the data needs no gradient) and 6 per second-layer weight.
 */
const W2_FLOPS_PER_SAMPLE = 4 * 784 * 128 + 6 * 128 * 10;
/**
 * What one core of this machine can do with SIMD128 per cycle. Its Xeon is a Golden Cove-class
 * core (AMX and AVX512-FP16 flags): 128-bit multiplies issue on ports 0 and 1 and adds on ports
 * 1 and 5, so a 1:1 mix of f32x4 multiplies and adds (wasm SIMD128 has no fused multiply-add,
 * and V8 may not fuse them) starts three operations a cycle: 12 FLOPs. Haswell to Ice Lake
 * cores have two such ports: 8.
 */
const SIMD128_FLOPS_PER_CYCLE = 3 * 4;
/** The nominal clock: Node's, or /proc/cpuinfo's on a VM where Node reports 0. */
function nominalMhz() {
  const speed = cpus()[0]?.speed;
  if (speed) return speed;
  try {
    return Number(readFileSync('/proc/cpuinfo', 'utf8').match(/cpu MHz\s*:\s*([\d.]+)/)[1]);
  } catch {
    return Number.NaN;
  }
}
/** A module of one `f32x4.relaxed_madd`: whether the browser has relaxed SIMD. */
const RELAXED_SIMD_PROBE = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b,
  3, 2, 1, 0, 10, 13, 1, 11, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02, 0x0b];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * One request to a fresh trainer worker in a fresh page of `context`; resolves to its `Bench`
 * reply. `context` is one browser profile for all of Kindling's runs, as the TF.js harness keeps
 * one for its own: once Chromium has stored the code V8 optimised in earlier loads, a new worker
 * starts from it instead of V8's baseline compiler, as it does for a person coming back to the
 * app. `--first-visit` gives each of Kindling's runs a profile of its own (the TF.js harness
 * keeps its one profile).
 */
async function askTrainer(app, context, request) {
  const opener = FIRST_VISIT ? await app.newContext() : context;
  return askWorker(opener, app.url, request, { lingerMs: WORKER_LINGER_MS });
}

async function browserSide() {
  const app = await startApp();
  const context = await app.newContext();
  const runs = [];
  try {
    const probe = await app.newPage();
    await probe.goto(app.url);
    runs.push({ side: 'relaxed-simd', available: await probe.evaluate((bytes) => WebAssembly.validate(new Uint8Array(bytes)), RELAXED_SIMD_PROBE) });
    await probe.close();
    // Repetition is the outer loop, to spread machine noise over every configuration.
    for (let rep = 1; rep <= REPS; rep += 1) {
      for (const { id } of WORKLOADS) {
        for (const backend of BACKENDS) {
          const { Workload: result } = await askTrainer(app, context, { Workload: { id, backend } });
          const run = { side: 'kindling-browser', workload: id, backend, rep, samples_per_s: result.samples_per_s };
          console.error(JSON.stringify(run));
          runs.push(run);
        }
      }
      const { SimdPeak: peak } = await askTrainer(app, context, 'SimdPeak');
      runs.push({ side: 'simd-peak', rep, gflops: peak.gflops });
      console.error(JSON.stringify(runs.at(-1)));
    }
  } finally {
    await app.close();
  }
  return runs;
}

function nativeSide() {
  const output = execFileSync('cargo', ['run', '--release', '-q', '-p', 'kindling-ml', '--example', 'bench'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

function tfjsSide() {
  const out = join(ROOT, 'bench-results', `tfjs-${Date.now()}.jsonl`);
  const workloads = [...new Set(WORKLOADS.flatMap((w) => [w.tfjs, w.tfjsWasm].filter(Boolean)))];
  const result = spawnSync('node', ['run.mjs', `--reps=${REPS}`, '--modes=loop', '--backends=cpu,wasm', `--linger-ms=${WORKER_LINGER_MS}`,
    `--workloads=${workloads.join(',')}`, `--out=${out}`], { cwd: join(ROOT, 'bench', 'tfjs'), stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0 && result.status !== 1) throw new Error(`the TF.js harness failed (exit ${result.status})`);
  return readFileSync(out, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
const started = new Date();
const browser = await browserSide();
const native = args['skip-native'] ? [] : nativeSide();
const tfjs = args['skip-tfjs'] ? [] : tfjsSide();
const pipelines = args['skip-pipelines'] ? null : await pipelineBench();
const monitor = args['skip-monitor'] ? null : await monitorBench();
const serving = args['skip-serve'] ? null : await serveBench();
const firstEpoch = args['skip-first-epoch'] ? null : await firstEpochBench();
const trips = args['skip-trips'] ? null : await tripBench();

const rate = (runs) => (runs.length ? median(runs.map((r) => r.samples_per_s)) : Number.NaN);
const rows = WORKLOADS.map(({ id, tfjs: tfjsId, tfjsWasm }) => {
  const kindling = Object.fromEntries(BACKENDS.map((backend) => [backend,
    rate(browser.filter((r) => r.side === 'kindling-browser' && r.workload === id && r.backend === backend))]));
  const best = Math.max(...Object.values(kindling));
  const nativeBest = Math.max(...BACKENDS.map((backend) =>
    rate(native.filter((r) => r.workload === id && r.backend === backend))));
  const tf = (backend, workload) => rate(tfjs.filter((r) => r.workload === workload && r.backend === backend && r.status === 'ok'));
  const tfCpu = tf('cpu', tfjsId);
  const tfWasm = Math.max(tf('wasm', tfjsId) || 0, tfjsWasm ? tf('wasm', tfjsWasm) : 0) || Number.NaN;
  return { id, kindling, best, nativeBest, tfCpu, tfWasm };
});
const peak = median(browser.filter((r) => r.side === 'simd-peak').map((r) => r.gflops));
const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

const profile = FIRST_VISIT ? 'a fresh browser profile per Kindling run' : 'one browser profile per side';
console.log(`\nTraining throughput, median of ${REPS} (samples/s; Chromium worker unless "native"; ${profile})`);
console.log(['workload', 'ndarray', 'flex', 'tfjs-cpu', 'tfjs-wasm', 'native', '/tfjs-wasm', '/tfjs-cpu', 'wasm/native']
  .map((h, i) => (i === 0 ? h.padEnd(15) : h.padStart(12))).join(''));
for (const row of rows) {
  console.log([row.id.padEnd(15), ...[row.kindling.NdArray, row.kindling.Flex, row.tfCpu, row.tfWasm, row.nativeBest].map((v) => fixed(v).padStart(12)),
    ...[row.best / row.tfWasm, row.best / row.tfCpu, row.best / row.nativeBest].map((v) => fixed(v, 2).padStart(12))].join(''));
}
const w2 = rows.find((row) => row.id.startsWith('W2'));
const w2Gflops = (w2.best * W2_FLOPS_PER_SAMPLE) / 1e9;
const mhz = nominalMhz();
const relaxed = browser.find((r) => r.side === 'relaxed-simd')?.available;
console.log(`\nW2 achieves ${fixed(w2Gflops, 2)} GFLOP/s; this worker's f32x4 multiply-add peak (16 chains) is ${fixed(peak, 2)} GFLOP/s (${fixed((100 * w2Gflops) / peak, 0)} %).`);
console.log(`The peak is ${fixed((peak * 1000) / mhz, 1)} FLOP/cycle at the nominal ${fixed(mhz)} MHz; this core's SIMD128 ceiling is ${SIMD128_FLOPS_PER_CYCLE} (3 multiply/add ports × 4 lanes), reached at ${fixed(peak / SIMD128_FLOPS_PER_CYCLE, 2)} GHz: the loop is at the ceiling if the core turbos that high.`);
console.log(`Relaxed SIMD (a fused f32x4 multiply-add, 2× the ceiling): ${relaxed ? 'available in this Chromium' : 'not available'}; not used: the trainer is built for SIMD128 only, so it loads in every browser.`);

if (pipelines) printPipelineBench(pipelines);
if (monitor) printMonitorBench(monitor);
if (serving) printServeBench(serving);
if (firstEpoch) printFirstEpochBench(firstEpoch);
if (trips) printTripBench(trips);

const file = join(ROOT, 'bench-results', `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({
  started: started.toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
  repetitions: REPS,
  first_visit: FIRST_VISIT,
  summary: rows,
  w2_gflops: w2Gflops,
  simd_peak_gflops: peak,
  simd_peak_flops_per_nominal_cycle: (peak * 1000) / nominalMhz(),
  relaxed_simd_available: browser.find((r) => r.side === 'relaxed-simd')?.available,
  runs: { browser, native, tfjs },
  pipelines,
  monitor,
  serving,
  first_epoch: firstEpoch,
  trips,
}, null, 2));
console.log(`raw results: ${file}`);
