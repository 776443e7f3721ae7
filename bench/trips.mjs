// What crossing the worker boundary costs (`cargo xtask bench`, or alone: `node bench/trips.mjs`):
// a 50 MB dataset (as the page sends one to train on) and a 1 MB package (as the worker answers
// one), each encoded, posted through a MessageChannel, received and decoded inside the trainer
// worker, in the app's codec (JSON beside transferred ArrayBuffers) and as one JSON string (how
// messages crossed before). The fastest of three trips per request, three requests.
import { fileURLToPath } from 'node:url';
import { startApp } from '../tests/e2e/kindling.mjs';
import { askWorker } from './ask-worker.mjs';

const PAYLOADS = [{ Dataset: { megabytes: 50 } }, { Package: { megabytes: 1 } }];
const CODECS = ['Json', 'Wire'];
const REQUESTS = 3;

async function tripInWorker(app, request) {
  const reply = await askWorker(app, app.url, { Trip: request });
  return reply.Trip;
}

export async function tripBench() {
  const app = await startApp();
  const trips = [];
  try {
    for (let rep = 0; rep < REQUESTS; rep += 1) {
      for (const payload of PAYLOADS) {
        for (const codec of CODECS) trips.push(await tripInWorker(app, { payload, codec }));
      }
    }
  } finally {
    await app.close();
  }
  return trips;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export function printTripBench(trips) {
  console.log(`\nworker boundary: one message's trip inside the worker, median of ${REQUESTS} (ms)`);
  console.log(['payload', 'codec', 'send', 'receive', 'total'].map((h, i) => (i < 2 ? h.padEnd(16) : h.padStart(10))).join(''));
  for (const payload of PAYLOADS) {
    const [kind] = Object.keys(payload);
    const label = `${kind} ${payload[kind].megabytes} MB`;
    for (const codec of CODECS) {
      const mine = trips.filter((t) => t.codec === codec && t.payload[kind]);
      const cells = ['send_ms', 'receive_ms', 'total_ms'].map((key) => median(mine.map((t) => t[key])).toFixed(1).padStart(10));
      console.log([label.padEnd(16), (codec === 'Wire' ? 'transferred' : 'one JSON string').padEnd(16), ...cells].join(''));
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printTripBench(await tripBench());
