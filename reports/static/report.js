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

  // Filters: a text box and any number of selects per table, all naming it in data-filter.
  // A select with data-key="party" keeps rows whose data-party holds its value (space-separated
  // values for data-due / data-window, exact text for party names).
  var groups = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter]"), function (control) {
    var id = control.getAttribute("data-filter");
    (groups[id] = groups[id] || []).push(control);
  });
  Object.keys(groups).forEach(function (id) {
    var table = document.getElementById(id);
    if (!table) return;
    var controls = groups[id], box = controls[0].closest(".filter"), texts = null;
    var count = box ? box.querySelector(".filter-count") : null;
    if (box) box.hidden = false;
    function matches(row, control) {
      var value = control.value;
      if (!value) return true;
      var key = control.getAttribute("data-key");
      if (!key) return texts.get(row).indexOf(value.trim().toLowerCase()) !== -1;
      var held = row.getAttribute("data-" + key) || "";
      return key === "party" ? held === value : (" " + held + " ").indexOf(" " + value + " ") !== -1;
    }
    function apply() {
      var rows = rowsOf(table), shown = 0, active = false;
      if (!texts || texts.size !== rows.length) {
        texts = new Map();
        rows.forEach(function (row) { texts.set(row, row.textContent.toLowerCase()); });
      }
      controls.forEach(function (c) { if (c.value.trim()) active = true; });
      rows.forEach(function (row) {
        var keep = controls.every(function (c) { return matches(row, c); });
        row.hidden = !keep;
        if (keep) shown++;
      });
      if (count) count.textContent = active ? shown + " of " + rows.length + " shown" : "";
    }
    controls.forEach(function (c) {
      c.addEventListener(c.tagName === "SELECT" ? "change" : "input", apply);
    });
    if (controls.some(function (c) { return c.value; })) apply();
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
