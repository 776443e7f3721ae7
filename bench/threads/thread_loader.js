// A pool thread of the threaded trainer (kindling-worker's `threads` feature; see
// BENCHMARKS.md): loads the trainer's module on the shared memory the trainer sends, says it is
// ready, and runs the share of the work rayon gives it. The marker keeps the module's `main`
// from starting a second message pump here.
self.__kindlingThread = true;
importScripts('./worker.js');
self.onmessage = async (event) => {
  const [module, memory, work] = event.data;
  await wasm_bindgen({ module_or_path: module, memory });
  self.postMessage('ready');
  wasm_bindgen.kindling_thread_entry(work);
};
