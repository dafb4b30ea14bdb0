/* The visit queue: visits saved on this phone without a network, kept in IndexedDB with
 * their photos (Blobs) until they are sent, and the accounts and contacts the phone
 * keeps to fill the visit form offline.
 *
 * Loaded by the pages that show the queue (the visit form, the home page) and by the
 * service worker (Background Sync): both use self.KAMVisitQueue. Each queued visit
 * carries its one-time key (client_key, made when it was saved); it is posted with its
 * photos to the visit form's own URL, which logs the visit and attaches the photos in
 * one transaction and answers a repeated key with the visit already logged, so a retry
 * or a second trigger never logs twice. Sends are serialised by a Web Lock where the
 * browser has one (the page and the worker may both try).
 *
 * An item: {key, user, url, fields: [[name, value]], photos: [{name, type, blob}],
 * account, accountName, occurredAt, savedAt, csrf, state, errors}; state is "waiting",
 * "refused" (the server said why: kept until the user changes the account or discards
 * it), "signin" (no session, or another user's) or "failed" (tried again later).
 */
"use strict";
(function (scope) {
  const DB_NAME = "kam-offline";
  const QUEUE = "visits";
  const CHOICES = "choices";
  const LOCK = "kam-visit-queue";
  const SYNC_TAG = "kam-visit-queue";
  const CSRF_COOKIE = "csrftoken";

  let opening = null;
  function database() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = scope.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          request.result.createObjectStore(QUEUE, { keyPath: "key" });
          request.result.createObjectStore(CHOICES, { keyPath: "user" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => {
          opening = null;
          reject(request.error);
        };
      });
    }
    return opening;
  }

  // One transaction on one store; resolves with the request's result once committed.
  function run(store, mode, work) {
    return database().then(
      (db) =>
        new Promise((resolve, reject) => {
          const transaction = db.transaction(store, mode);
          const request = work(transaction.objectStore(store));
          transaction.oncomplete = () => resolve(request ? request.result : undefined);
          transaction.onerror = transaction.onabort = () => reject(transaction.error);
        }),
    );
  }

  const store = {
    put: (item) => run(QUEUE, "readwrite", (s) => s.put(item)),
    get: (key) => run(QUEUE, "readonly", (s) => s.get(key)),
    remove: (key) => run(QUEUE, "readwrite", (s) => s.delete(key)),
    all: (user) =>
      run(QUEUE, "readonly", (s) => s.getAll()).then((items) =>
        items
          .filter((item) => user == null || item.user === user)
          .sort((a, b) => (a.savedAt < b.savedAt ? -1 : 1)),
      ),
    keepChoices: (data) => run(CHOICES, "readwrite", (s) => s.put({ ...data, keptAt: Date.now() })),
    choices: (user) => run(CHOICES, "readonly", (s) => s.get(user)),
    forgetChoices: () => run(CHOICES, "readwrite", (s) => s.clear()),
  };

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    const bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // The CSRF token of the moment: the page reads the cookie, the worker its cookie
  // store where it has one; else the token of the page the visit was saved on.
  function currentToken() {
    if (typeof document !== "undefined") {
      const found = document.cookie.split("; ").find((part) => part.startsWith(`${CSRF_COOKIE}=`));
      return Promise.resolve(found ? decodeURIComponent(found.split("=")[1]) : null);
    }
    if (scope.cookieStore) {
      return scope.cookieStore
        .get(CSRF_COOKIE)
        .then((cookie) => (cookie ? cookie.value : null))
        .catch(() => null);
    }
    return Promise.resolve(null);
  }

  function messages(errors) {
    const out = [];
    Object.values(errors || {}).forEach((list) => (Array.isArray(list) ? list : [list]).forEach((m) => out.push(String(m))));
    return out;
  }

  // Posts one queued visit; resolves with "sent", "refused", "signin", "failed" or
  // "offline" (no answer: the item is left as it was).
  function send(item, token) {
    const body = new FormData();
    item.fields.forEach(([name, value]) => body.append(name, value));
    body.append("client_key", item.key);
    item.photos.forEach((photo) => body.append("photos", photo.blob, photo.name));
    return currentToken()
      .then((fresh) =>
        fetch(item.url, {
          method: "POST",
          body,
          credentials: "same-origin",
          redirect: "manual", // the sign-in page is no answer
          headers: {
            Accept: "application/json",
            "X-CSRFToken": token || fresh || item.csrf,
            "X-KAM-User": String(item.user),
          },
        }),
      )
      .then(
        (response) => {
          if (response.ok) return store.remove(item.key).then(() => "sent");
          if (response.status === 400) {
            return response
              .json()
              .then((problem) => ({ errors: messages(problem.errors), fields: Object.keys(problem.errors || {}) }))
              .catch(() => ({ errors: [], fields: [] }))
              .then(({ errors, fields }) => update(item.key, { state: "refused", errors, fields }))
              .then(() => "refused");
          }
          const signin = response.type === "opaqueredirect" || response.status === 401 || response.status === 403;
          const state = signin ? "signin" : "failed";
          return update(item.key, { state, errors: [] }).then(() => state);
        },
        () => "offline",
      );
  }

  // Changes a queued item if it is still there (another send may have removed it).
  function update(key, changes) {
    return store.get(key).then((item) => (item ? store.put({ ...item, ...changes }) : undefined));
  }

  function exclusive(work) {
    const locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request(LOCK, work) : work();
  }

  // Sends the waiting visits (of ``user``, or all in the worker), one after another.
  function sendAll(user, token) {
    return exclusive(() =>
      store.all(user).then((items) =>
        items
          .filter((item) => item.state !== "refused")
          .reduce((chain, item) => chain.then((results) => send(item, token).then((r) => results.concat(r))), Promise.resolve([])),
      ),
    );
  }

  // Background Sync where the browser has it; the page's own triggers otherwise.
  function requestSync() {
    if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return Promise.resolve(false);
    return navigator.serviceWorker
      .getRegistration()
      .then((registration) =>
        registration && registration.sync ? registration.sync.register(SYNC_TAG).then(() => true) : false,
      )
      .catch(() => false);
  }

  const api = { SYNC_TAG, store, newKey, send, sendAll, requestSync };
  scope.KAMVisitQueue = api;
  if (typeof document === "undefined") return; // the worker needs no more

  // --- The page: the list of waiting visits and the triggers to send them.
  const panel = document.getElementById("visit-queue");
  if (!panel) return;
  const texts = panel.dataset;
  const user = Number(texts.user);
  const list = panel.querySelector("[data-queue-list]");
  const count = panel.querySelector("[data-queue-count]");
  const notice = document.querySelector("[data-queue-notice]");

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function announce(text) {
    if (!notice) return;
    notice.textContent = text;
    notice.classList.remove("d-none");
  }

  function accountPicker(item, choices) {
    const select = element("select", "form-select form-select-sm");
    select.setAttribute("aria-label", texts.changeAccount);
    select.append(element("option", "", texts.changeAccount));
    select.firstChild.value = "";
    ((choices && choices.accounts) || [])
      .filter((account) => account.id !== item.account)
      .forEach((account) => {
        const option = element("option", "", account.name);
        option.value = String(account.id);
        select.append(option);
      });
    select.addEventListener("change", () => {
      const chosen = select.selectedOptions[0];
      if (!select.value) return;
      const fields = item.fields.filter(([name]) => name !== "account" && name !== "contacts");
      fields.push(["account", select.value]);
      update(item.key, {
        fields,
        account: Number(select.value),
        accountName: chosen.textContent,
        state: "waiting",
        errors: [],
      }).then(flush);
    });
    return select;
  }

  function row(item, choices) {
    const li = element("li", "list-group-item d-flex flex-column gap-2");
    li.dataset.queueItem = item.key;
    li.dataset.state = item.state;
    const head = element("div", "d-flex flex-wrap align-items-center gap-2");
    head.append(element("span", "fw-semibold text-break flex-grow-1", item.accountName));
    const refused = item.state === "refused";
    head.append(element("span", `badge ${refused ? "text-bg-danger" : "text-bg-warning"}`, refused ? texts.refused : texts.waiting));
    li.append(head);
    const meta = element("div", "small text-body-secondary");
    meta.textContent = item.occurredAt;
    if (item.photos.length) {
      const photos = element("span", "ms-2");
      photos.append(element("i", "bi bi-camera me-1"));
      photos.append(document.createTextNode(`${texts.photos}: ${item.photos.length}`));
      meta.append(photos);
    }
    li.append(meta);
    // an account that is gone is said in the page's language, whatever the language of the
    // answer it came in; other refusals are shown as the server worded them
    const accountGone = refused && (item.fields || []).includes("account") && texts.accountGone;
    const reasons = accountGone ? [texts.accountGone] : refused ? item.errors : item.state === "signin" ? [texts.signin] : item.state === "failed" ? [texts.failed] : [];
    reasons.forEach((reason) => li.append(element("div", `small ${refused ? "text-danger" : "text-warning-emphasis"}`, reason)));
    const actions = element("div", "d-flex flex-wrap gap-2");
    if (refused) {
      actions.append(accountPicker(item, choices));
    } else {
      const sendButton = element("button", "btn btn-sm btn-outline-primary", texts.send);
      sendButton.type = "button";
      sendButton.dataset.queueSend = "";
      sendButton.addEventListener("click", flush);
      actions.append(sendButton);
    }
    const discard = element("button", "btn btn-sm btn-outline-danger", texts.discard);
    discard.type = "button";
    discard.dataset.queueDiscard = "";
    discard.addEventListener("click", () => {
      if (window.confirm(texts.confirmDiscard)) store.remove(item.key).then(render);
    });
    actions.append(discard);
    li.append(actions);
    return li;
  }

  function render() {
    return Promise.all([store.all(user), store.choices(user).catch(() => null)]).then(([items, choices]) => {
      list.replaceChildren(...items.map((item) => row(item, choices)));
      count.textContent = String(items.length);
      panel.hidden = items.length === 0;
    });
  }

  let flushing = null;
  function flush() {
    if (!navigator.onLine) return render().then(() => []);
    if (!flushing) {
      flushing = sendAll(user)
        .then((results) => {
          if (results.includes("sent")) announce(texts.sent);
          return results;
        })
        .catch(() => [])
        .then((results) => {
          flushing = null;
          return render().then(() => results);
        });
    }
    return flushing;
  }

  // The "online" event may come before the connection carries requests: try again a
  // few times, waiting longer each time, while nothing answers.
  function flushRetrying(attempt) {
    return flush().then((results) => {
      if (results.includes("offline") && attempt < 5) {
        window.setTimeout(() => flushRetrying(attempt + 1), 500 * 2 ** attempt);
      }
    });
  }

  // Saves a visit made offline (visit-form.js) and asks for it to be sent.
  function save(item) {
    const full = { state: "waiting", errors: [], savedAt: new Date().toISOString(), ...item, user };
    return store.put(full).then(() => {
      announce(texts.saved);
      return requestSync().then(render);
    });
  }

  Object.assign(api, { save, render, flush, user });
  window.addEventListener("online", () => flushRetrying(0));
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === SYNC_TAG) render();
    });
  }
  flushRetrying(0); // the next page open sends what is waiting
})(self);
