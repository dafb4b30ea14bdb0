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
    // How far the check-in is from the chosen account's address: the same great-circle
    // distance and wording as accounts/geo.py ("110 m", "2.4 km"), never raw coordinates.
    const accountChoice = form.querySelector("select[name=account]");
    const radians = (degrees) => (Number(degrees) * Math.PI) / 180;
    const distanceM = (lat1, lon1, lat2, lon2) => {
      const [a1, o1, a2, o2] = [lat1, lon1, lat2, lon2].map(radians);
      const h = Math.sin((a2 - a1) / 2) ** 2 + Math.cos(a1) * Math.cos(a2) * Math.sin((o2 - o1) / 2) ** 2;
      return 2 * 6371000 * Math.asin(Math.sqrt(h));
    };
    const distanceLabel = (metres) => {
      if (metres < 1000) return texts.metres.replace("{n}", String(Math.round(metres / 10) * 10));
      const kilometres = metres / 1000;
      const digits = kilometres < 10 ? 1 : 0;
      const number = new Intl.NumberFormat("en-US", {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
        useGrouping: false,
      }).format(kilometres);
      return texts.kilometres.replace("{n}", number);
    };
    const placeText = () => {
      const option = accountChoice && accountChoice.selectedOptions[0];
      const near = option && option.dataset.latitude && option.dataset.longitude;
      const text = accuracy.value ? (near ? texts.doneNear : texts.done) : near ? texts.donePlainNear : texts.donePlain;
      const distance = near
        ? distanceLabel(distanceM(latitude.value, longitude.value, option.dataset.latitude, option.dataset.longitude))
        : "";
      return text.replace("{accuracy}", accuracy.value).replace("{distance}", distance);
    };
    const showDone = () => {
      show(placeText(), "text-success");
      label.textContent = texts.again;
      button.classList.replace("btn-outline-primary", "btn-outline-success");
    };
    if (accountChoice) {
      accountChoice.addEventListener("change", () => {
        if (latitude.value && longitude.value) showDone();
      });
    }

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

  // --- Offline (visit-queue.js keeps the data): the accounts and contacts are kept on
  // the phone whenever the form opens with a network; without one, the contacts come
  // from there and "Save" puts the visit, with its photos, in the queue.
  const queue = window.KAMVisitQueue;
  const user = Number(form.dataset.user);
  const accountSelect = form.querySelector("select[name=account]");
  const occurred = form.querySelector("input[name=occurred_at]");
  const contactsBox = document.getElementById("visit-contacts");
  const pad = (n) => String(n).padStart(2, "0");
  const localNow = (seconds) => {
    const d = new Date();
    const minutes = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return seconds ? `${minutes}:${pad(d.getSeconds())}` : minutes;
  };
  // A form from the phone's cache says "now" as of when it was cached: now is now.
  if (occurred && !navigator.onLine) occurred.value = localNow(false);
  let prefilled = occurred ? occurred.value : "";

  if (queue && navigator.onLine && form.dataset.offlineChoices) {
    fetch(form.dataset.offlineChoices, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => (data && data.user === user ? queue.store.keepChoices(data) : null))
      .then(() => queue.render())
      .catch(() => undefined);
  }

  const note = (text) => {
    const div = document.createElement("div");
    div.className = "kam-empty-note text-body-secondary small";
    div.textContent = text;
    return div;
  };
  const offlineContacts = () => {
    if (!queue || !contactsBox) return;
    const id = Number(accountSelect && accountSelect.value);
    if (!id) {
      contactsBox.replaceChildren(note(form.dataset.chooseAccount));
      return;
    }
    queue.store.choices(user).then((data) => {
      const account = data && data.accounts.find((a) => a.id === id);
      if (!account) {
        contactsBox.replaceChildren(note(form.dataset.noOfflineContacts));
        return;
      }
      if (!account.contacts.length) {
        contactsBox.replaceChildren(note(form.dataset.noContacts));
        return;
      }
      const group = document.createElement("div");
      group.className = "list-group kam-check-list";
      account.contacts.forEach((contact) => {
        const label = document.createElement("label");
        label.className = "list-group-item d-flex align-items-center gap-3";
        label.htmlFor = `visit-contact-${contact.id}`;
        const box = document.createElement("input");
        box.className = "form-check-input flex-shrink-0 m-0";
        box.type = "checkbox";
        box.name = "contacts";
        box.value = String(contact.id);
        box.id = label.htmlFor;
        const text = document.createElement("span");
        text.className = "flex-grow-1 min-w-0";
        const name = document.createElement("span");
        name.className = "d-block fw-semibold text-truncate";
        name.textContent = contact.name;
        text.append(name);
        if (contact.title) {
          const title = document.createElement("span");
          title.className = "d-block small text-body-secondary text-truncate";
          title.textContent = contact.title;
          text.append(title);
        }
        label.append(box, text);
        group.append(label);
      });
      contactsBox.replaceChildren(group);
    });
  };
  // htmx asks the server for the account's contacts: without a network, the phone answers.
  form.addEventListener("htmx:beforeRequest", (event) => {
    if (navigator.onLine) return;
    event.preventDefault();
    offlineContacts();
  });
  form.addEventListener("htmx:sendError", offlineContacts);

  form.addEventListener("submit", (event) => {
    if (navigator.onLine || !queue) return; // the normal post
    event.preventDefault();
    event.stopImmediatePropagation();
    const data = new FormData(form);
    const photosInput = form.querySelector("input[name=photos]");
    const photos = Array.from((photosInput && photosInput.files) || [], (file) => ({
      name: file.name,
      type: file.type,
      blob: file,
    }));
    // The time and place are those of the visit: "now" unless changed, to the second.
    if (occurred && occurred.value === prefilled) data.set("occurred_at", localNow(true));
    const fields = [];
    data.forEach((value, name) => {
      if (typeof value === "string" && !["csrfmiddlewaretoken", "client_key", "photos"].includes(name)) {
        fields.push([name, value]);
      }
    });
    const chosen = accountSelect && accountSelect.selectedOptions[0];
    queue
      .save({
        key: queue.newKey(), // the visit's one-time key, made now
        url: form.action,
        fields,
        photos,
        account: Number(data.get("account")),
        accountName: chosen ? chosen.textContent.trim() : "",
        occurredAt: String(data.get("occurred_at")).replace("T", " ").slice(0, 16),
        csrf: data.get("csrfmiddlewaretoken"),
      })
      .then(() => {
        form.reset();
        form.querySelectorAll("[data-checkin-latitude], [data-checkin-longitude], [data-checkin-accuracy]").forEach((input) => {
          input.value = "";
        });
        if (occurred) occurred.value = prefilled = localNow(false);
        form.querySelectorAll("[data-revisit]").forEach((b) => b.classList.remove("active"));
        offlineContacts();
        window.scrollTo(0, 0);
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
