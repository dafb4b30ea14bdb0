// Small behaviours shared by every page. No inline scripts: pages stay CSP-clean.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const target = document.querySelector(".kam-messages") || document.getElementById("main");
  if (!target) return;
  const alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.textContent = `${document.body.dataset.requestFailed} (${status})`;
  target.prepend(alert);
});

// Long text fields (a textarea with maxlength) count their characters once past half
// their limit: "3,120 / 4,000 characters" (the pattern, with {count} and {limit}, translated in the body's
// data-characters).
function kamCountCharacters(root) {
  root.querySelectorAll("textarea[maxlength]").forEach((area) => {
    if (area.dataset.counted) return;
    area.dataset.counted = "1";
    const limit = Number(area.getAttribute("maxlength"));
    const counter = document.createElement("div");
    counter.className = "form-text text-end kam-char-count";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    const update = () => {
      const used = area.value.length;
      counter.hidden = used < limit / 2;
      counter.classList.toggle("text-danger", used >= limit);
      counter.textContent = (document.body.dataset.characters || "")
        .replace("{count}", used.toLocaleString())
        .replace("{limit}", limit.toLocaleString());
    };
    area.addEventListener("input", update);
    update();
  });
}

// Long text on a timeline shows its first lines with "more" (and "less" once opened);
// text that fits gets no button.
function kamClampLongText(root) {
  root.querySelectorAll("[data-clamp]").forEach((text) => {
    if (text.dataset.clamped || text.scrollHeight <= text.clientHeight + 1) return;
    text.dataset.clamped = "1";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 kam-clamp-toggle";
    button.textContent = document.body.dataset.more;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => {
      const open = text.classList.toggle("kam-clamp-open");
      button.textContent = open ? document.body.dataset.less : document.body.dataset.more;
      button.setAttribute("aria-expanded", String(open));
    });
    text.insertAdjacentElement("afterend", button);
  });
}

function kamEnhance(root) {
  kamCountCharacters(root);
  kamClampLongText(root);
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => kamEnhance(document));
} else {
  kamEnhance(document);
}
document.addEventListener("htmx:afterSwap", (event) => kamEnhance(event.target));

// A page that lands on a timeline entry (a visit just saved: #visit-12) shows its
// confirmation in that entry, where the eye is, instead of at an edge of the screen.
function kamConfirmBeside() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const entry = id && document.getElementById(id);
  const messages = document.querySelector(".kam-messages");
  if (!entry || !entry.matches(".timeline-item") || !messages) return;
  messages.classList.add("kam-messages-inline");
  entry.append(messages);
  entry.scrollIntoView({ block: "start", behavior: "instant" });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", kamConfirmBeside);
} else {
  kamConfirmBeside();
}
