/* Registers the service worker named by this script's data-service-worker attribute,
 * and tells it when the user signs out (a form marked data-sign-out). */
"use strict";
(function () {
  const script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) {
    return;
  }
  const url = script.dataset.serviceWorker;
  // Signing out: the worker forgets the visit form and the accounts kept for offline use.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.matches && form.matches("form[data-sign-out]") && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "signed-out" });
    }
  });
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {
      /* the site works without it */
    });
  });
})();
