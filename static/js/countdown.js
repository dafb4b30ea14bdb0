// Live time to a deadline: every element with data-deadline (an ISO timestamp) shows the
// time left or overdue in the product's one format ("3 h left", "26 h overdue", "42 min
// left"; kam/durations.py): whole hours from one hour on, whole minutes below. The server
// renders the same phrase; the translated patterns come from data-hours-left,
// data-minutes-left, data-hours-overdue and data-minutes-overdue (%(count)s the number).
(function () {
  "use strict";

  function phrase(element, milliseconds) {
    var state = milliseconds >= 0 ? "left" : "overdue";
    var seconds = Math.abs(milliseconds) / 1000;
    var key = seconds >= 3600 ? "hours" : "minutes";
    var count = key === "hours" ? Math.floor(seconds / 3600) : Math.max(1, Math.floor(seconds / 60));
    var pattern = element.getAttribute("data-" + key + "-" + state);
    return pattern ? pattern.replace("%(count)s", String(count)) : null;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (element) {
      var deadline = Date.parse(element.dataset.deadline);
      if (isNaN(deadline)) {
        return;
      }
      var left = deadline - now;
      var text = phrase(element, left);
      if (text !== null && element.textContent !== text) {
        element.textContent = text;
      }
      if (!element.closest(".badge")) {
        element.classList.toggle("text-danger", left < 0);
      }
    });
  }

  function start() {
    tick();
    window.setInterval(tick, 15000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:afterSwap", tick);
})();
