// The navbar search box: htmx fetches the grouped results as the user types (see the
// input's hx-* attributes); this script makes them a combobox and its listbox. Arrow keys
// move through the options, Enter opens the active one (or the full results page when
// none is active), Escape closes the list.
(function () {
  "use strict";

  function setup(form) {
    const input = form.querySelector("[role=combobox]");
    const results = form.querySelector(".kam-search-results");
    if (!input || !results) return;

    const options = () => Array.from(results.querySelectorAll("[role=option]"));
    const active = () => results.querySelector("[role=option][aria-selected=true]");

    function open(isOpen) {
      input.setAttribute("aria-expanded", isOpen ? "true" : "false");
      results.hidden = !isOpen;
      if (!isOpen) {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function select(option) {
      options().forEach((o) => {
        o.setAttribute("aria-selected", o === option ? "true" : "false");
        o.classList.toggle("active", o === option);
      });
      if (option) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function move(step) {
      const all = options();
      if (!all.length) return;
      if (results.hidden) {
        open(true);
        select(null); // reopened: start again from the top
      }
      const index = all.indexOf(active());
      const next = index < 0 ? (step > 0 ? 0 : all.length - 1) : (index + step + all.length) % all.length;
      select(all[next]);
    }

    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        move(1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(-1);
      } else if (event.key === "Enter") {
        const option = results.hidden ? null : active();
        if (option && option.dataset.href) {
          event.preventDefault();
          window.location.assign(option.dataset.href);
        }
      } else if (event.key === "Escape") {
        if (!results.hidden && results.childElementCount) {
          event.preventDefault();
          open(false);
        } else {
          input.value = "";
        }
      }
    });

    input.addEventListener("focus", () => {
      if (input.value.trim() && results.childElementCount) open(true);
    });
    input.addEventListener("input", () => {
      if (!input.value.trim()) {
        results.innerHTML = "";
        open(false);
      }
    });

    results.addEventListener("htmx:afterSwap", () => {
      select(null);
      open(results.childElementCount > 0 && input.value.trim() !== "");
    });
    // the results a request brings are for the text typed so far; a cleared box shows none
    input.addEventListener("htmx:beforeRequest", (event) => {
      if (!input.value.trim()) event.preventDefault();
    });

    results.addEventListener("mousemove", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) select(option);
    });

    document.addEventListener("click", (event) => {
      if (!form.contains(event.target)) open(false);
    });
    open(false);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-kam-search]").forEach(setup);
  });
})();
