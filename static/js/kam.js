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
