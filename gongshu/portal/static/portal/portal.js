// The portal's only script: the preview table (through the gated rows API, with the
// session cookie; a GET needs no CSRF token) and the copy buttons. No library, no CDN.
(function () {
  "use strict";

  function text(el, value) { el.textContent = value; return el; }

  function preview(section) {
    var url = section.dataset.rowsUrl;
    var table = section.querySelector("[data-preview-table]");
    var status = section.querySelector("[data-preview-status]");
    var prev = section.querySelector("[data-preview-prev]");
    var next = section.querySelector("[data-preview-next]");
    var form = section.querySelector("[data-preview-filter]");
    var msg = section.dataset;
    var state = { sort: null, desc: false, filter: null, cursors: [null], at: 0, next: null };

    function query() {
      var params = new URLSearchParams({ limit: "20" });
      if (state.sort) params.set("sort", (state.desc ? "-" : "") + state.sort);
      if (state.filter) params.append("filter", state.filter);
      var cursor = state.cursors[state.at];
      if (cursor) params.set("cursor", cursor);
      return url + "?" + params.toString();
    }

    function header(fields) {
      var row = document.createElement("tr");
      fields.forEach(function (f) {
        var th = document.createElement("th");
        th.scope = "col";
        th.setAttribute("aria-sort", state.sort === f.name ? (state.desc ? "descending" : "ascending") : "none");
        var button = text(document.createElement("button"), f.name);
        button.type = "button";
        button.className = "sort";
        button.title = msg.msgSort + " " + f.name;
        button.addEventListener("click", function () {
          state.desc = state.sort === f.name ? !state.desc : false;
          state.sort = f.name;
          restart();
        });
        th.appendChild(button);
        row.appendChild(th);
      });
      table.tHead.replaceChildren(row);
    }

    function body(fields, rows) {
      var frag = document.createDocumentFragment();
      rows.forEach(function (r) {
        var tr = document.createElement("tr");
        fields.forEach(function (f) {
          var v = r[f.name];
          tr.appendChild(text(document.createElement("td"), v === null || v === undefined ? "" : String(v)));
        });
        frag.appendChild(tr);
      });
      table.tBodies[0].replaceChildren(frag);
    }

    function load() {
      text(status, msg.msgLoading);
      fetch(query(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            var detail = answer.data.detail;
            if (typeof detail !== "string") detail = JSON.stringify(detail);
            text(status, msg.msgError + " " + detail);
            return;
          }
          var page = answer.data;
          header(page.fields);
          body(page.fields, page.rows);
          state.next = page.next_cursor;
          var first = state.at * 20 + (page.rows.length ? 1 : 0);
          text(status, first + "–" + (state.at * 20 + page.rows.length) + " " + msg.msgOf + " " + page.total + " " + msg.msgRows);
          prev.disabled = state.at === 0;
          next.disabled = !state.next;
        })
        .catch(function (error) { text(status, msg.msgError + " " + error); });
    }

    function restart() { state.cursors = [null]; state.at = 0; load(); }

    prev.addEventListener("click", function () { if (state.at > 0) { state.at -= 1; load(); } });
    next.addEventListener("click", function () {
      if (!state.next) return;
      state.cursors[state.at + 1] = state.next;
      state.at += 1;
      load();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var value = String(data.get("value") || "");
      var op = data.get("op");
      if (op === "ilike") value = "%" + value + "%";
      state.filter = value || op !== "eq" ? data.get("field") + ":" + op + ":" + value : null;
      restart();
    });
    form.addEventListener("reset", function () { state.filter = null; setTimeout(restart, 0); });
    load();
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        var value = source.textContent;
        var done = function () {
          var label = button.textContent;
          text(button, button.dataset.done);
          setTimeout(function () { text(button, label); }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(value).then(done);
        } else {
          var range = document.createRange();
          range.selectNodeContents(source);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ }
        }
      });
    });
  }

  document.querySelectorAll("section[data-rows-url]").forEach(preview);
  copyButtons();
})();
