// The visit log form: check-in on request, one-tap revisit dates, one submission at a time.
// No inline scripts (CSP): every text shown comes from data- attributes the template
// renders in the user's language.
(() => {
  "use strict";

  const form = document.getElementById("visit-form");
  if (!form) return;

  // --- Check in: ask for the location only when the user taps (the browser asks consent).
  const checkin = form.querySelector("[data-checkin]");
  if (checkin) {
    const button = checkin.querySelector("[data-checkin-button]");
    const label = checkin.querySelector("[data-checkin-label]");
    const status = checkin.querySelector("[data-checkin-status]");
    const latitude = form.querySelector("[data-checkin-latitude]");
    const longitude = form.querySelector("[data-checkin-longitude]");
    const accuracy = form.querySelector("[data-checkin-accuracy]");
    const texts = checkin.dataset;

    const show = (text, tone) => {
      status.textContent = text;
      status.classList.remove("text-success", "text-warning-emphasis", "text-body-secondary");
      status.classList.add(tone);
    };
    const clear = () => {
      latitude.value = "";
      longitude.value = "";
      accuracy.value = "";
    };
    const showDone = () => {
      show(
        texts.done
          .replace("{latitude}", latitude.value)
          .replace("{longitude}", longitude.value)
          .replace("{accuracy}", accuracy.value || "?"),
        "text-success",
      );
      label.textContent = texts.again;
      button.classList.replace("btn-outline-primary", "btn-outline-success");
    };

    if (latitude.value && longitude.value) showDone(); // kept after a form error

    button.addEventListener("click", () => {
      if (!("geolocation" in navigator) || !window.isSecureContext) {
        show(texts.unavailable, "text-warning-emphasis");
        return;
      }
      button.disabled = true;
      show(texts.locating, "text-body-secondary");
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const { coords } = position;
          latitude.value = coords.latitude.toFixed(6);
          longitude.value = coords.longitude.toFixed(6);
          accuracy.value = Number.isFinite(coords.accuracy) ? Math.round(coords.accuracy) : "";
          button.disabled = false;
          showDone();
        },
        (error) => {
          clear(); // never save a stale or partial location
          button.disabled = false;
          const denied = error && error.code === error.PERMISSION_DENIED;
          show(denied ? texts.denied : texts.failed, "text-warning-emphasis");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
  }

  // --- One tap for the usual revisit dates.
  form.addEventListener("click", (event) => {
    const shortcut = event.target.closest("[data-revisit]");
    if (!shortcut) return;
    const input = document.getElementById(shortcut.dataset.revisitTarget);
    if (!input) return;
    input.value = shortcut.dataset.revisit;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    form.querySelectorAll("[data-revisit]").forEach((other) => {
      other.classList.toggle("active", other === shortcut);
      other.setAttribute("aria-pressed", String(other === shortcut));
    });
  });

  // --- One submission at a time. The hidden client_key makes a resubmission harmless
  // anyway; this only spares the user a double tap.
  const submit = form.querySelector("[data-submit]");
  if (submit) {
    const original = submit.innerHTML;
    form.addEventListener("submit", () => {
      submit.disabled = true;
      submit.textContent = form.dataset.saving;
      // On a flaky phone network the user may need to try again: allow it after a while.
      window.setTimeout(() => {
        submit.disabled = false;
        submit.innerHTML = original;
      }, 10000);
    });
    // Coming back with the browser's Back button restores the page from its cache.
    window.addEventListener("pageshow", () => {
      submit.disabled = false;
      submit.innerHTML = original;
    });
  }
})();
