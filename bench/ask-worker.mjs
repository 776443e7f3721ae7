// One `Bench` request to a fresh trainer worker, as every browser-side measurement of
// `cargo xtask bench` makes it: in a fresh page (from `opener`: the e2e harness's app, or one
// browser profile), the trainer started as the app starts it, the request sent once it says
// Ready. Resolves to the reply (`{ Workload: … }`, `{ Trip: … }`, …); a failure is thrown.
//
// `lingerMs` keeps the worker open after its reply: Chromium stores the code V8 optimised only
// for a worker that lives on a little, as the app's trainer does for the whole visit.
// `isolated` refuses a page that is not cross-origin isolated (the threaded trainer).
export async function askWorker(opener, appUrl, request, { lingerMs = 0, isolated = false } = {}) {
  const page = await opener.newPage();
  await page.goto(new URL('/about', appUrl).href);
  const reply = await page.evaluate(([message, linger, mustBeIsolated]) => new Promise((resolve, reject) => {
    if (mustBeIsolated && !self.crossOriginIsolated) reject(new Error('the page is not cross-origin isolated'));
    const worker = new Worker('/worker_loader.js');
    worker.onerror = (event) => reject(new Error(event.message || 'the trainer did not load'));
    worker.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data?.Ready) worker.postMessage(message);
      else if (data?.Crashed) reject(new Error(data.Crashed.message));
      else if (data?.Bench) {
        setTimeout(() => {
          worker.terminate();
          resolve(data.Bench);
        }, linger);
      }
    };
  }), [JSON.stringify({ Bench: request }), lingerMs, isolated]);
  await page.close();
  if (reply.Failed) throw new Error(reply.Failed);
  return reply;
}
