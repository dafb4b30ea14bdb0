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
 * - everything else (API, downloads, posts): the network, untouched.
 */
/* global KAM_VERSION, KAM_PRECACHE, KAM_STATIC_PREFIX, KAM_STATIC_IMMUTABLE, KAM_OFFLINE_URL */
"use strict";

const CACHE = "kam-shell-" + KAM_VERSION;

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
