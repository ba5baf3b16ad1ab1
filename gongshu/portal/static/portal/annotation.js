// The annotation page: one page load, then tasks come from the annotation API (session +
// CSRF token), the next one preloaded, so nothing reloads between tasks. Keys: 1–9 pick
// an option of the first choice control, Alt+1–9 mark the selected text with a span
// label, Enter submits, S skips. No library, no CDN.
(function () {
  "use strict";
  var root = document.getElementById("annotator");
  if (!root) { return; }
  var schema = JSON.parse(document.getElementById("schema").textContent);
  var api = root.dataset.api;
  var csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  var taskBox = document.getElementById("task");
  var form = document.getElementById("answer");
  var statusLine = document.getElementById("status");
  var queue = [];
  var current = null;
  var shownAt = 0;
  var answer = {};
  var busy = false;
  var finished = {}; // ids submitted or skipped: a refill sent before they were may list them

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function call(method, path, body) {
    return fetch(api + path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 204) { return { ok: true, status: 204, body: null }; }
      return response.json().then(function (data) {
        return { ok: response.ok, status: response.status, body: data };
      });
    });
  }

  function say(text, bad) {
    statusLine.textContent = text;
    statusLine.className = bad ? "error" : "";
  }

  function errorText(body) {
    var parts = [body.detail || ""];
    Object.keys(body.errors || {}).forEach(function (k) { parts.push(k + ": " + body.errors[k].join(" ")); });
    return parts.join(" ");
  }

  function refill() {
    return call("POST", "/next?count=2").then(function (res) {
      if (!res.ok) { say(errorText(res.body), true); return; }
      res.body.tasks.forEach(function (t) {
        var known = finished[t.id] || (current && current.id === t.id) ||
          queue.some(function (q) { return q.id === t.id; });
        if (!known) { queue.push(t); }
      });
      if (!current) { show(); }
    });
  }

  function controls(type) { return schema.controls.filter(function (c) { return c.type === type; }); }

  function renderData() {
    taskBox.textContent = "";
    if (!current) { taskBox.appendChild(el("p", {}, root.dataset.empty)); return; }
    var spanFields = controls("spans").map(function (c) { return c.field; });
    var list = el("dl", { "class": "task-data" });
    Object.keys(current.data).forEach(function (name) {
      list.appendChild(el("dt", {}, name));
      var value = current.data[name] === null ? "" : String(current.data[name]);
      var dd = el("dd", spanFields.indexOf(name) >= 0 ? { "class": "span-text", "data-field": name } : {});
      dd.appendChild(document.createTextNode(value));
      list.appendChild(dd);
    });
    taskBox.appendChild(list);
  }

  function choose(control, option) {
    if (control.multiple) {
      var chosen = answer[control.name] || [];
      var at = chosen.indexOf(option);
      if (at >= 0) { chosen.splice(at, 1); } else { chosen.push(option); }
      answer[control.name] = chosen;
    } else {
      answer[control.name] = option;
    }
    renderForm();
  }

  function markSpan(control, label) {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var holder = range.startContainer.parentNode;
    if (!holder || holder.dataset.field !== control.field || range.startContainer !== range.endContainer) { return; }
    var spans = answer[control.name] || [];
    spans.push({ id: control.name + "-" + spans.length + "-" + Date.now() % 100000,
      start: range.startOffset, end: range.endOffset, label: label });
    answer[control.name] = spans;
    selection.removeAllRanges();
    renderForm();
  }

  function renderForm() {
    form.textContent = "";
    schema.controls.forEach(function (control, index) {
      var box = el("fieldset", { "data-control": control.name });
      box.appendChild(el("legend", {}, control.name));
      if (control.type === "choices") {
        control.options.forEach(function (option, i) {
          var chosen = control.multiple ? (answer[control.name] || []).indexOf(option) >= 0 : answer[control.name] === option;
          var button = el("button", { type: "button", "class": chosen ? "chosen" : "", "aria-pressed": String(chosen),
            "data-option": option }, (i < 9 ? (i + 1) + " " : "") + option);
          button.addEventListener("click", function () { choose(control, option); });
          box.appendChild(button);
        });
      } else if (control.type === "spans") {
        control.labels.forEach(function (label, i) {
          var button = el("button", { type: "button", "data-label": label }, (i < 9 ? "Alt+" + (i + 1) + " " : "") + label);
          button.addEventListener("mousedown", function (e) { e.preventDefault(); markSpan(control, label); });
          box.appendChild(button);
        });
        var text = current && current.data[control.field] !== null && current ? String(current.data[control.field]) : "";
        var marked = el("ul", { "class": "spans" });
        (answer[control.name] || []).forEach(function (span, i) {
          var item = el("li", {}, text.slice(span.start, span.end) + " [" + span.label + "] ");
          var drop = el("button", { type: "button", "aria-label": "remove" }, "×");
          drop.addEventListener("click", function () { answer[control.name].splice(i, 1); renderForm(); });
          item.appendChild(drop);
          marked.appendChild(item);
        });
        box.appendChild(marked);
      } else if (control.type === "text") {
        var area = el("textarea", { rows: "2", maxlength: String(control.max_length || 2000) });
        area.value = answer[control.name] || "";
        area.addEventListener("input", function () { answer[control.name] = area.value; });
        box.appendChild(area);
      } else if (control.type === "rating") {
        for (var r = 1; r <= control.max; r += 1) {
          (function (value) {
            var star = el("button", { type: "button", "class": answer[control.name] === value ? "chosen" : "" }, String(value));
            star.addEventListener("click", function () { answer[control.name] = value; renderForm(); });
            box.appendChild(star);
          })(r);
        }
      } else {
        return; // relations: through the API
      }
      form.appendChild(box);
      if (index === 0) { box.setAttribute("aria-describedby", "status"); }
    });
  }

  function show() {
    current = queue.shift() || null;
    answer = {};
    shownAt = Date.now();
    renderData();
    renderForm();
    if (queue.length < 1) { refill(); }
  }

  function submit() {
    if (!current || busy) { return; }
    busy = true;
    var seconds = Math.min(86400, Math.round((Date.now() - shownAt) / 1000));
    call("POST", "/tasks/" + current.id + "/annotations", { result: answer, seconds: seconds }).then(function (res) {
      busy = false;
      if (!res.ok) { say(root.dataset.failed + " " + errorText(res.body), true); return; }
      finished[current.id] = true;
      say(root.dataset.saved);
      show();
    });
  }

  function skip() {
    if (!current || busy) { return; }
    busy = true;
    call("POST", "/tasks/" + current.id + "/skip").then(function (res) {
      busy = false;
      if (!res.ok) { say(errorText(res.body), true); return; }
      finished[current.id] = true;
      say(root.dataset.skipped);
      show();
    });
  }

  document.getElementById("submit").addEventListener("click", submit);
  document.getElementById("skip").addEventListener("click", skip);
  document.addEventListener("keydown", function (event) {
    var typing = event.target && (event.target.tagName === "TEXTAREA" || event.target.tagName === "INPUT" || event.target.tagName === "SELECT");
    if (event.key === "Enter" && !event.shiftKey && !(typing && event.target.tagName === "TEXTAREA")) {
      event.preventDefault();
      submit();
      return;
    }
    if (typing) { return; }
    var digit = event.code && event.code.indexOf("Digit") === 0 ? parseInt(event.code.slice(5), 10) : NaN;
    if (!isNaN(digit) && digit >= 1) {
      if (event.altKey) {
        var spans = controls("spans")[0];
        if (spans && spans.labels[digit - 1]) { event.preventDefault(); markSpan(spans, spans.labels[digit - 1]); }
        return;
      }
      var choice = controls("choices")[0];
      if (choice && choice.options[digit - 1]) { event.preventDefault(); choose(choice, choice.options[digit - 1]); }
      return;
    }
    if (event.key === "s" || event.key === "S") { event.preventDefault(); skip(); }
  });

  refill();
})();
