// The survey form's checks in the browser: the server parsed every expression once into
// a tree (gongshu/survey/expressions.py); this walks the same trees with the same XPath
// values, so what the browser shows is what the server will decide. The server checks
// again on every save; this only saves a round trip.
(function () {
  "use strict";
  var data = document.getElementById("survey-rules");
  var form = document.getElementById("survey-form");
  if (!data || !form) return;
  var rules = JSON.parse(data.textContent);
  var EPOCH = Date.UTC(1970, 0, 1);

  function isEmpty(v) { return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0); }
  function num(v) {
    if (Array.isArray(v)) return v.length ? num(v[0]) : NaN;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    if (v === null || v === undefined) return NaN;
    var t = String(v).trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
      var p = t.split("-");
      return Math.round((Date.UTC(+p[0], +p[1] - 1, +p[2]) - EPOCH) / 86400000);
    }
    if (t === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
    return parseFloat(t);
  }
  function str(v) {
    if (Array.isArray(v)) return v.map(str).join(" ");
    if (v === null || v === undefined) return "";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return isNaN(v) ? "NaN" : String(v);
    return String(v);
  }
  function bool(v) {
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return !(v === 0 || isNaN(v));
    if (Array.isArray(v)) return v.length > 0;
    return !isEmpty(v);
  }
  function choices(v) { return Array.isArray(v) ? v.map(str) : str(v).split(/\s+/).filter(Boolean); }
  function compare(op, a, b) {
    if (Array.isArray(a) || Array.isArray(b)) {
      var l = Array.isArray(a) ? a : [a], r = Array.isArray(b) ? b : [b];
      return l.some(function (x) { return r.some(function (y) { return compare(op, x, y); }); });
    }
    if (op === "=" || op === "!=") {
      var eq;
      if (typeof a === "boolean" || typeof b === "boolean") eq = bool(a) === bool(b);
      else if (typeof a === "number" || typeof b === "number") eq = num(a) === num(b);
      else eq = str(a) === str(b);
      return op === "=" ? eq : !eq;
    }
    var x = num(a), y = num(b);
    return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
  }
  // Rounded to 15 significant digits, as the server rounds (expressions._significant).
  function sig(v) { return isFinite(v) ? parseFloat(v.toPrecision(15)) : v; }
  function arith(op, a, b) {
    var x = num(a), y = num(b);
    if (op === "+") return sig(x + y);
    if (op === "-") return sig(x - y);
    if (op === "*") return sig(x * y);
    if (isNaN(x) || isNaN(y)) return NaN;
    if (op === "div") return y === 0 ? (x === 0 ? NaN : (x > 0 ? Infinity : -Infinity)) : sig(x / y);
    return y === 0 ? NaN : sig(x % y);
  }
  function flat(values) {
    var out = [];
    values.forEach(function (v) { out = out.concat(Array.isArray(v) ? v : [v]); });
    return out.filter(function (v) { return !isEmpty(v); });
  }
  function call(name, args, scope) {
    if (name === "if") return evaluate(bool(evaluate(args[0], scope)) ? args[1] : args[2], scope);
    var v = args.map(function (a) { return evaluate(a, scope); });
    switch (name) {
      case "selected": return choices(v[0]).indexOf(str(v[1])) >= 0;
      case "count-selected": return choices(v[0]).length;
      case "string-length": return Array.from(str(v[0])).length;
      case "regex": try { return new RegExp(str(v[1])).test(str(v[0])); } catch (e) { return false; }
      case "coalesce": return isEmpty(v[0]) ? v[1] : v[0];
      case "today": return new Date().toISOString().slice(0, 10);
      case "int": var n = num(v[0]); return isFinite(n) ? Math.trunc(n) : n;
      case "number": return num(v[0]);
      case "string": return str(v[0]);
      case "round": var m = num(v[0]), f = Math.pow(10, v.length > 1 ? Math.trunc(num(v[1])) : 0);
        return isFinite(m) ? Math.floor(m * f + 0.5) / f : m;
      case "abs": return Math.abs(num(v[0]));
      case "not": return !bool(v[0]);
      case "true": return true;
      case "false": return false;
      case "concat": return v.map(str).join("");
      case "sum": return flat([v[0]]).reduce(function (s, x) { return s + num(x); }, 0);
      case "count": return flat([v[0]]).length;
      case "min": case "max":
        var ns = flat(v).map(num);
        if (!ns.length || ns.some(isNaN)) return NaN;
        return name === "min" ? Math.min.apply(null, ns) : Math.max.apply(null, ns);
      case "date": var d = num(v[0]); return isNaN(d) ? NaN : new Date(EPOCH + Math.trunc(d) * 86400000).toISOString().slice(0, 10);
    }
    return NaN;
  }
  function evaluate(node, scope) {
    switch (node[0]) {
      case "num": case "str": return node[1];
      case "ref": return scope.lookup(node[1]);
      case "self": return scope.current;
      case "col": return (scope.columns || {})[node[1]];
      case "neg": return -num(evaluate(node[1], scope));
      case "op":
        if (node[1] === "or") return bool(evaluate(node[2], scope)) || bool(evaluate(node[3], scope));
        if (node[1] === "and") return bool(evaluate(node[2], scope)) && bool(evaluate(node[3], scope));
        var a = evaluate(node[2], scope), b = evaluate(node[3], scope);
        if (["=", "!=", "<", "<=", ">", ">="].indexOf(node[1]) >= 0) return compare(node[1], a, b);
        return arith(node[1], a, b);
      case "call": return call(node[1], node[2], scope);
    }
    return NaN;
  }

  var byName = {};
  rules.questions.forEach(function (q) { byName[q.name] = q; });

  function valueOf(q, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    if (q.type === "select_multiple") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    var raw = inputs[0].value;
    if (raw === "") return "";
    if (q.type === "integer" || q.type === "decimal") return num(raw);
    return raw;
  }
  var calculated = {};
  var touched = false; // "required" is said once the respondent has started, not on arrival
  function scopeFor(repeat, index, current) {
    return {
      current: current,
      lookup: function (name) {
        var q = byName[name];
        if (!q) return undefined;
        if (q.repeat && q.repeat === repeat) return valueOf(q, "r:" + repeat + ":" + index + ":" + name);
        if (!q.repeat) return q.type === "calculate" ? calculated[name] : valueOf(q, "q:" + name);
        var entries = form.querySelectorAll('[data-repeat="' + q.repeat + '"]');
        return Array.prototype.map.call(entries, function (e) { return valueOf(q, "r:" + q.repeat + ":" + e.dataset.index + ":" + name); });
      }
    };
  }
  function text(texts, fallback) {
    if (!texts) return fallback;
    return texts[rules.language] || texts["default"] || texts.en || texts.zh || fallback;
  }
  function relevant(q, scope) {
    for (var i = 0; i < (q.sections || []).length; i++) {
      var s = rules.sections[q.sections[i]];
      if (s && s.relevant && !bool(evaluate(s.relevant.tree, scope))) return false;
    }
    return !q.relevant || bool(evaluate(q.relevant.tree, scope));
  }
  // A choice_filter offers only the choices whose columns it lets through, as the server
  // accepts only those; a choice no longer offered is unpicked.
  function filterChoices(wrapper, q, scope) {
    var columns = (rules.choices || {})[q.list];
    if (!q.choice_filter || !columns) return;
    wrapper.querySelectorAll("option, input[type=checkbox]").forEach(function (el) {
      if (el.value === "") return;
      var inner = { lookup: scope.lookup, current: scope.current,
                    columns: Object.assign({ name: el.value }, columns[el.value] || {}) };
      var offered = bool(evaluate(q.choice_filter.tree, inner));
      var holder = el.tagName === "OPTION" ? el : el.closest("label") || el;
      holder.hidden = !offered;
      if (!offered && el.tagName === "OPTION" && el.selected) el.parentNode.value = "";
      if (!offered && el.type === "checkbox") el.checked = false;
    });
  }
  function checkField(wrapper, q, name, repeat, index) {
    filterChoices(wrapper, q, scopeFor(repeat, index, valueOf(q, name)));
    var value = valueOf(q, name);
    var scope = scopeFor(repeat, index, value);
    var shown = relevant(q, scope);
    wrapper.hidden = !shown;
    var message = "";
    if (shown) {
      var required = q.required === true || (q.required && q.required.tree && bool(evaluate(q.required.tree, scope)));
      if (isEmpty(value)) {
        if (required && touched) message = text(q.required_message, rules.required);
      } else if (q.constraint && !bool(evaluate(q.constraint.tree, scope))) {
        message = text(q.constraint_message, q.constraint.text);
      }
      var reason = wrapper.querySelector("[data-prefill]");
      if (reason) reason.parentNode.classList.toggle("corrected", !isEmpty(value) && num(value) !== num(reason.dataset.prefill));
    }
    var out = wrapper.querySelector(".field-error");
    if (out && (message || touched)) { out.textContent = message; out.hidden = !message; }
    if (message || touched) wrapper.classList.toggle("invalid", !!message);
  }
  function run() {
    rules.questions.forEach(function (q) {
      if (q.type === "calculate" && !q.repeat && q.calculation) {
        var v = evaluate(q.calculation.tree, scopeFor(null, null, undefined));
        calculated[q.name] = (typeof v === "number" && !isFinite(v)) ? "" : v;
        var out = form.querySelector("#i-q\\:" + q.name);
        if (out) out.textContent = str(calculated[q.name]);
      }
    });
    form.querySelectorAll("[data-question]").forEach(function (wrapper) {
      var q = byName[wrapper.dataset.question];
      if (!q || q.type === "calculate") return;
      var entry = wrapper.closest("[data-repeat]");
      if (entry) checkField(wrapper, q, "r:" + entry.dataset.repeat + ":" + entry.dataset.index + ":" + q.name, entry.dataset.repeat, entry.dataset.index);
      else checkField(wrapper, q, "q:" + q.name, null, null);
    });
  }
  // Another entry of a repeat without a round trip: a copy of the last entry, emptied,
  // its names moved to the next index (r:REPEAT:INDEX:NAME, as the server reads them).
  function addEntry(repeat) {
    var entries = form.querySelectorAll('[data-repeat="' + repeat + '"]');
    var last = entries[entries.length - 1];
    if (!last) return;
    var index = Number(last.dataset.index) + 1;
    var from = "r:" + repeat + ":" + last.dataset.index + ":";
    var to = "r:" + repeat + ":" + index + ":";
    var fresh = last.cloneNode(true);
    fresh.dataset.index = String(index);
    fresh.querySelectorAll("[name], [id], [for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v && v.indexOf(from) !== -1) el.setAttribute(attr, v.split(from).join(to));
      });
    });
    fresh.querySelectorAll("input, select").forEach(function (el) {
      if (el.type === "checkbox") el.checked = false; else el.value = "";
    });
    fresh.querySelectorAll("output").forEach(function (el) { el.textContent = ""; });
    fresh.querySelectorAll(".invalid").forEach(function (el) { el.classList.remove("invalid"); });
    fresh.querySelectorAll(".field-error").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    last.parentNode.insertBefore(fresh, last.nextSibling);
    var first = fresh.querySelector("input, select");
    if (first) first.focus();
    run();
  }
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-entry]");
    if (button) { event.preventDefault(); addEntry(button.dataset.addEntry); }
  });
  function touch() { touched = true; run(); }
  form.addEventListener("input", touch);
  form.addEventListener("change", touch);
  run();
})();
