(function () {
  "use strict";
  // The report reads fine without this script; it adds highlighting of the whole quoted span,
  // row filters and sortable columns.

  function highlightTarget() {
    var previous = document.querySelectorAll("mark.ev.is-active");
    for (var i = 0; i < previous.length; i++) previous[i].classList.remove("is-active");
    var id = location.hash.slice(1);
    if (!/^q\d+-\d+$/.test(id)) return;
    var segments = document.querySelectorAll('mark.ev[data-ev~="' + id + '"]');
    for (var j = 0; j < segments.length; j++) segments[j].classList.add("is-active");
  }
  window.addEventListener("hashchange", highlightTarget);
  highlightTarget();

  function rowsOf(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }

  var filters = document.querySelectorAll("input[data-filter]");
  Array.prototype.forEach.call(filters, function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (!table) return;
    var box = input.parentNode, count = box.querySelector(".filter-count"), texts = null;
    box.hidden = false;
    input.addEventListener("input", function () {
      var rows = rowsOf(table), query = input.value.trim().toLowerCase(), shown = 0;
      if (!texts || texts.length !== rows.length) {
        texts = new Map();
        rows.forEach(function (row) { texts.set(row, row.textContent.toLowerCase()); });
      }
      rows.forEach(function (row) {
        var match = !query || texts.get(row).indexOf(query) !== -1;
        row.hidden = !match;
        if (match) shown++;
      });
      count.textContent = query ? shown + " of " + rows.length + " shown" : "";
    });
  });

  var sortable = document.querySelectorAll("table[data-sortable]");
  Array.prototype.forEach.call(sortable, function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var keyed = rowsOf(table).map(function (row) {
          var cell = row.cells[column];
          var key = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim().toLowerCase();
          return { row: row, key: key };
        });
        keyed.sort(function (a, b) {
          if (a.key === b.key) return 0;
          if (a.key === "") return 1;  // empty values last, whichever the direction
          if (b.key === "") return -1;
          return (a.key < b.key ? -1 : 1) * (ascending ? 1 : -1);
        });
        var body = table.tBodies[0], fragment = document.createDocumentFragment();
        keyed.forEach(function (k) { fragment.appendChild(k.row); });
        body.appendChild(fragment);
      });
    });
  });
})();
