// Kindling's service worker: after one visit the whole app (page, UI, trainer, bundled
// datasets) comes from this build's cache, so it opens and trains with the network off.
//
// `cargo xtask finish-dist` (Trunk's post-build hook) fills in BUILD and PRECACHE, so every
// build is a different service worker: the browser installs it beside the running one, the page
// says "reload to update", and only then does the new build take over. A tab never mixes files
// from two builds, and never stays on an old one once the person has reloaded to update.
const BUILD = '__KINDLING_BUILD__';
const PRECACHE = ['__KINDLING_PRECACHE__'];

const PREFIX = 'kindling-';
const CACHE = `${PREFIX}${BUILD}`;
// Every address the single-page app routes (/runs, /models/x) is answered with its page.
const PAGE = './';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll([PAGE, ...PRECACHE].map((path) => new Request(path, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// The page asks a waiting build to take over when the person chooses to reload.
self.addEventListener('message', (event) => {
  if (event.data === 'activate-update') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = request.mode === 'navigate'
      ? await cache.match(PAGE)
      : await cache.match(request, { ignoreSearch: true });
    return cached ?? fetch(request);
  })());
});
