/* KAM's service worker: installable app, shell and static files from the cache.
 *
 * Served at /sw.js (scope "/") by attachments.pwa.service_worker, which puts two
 * constants before this file: KAM_VERSION (changes with the files listed) and
 * KAM_PRECACHE (the shell: styles, scripts, icons and the offline page).
 * - static files: with content-hashed names (KAM_STATIC_IMMUTABLE, production) from the
 *   cache, else the network (then kept); with plain names (development) from the
 *   network, the cache only when it fails;
 * - pages: always the network (they are the user's data, scoped per user); when it
 *   fails, the offline page from the cache;
 * - the visit form (KAM_VISIT_FORM_URL, whatever its query): the network, its last copy
 *   kept in PAGES and served when the network fails, so a visit can be logged offline;
 * - everything else (API, downloads, posts): the network, untouched.
 * Visits saved offline wait in IndexedDB (visit-queue.js, imported here): a Background
 * Sync sends them; a page tells the worker when its user signs out, and the copy of the
 * form and the kept accounts and contacts are forgotten.
 */
/* global KAM_VERSION, KAM_PRECACHE, KAM_STATIC_PREFIX, KAM_STATIC_IMMUTABLE, KAM_OFFLINE_URL,
   KAM_VISIT_FORM_URL, KAM_QUEUE_SCRIPT, KAMVisitQueue */
"use strict";

const CACHE = "kam-shell-" + KAM_VERSION;
const PAGES = "kam-pages";
importScripts(KAM_QUEUE_SCRIPT);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(KAM_PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((key) => key.startsWith("kam-shell-") && key !== CACHE).map((key) => caches.delete(key))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith(KAM_STATIC_PREFIX)) {
    event.respondWith(KAM_STATIC_IMMUTABLE ? cacheFirst(request) : networkFirst(request));
    return;
  }
  if (request.mode === "navigate" && url.pathname === KAM_VISIT_FORM_URL) {
    event.respondWith(visitForm(request));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.match(KAM_OFFLINE_URL).then((hit) => hit || Response.error()))
    );
  }
});

function keep(cache, request, response) {
  if (response.ok) {
    cache.put(request, response.clone());
  }
  return response;
}

function cacheFirst(request) {
  return caches.open(CACHE).then((cache) =>
    cache.match(request).then((hit) => hit || fetch(request).then((response) => keep(cache, request, response)))
  );
}

function networkFirst(request) {
  return caches.open(CACHE).then((cache) =>
    fetch(request)
      .then((response) => keep(cache, request, response))
      .catch(() => cache.match(request).then((hit) => hit || Response.error()))
  );
}

function visitForm(request) {
  return caches.open(PAGES).then((cache) =>
    fetch(request)
      .then((response) => {
        // the form itself, not a sign-in page it was redirected to
        if (response.ok && !response.redirected) {
          cache.put(KAM_VISIT_FORM_URL, response.clone());
        }
        return response;
      })
      .catch(() =>
        cache
          .match(KAM_VISIT_FORM_URL)
          .then((hit) => hit || caches.match(KAM_OFFLINE_URL))
          .then((hit) => hit || Response.error())
      )
  );
}

function tellPages() {
  return self.clients
    .matchAll({ includeUncontrolled: true })
    .then((clients) => clients.forEach((client) => client.postMessage({ type: KAMVisitQueue.SYNC_TAG })));
}

self.addEventListener("sync", (event) => {
  if (event.tag !== KAMVisitQueue.SYNC_TAG) {
    return;
  }
  event.waitUntil(
    KAMVisitQueue.sendAll(null).then((results) =>
      tellPages().then(() => {
        if (results.includes("offline")) {
          throw new Error("no network yet"); // the browser tries the sync again later
        }
      })
    )
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "signed-out") {
    event.waitUntil(Promise.all([caches.delete(PAGES), KAMVisitQueue.store.forgetChoices()]));
  }
});
