/* live.js: keeps the webhooks page and the report pages current while open.
 *
 * Report pages (an element with data-refresh="SECONDS"): the script fetches
 * the same URL again and swaps that element for its fresh copy, parsed with
 * DOMParser (which runs no script); the markup is the server's own, escaped
 * there, so the page has one renderer and no JSON twin to keep in step.
 *
 * The webhooks page:
 * Every 3 s it asks /webhooks/live.json for the events newer than the newest
 * row shown (same filters, same tenant wall as the page) and the queue's
 * health, then prepends the rows and updates the figures; the rows already
 * on screen (ids from the lowest to the highest shown) get their status and
 * note as they are now. Everything is written with textContent, never as
 * markup. Without JavaScript the page is the same, only static. */
(function () {
  "use strict";
  var table = document.querySelector("table[data-live]");
  if (!table || !window.fetch) return;
  var body = table.tBodies[0];
  var csrf = document.querySelector("input[name=csrf]");
  var kpis = document.querySelectorAll(".kpis .kpi .value");

  function cell(row, text, cls) {
    var td = row.insertCell(-1);
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function replayForm(id) {
    var f = document.createElement("form");
    f.method = "post";
    f.action = "/webhooks/replay";
    f.className = "replay";
    [["csrf", csrf ? csrf.value : ""], ["id", id]].forEach(function (kv) {
      var i = document.createElement("input");
      i.type = "hidden";
      i.name = kv[0];
      i.value = kv[1];
      f.appendChild(i);
    });
    var b = document.createElement("button");
    b.textContent = table.getAttribute("data-replay-label") || "Replay"; /* the page's language */
    f.appendChild(b);
    return f;
  }

  function shownRange() {
    var lo = 0, hi = 0;
    for (var i = 0; i < body.rows.length; i++) {
      var id = parseInt(body.rows[i].getAttribute("data-id"), 10);
      if (!id) continue;
      if (!lo || id < lo) lo = id;
      if (id > hi) hi = id;
    }
    return "&from=" + lo + "&to=" + hi;
  }

  function updateShown(statuses) {
    for (var i = 0; statuses && i < statuses.length; i++) {
      var s = statuses[i], row = body.querySelector('tr[data-id="' + parseInt(s[0], 10) + '"]');
      if (!row || row.cells.length < 7) continue;
      var st = row.cells[4];
      if (st.textContent !== s[1]) {
        st.textContent = s[1];
        st.className = "st-" + s[1];
        row.className = "fresh";
      }
      row.cells[6].textContent = s[2] || "";
    }
  }

  function poll() {
    var url = table.getAttribute("data-live") + "&after=" + encodeURIComponent(table.getAttribute("data-last")) + shownRange();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        for (var k = 0; k < kpis.length && k < j.kpis.length; k++) kpis[k].textContent = j.kpis[k];
        updateShown(j.statuses);
        /* rows come newest first: insert from the oldest so the newest ends on top */
        for (var i = j.events.length - 1; i >= 0; i--) {
          var e = j.events[i], row = body.insertRow(0);
          row.className = "fresh";
          row.setAttribute("data-id", e[0]);
          var a = document.createElement("a");
          a.href = "/webhook?id=" + encodeURIComponent(e[0]);
          a.textContent = e[0];
          row.insertCell(-1).appendChild(a);
          for (var c = 1; c < 3; c++) cell(row, e[c]);
          cell(row, e[3], "eid").title = e[3];
          cell(row, e[4], "st-" + e[4]);
          cell(row, e[5]);
          cell(row, e[6]);
          var last = row.insertCell(-1);
          if (e[4] === "failed" || e[4] === "dead") last.appendChild(replayForm(e[0]));
        }
        if (j.events.length) table.setAttribute("data-last", j.events[0][0]);
        while (body.rows.length > 100) body.deleteRow(-1);
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 3000);
})();

(function () {
  "use strict";
  var part = document.querySelector("[data-refresh]");
  if (!part || !window.fetch || !window.DOMParser) return;
  var every = Math.max(2, parseInt(part.getAttribute("data-refresh"), 10) || 5) * 1000;

  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
        if (!fresh) return;
        var next = document.importNode(fresh, true);
        part.parentNode.replaceChild(next, part);
        part = next;
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { setTimeout(poll, every); });
  }
  setTimeout(poll, every);
})();
