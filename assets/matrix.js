/* Comparison matrix: sortable columns and a filter, as progressive enhancement.
   Without this script the page is a complete table. Pattern: MOJ sortable table (buttons in
   the headers, aria-sort only on the sorted column, a polite status message). */
(function () {
  "use strict";
  var table = document.getElementById("matrix");
  var status = document.getElementById("matrix-status");
  var controls = document.getElementById("matrix-controls");
  if (!table || !status || !table.tHead || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var total = 0;  // forces, not rows: forces with identical answers share a row
  Array.prototype.forEach.call(body.rows, function (row) {
    total += Number(row.getAttribute("data-forces") || 1);
  });

  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function key(row, index) {
    var cell = row.cells[index];
    var value = cell.getAttribute("data-sort-value") || cell.textContent.trim();
    var n = Number(value);
    return value !== "" && !isNaN(n) ? n : value.toLowerCase();
  }

  function compare(a, b) {
    if (a === b) { return 0; }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), "en-GB");
  }

  function sortBy(index, direction) {
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var c = compare(key(a, index), key(b, index));
      if (c === 0) { c = compare(key(a, 0), key(b, 0)); return c; }
      return direction === "ascending" ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headers.forEach(function (th, i) {
      if (i === index) { th.setAttribute("aria-sort", direction); }
      else { th.removeAttribute("aria-sort"); }
    });
    say("Sorted by " + headers[index].textContent.trim() + ", " + direction + ".");
  }

  headers.forEach(function (th, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    button.textContent = th.textContent.trim();
    button.addEventListener("click", function () {
      var now = th.getAttribute("aria-sort");
      sortBy(index, now === "ascending" ? "descending" : "ascending");
    });
    th.textContent = "";
    th.appendChild(button);
  });

  if (!controls) { return; }
  var label = document.createElement("label");
  label.htmlFor = "matrix-filter";
  label.textContent = "Show only forces whose answer is";
  var select = document.createElement("select");
  select.id = "matrix-filter";
  var all = document.createElement("option");
  all.value = "";
  all.textContent = "Any answer (all forces)";
  select.appendChild(all);
  headers.forEach(function (th, index) {
    var attr = th.getAttribute("data-attribute");
    if (!attr) { return; }
    var group = document.createElement("optgroup");
    group.label = th.textContent.trim();
    var seen = {};
    Array.prototype.forEach.call(body.rows, function (row) {
      var cell = row.cells[index];
      var value = cell.getAttribute("data-value");
      if (seen[value]) { return; }
      seen[value] = true;
      var option = document.createElement("option");
      option.value = index + ":" + value;
      option.textContent = group.label + ": " + cell.getAttribute("data-label");
      group.appendChild(option);
    });
    select.appendChild(group);
  });
  select.addEventListener("change", function () {
    var parts = select.value.split(":");
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var match = !select.value || row.cells[Number(parts[0])].getAttribute("data-value") === parts[1];
      row.hidden = !match;
      if (match) { shown += Number(row.getAttribute("data-forces") || 1); }
    });
    say("Showing " + shown + " of " + total + " forces.");
  });
  controls.appendChild(label);
  controls.appendChild(select);
})();
