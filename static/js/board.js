// The pipeline board: drag a card to another stage (SortableJS), or pick the stage in
// the card's select (keyboard and phone). Either posts the move with htmx; the server
// answers with the whole board, so the column totals and weighted totals are fresh.
// A column shows its first cards; the rest load as it is scrolled (htmx, the
// "load more" item at its end).
(function () {
  "use strict";

  function csrfToken() {
    const input = document.querySelector("#board input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function reloadBoard() {
    htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#board",
      swap: "outerHTML",
    });
  }

  function move(card, stageId, stageKind) {
    const values = { stage: stageId };
    if (stageKind === "won" || stageKind === "lost") {
      const board = document.getElementById("board");
      const reason = window.prompt(board.dataset.reasonPrompt || "");
      if (!reason || !reason.trim()) {
        reloadBoard(); // the card goes back where it was
        return;
      }
      values.reason = reason.trim();
    }
    htmx.ajax("POST", card.dataset.moveUrl + window.location.search, {
      target: "#board",
      swap: "outerHTML",
      values: values,
      headers: { "X-CSRFToken": csrfToken() },
    });
  }

  function bindSelects(board) {
    // the cards of a column's next page come later: each select is bound once
    board.querySelectorAll(".kam-board-move select:not([data-bound])").forEach((select) => {
      select.dataset.bound = "1";
      select.addEventListener("change", () => {
        const option = select.options[select.selectedIndex];
        move(select.closest(".kam-board-card"), select.value, option.dataset.kind);
      });
    });
  }

  function init() {
    const board = document.getElementById("board");
    if (!board) return;
    const movable = board.querySelector(".kam-board-move") !== null;
    if (!movable) return; // read-only users see the board, nothing moves
    if (!board.dataset.ready) {
      board.dataset.ready = "1";
      if (window.Sortable) {
        board.querySelectorAll(".kam-board-cards").forEach((list) => {
          window.Sortable.create(list, {
            group: "kam-board",
            animation: 150,
            draggable: ".kam-board-card", // not the "load more" item
            filter: "select, a, button, input",
            preventOnFilter: false,
            onEnd: (event) => {
              if (event.from === event.to) return;
              const column = event.to.closest(".kam-board-column");
              move(event.item, event.to.dataset.stage, column ? column.dataset.stageKind : "");
            },
          });
        });
      }
    }
    bindSelects(board);
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
