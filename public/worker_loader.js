// Starts the trainer worker: loads wasm-bindgen's glue (worker.js, built by Trunk) and then the
// trainer's wasm. A failed load only rejects a promise, which a worker does not report to the
// page; rethrowing it outside the promise fires the Worker's `error` event, which the UI shows.
importScripts('./worker.js');
wasm_bindgen({ module_or_path: './worker_bg.wasm' }).catch((error) => {
  setTimeout(() => {
    throw new Error(`the trainer's code could not be loaded (${error && error.message ? error.message : error})`);
  });
});
