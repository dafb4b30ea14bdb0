/* Registers the service worker named by this script's data-service-worker attribute. */
"use strict";
(function () {
  const script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) {
    return;
  }
  const url = script.dataset.serviceWorker;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {
      /* the site works without it */
    });
  });
})();
