// Starts the trainer as the page starts, before the UI's own wasm has loaded, on the pages where
// a person trains (the Train page is the home page): the trainer's download and V8's compile
// of it then overlap the UI's, instead of beginning when the Train page is drawn. The UI adopts
// this worker for its first trainer (`platform::worker::WorkerLink::spawn_trainer`), with what
// it said meanwhile: a worker's messages are not kept for a listener that comes later.
(() => {
  const path = location.pathname.replace(/\/+$/, '');
  if (path !== '') return;
  const worker = new Worker('/worker_loader.js');
  const early = { worker, messages: [], error: null };
  worker.onmessage = (event) => early.messages.push(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    early.error = event.message || 'its code could not be loaded';
  };
  self.__kindlingTrainer = early;
})();
