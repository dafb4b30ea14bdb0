// Live countdown to a deadline: every element with data-deadline (an ISO timestamp)
// shows the time left ("3:12:05 left") or overdue; the server renders the same text
// without JavaScript. The words come translated from data-left / data-overdue.
(function () {
  "use strict";

  function pad(value) {
    return String(value).padStart(2, "0");
  }

  function format(milliseconds) {
    var seconds = Math.floor(Math.abs(milliseconds) / 1000);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    return hours + ":" + pad(minutes) + ":" + pad(seconds % 60);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (element) {
      var deadline = Date.parse(element.dataset.deadline);
      if (isNaN(deadline)) {
        return;
      }
      var left = deadline - now;
      var word = left >= 0 ? element.dataset.left : element.dataset.overdue;
      element.textContent = format(left) + " " + (word || "");
      element.classList.toggle("text-danger", left < 0);
    });
  }

  function start() {
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:afterSwap", tick);
})();
