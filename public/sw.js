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
    if (request.mode === 'navigate') {
      return admitTrackingServer((await cache.match(PAGE)) ?? (await fetch(request)));
    }
    return (await cache.match(request, { ignoreSearch: true })) ?? fetch(request);
  })());
});

// The page's Content-Security-Policy lets it connect to its own origin only. When the person
// has saved an MLflow tracking URL in Settings (the `settings` store's `mlflow` record), the
// page is served with that one origin added to `connect-src`, so the sync can reach it and
// nothing else can. With no URL saved the page is served as built.
async function admitTrackingServer(page) {
  const origin = await trackingOrigin();
  if (!origin) return page;
  const html = await page.text();
  const admitted = html.replace("connect-src 'self'", `connect-src 'self' ${origin}`);
  return new Response(admitted, { status: page.status, statusText: page.statusText, headers: page.headers });
}

async function trackingOrigin() {
  try {
    const record = await readSetting('mlflow');
    const url = record && JSON.parse(record).tracking_url;
    if (!url) return null;
    const origin = new URL(url).origin;
    // Only a scheme, host and port: nothing that could end the directive or add a source.
    return /^https?:\/\/[A-Za-z0-9.\-:\[\]]+$/.test(origin) ? origin : null;
  } catch {
    return null;
  }
}

// Reads one record of the app's database without ever creating or upgrading it: that is the
// page's job, and an empty database made here would skip the page's schema steps.
function readSetting(key) {
  return new Promise((resolve) => {
    const opening = indexedDB.open('kindling');
    opening.onupgradeneeded = () => opening.transaction.abort();
    opening.onerror = () => resolve(null);
    opening.onsuccess = () => {
      const database = opening.result;
      if (!database.objectStoreNames.contains('settings')) {
        database.close();
        resolve(null);
        return;
      }
      const read = database.transaction('settings').objectStore('settings').get(key);
      read.onsuccess = () => { database.close(); resolve(read.result ?? null); };
      read.onerror = () => { database.close(); resolve(null); };
    };
  });
}
