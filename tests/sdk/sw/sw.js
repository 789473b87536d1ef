// A service worker serving the Letta API under /v1/ from letta-wasm, in the page's origin.
// Module service workers may not use top-level await, so this loads 'letta-wasm/slim' and calls
// init() on first use (the default entry initialises itself with top-level await).
import { init, Letta, createFetchHandler } from '/node_modules/letta-wasm/entry/slim.js';

let handler;
const ready = () =>
  (handler ??= init(new URL('/node_modules/letta-wasm/letta_wasm_bg.wasm', self.location.origin)).then(() =>
    createFetchHandler(new Letta(), { apiKey: 'sk-sw' }),
  ));

self.addEventListener('install', (event) => event.waitUntil(ready().then(() => self.skipWaiting())));
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname.startsWith('/v1/')) {
    event.respondWith(ready().then((serve) => serve(event.request)));
  }
});
