/*
 * "Check it yourself": the panel that runs the race model checker in the reader's browser.
 *
 * The panel's HTML comes from the build (outage.site.live_check.panel_html); this script only
 * drives it. Nothing heavy loads with the page: on the first Run, a Web Worker
 * (live-check-worker.js) loads Pyodide from this site and the zip of the project's Python
 * sources, then runs outage.site.live_check.run_json there, so the page stays responsive.
 * The worker is kept for later runs (Python stays loaded); Stop terminates it, and the next
 * Run starts a new one. A stopped or budget-limited run says "incomplete", never "holds".
 * A counterexample is drawn by figures.js (window.outageFigures), the site's one plotly.js,
 * from the figure dict that outage.race.figures.step_through_spec built in Python.
 */
(function () {
  "use strict";

  var scriptUrl = document.currentScript.src;
  var siteRoot = new URL("../", scriptUrl);
  var workerUrl = new URL("live-check-worker.js", scriptUrl).href;
  var worker = null;
  var active = null; // the run in progress: {id, panel, ...}
  var runs = 0;

  var NUMBERS = ["enactors", "plans", "endpoints", "keep", "max_states"];

  function fmt(n) { return Number(n).toLocaleString("en-US"); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function parts(panel) {
    return {
      form: panel.querySelector("form"),
      run: panel.querySelector("[data-run]"),
      stop: panel.querySelector("[data-stop]"),
      error: panel.querySelector("[data-error]"),
      result: panel.querySelector("[data-result]"),
      details: panel.querySelector("[data-details]"),
    };
  }

  // The same ranges and words as outage.site.live_check.validate, read from the inputs the
  // build wrote; the worker checks again in Python.
  function readValues(panel) {
    var form = parts(panel).form;
    var values = { fixes: [] };
    for (var k = 0; k < NUMBERS.length; k++) {
      var name = NUMBERS[k];
      var input = form.elements[name];
      var low = Number(input.min);
      var high = Number(input.max);
      if (name === "keep") high = Math.min(high, values.plans - 1);
      var text = input.value.trim().replace(/[,_]/g, "");
      var value = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!(value >= low && value <= high)) {
        var label = input.parentNode.querySelector("span").textContent;
        return { error: label + " must be a whole number from " + fmt(low) + " to " + fmt(high) +
                 " (" + input.dataset.why + ")", input: input };
      }
      values[name] = value;
    }
    form.querySelectorAll('input[type="checkbox"]').forEach(function (box) {
      if (box.name === "fix") {
        if (box.checked) values.fixes.push(box.value);
      } else {
        values[box.name] = box.checked;
      }
    });
    form.querySelectorAll("select").forEach(function (select) {
      values[select.name] = select.value;
    });
    return { values: values };
  }

  function showError(panel, message, input) {
    var p = parts(panel);
    panel.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    if (!message) {
      p.error.hidden = true;
      p.error.textContent = "";
      return;
    }
    p.error.textContent = message;
    p.error.hidden = false;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  function setResult(panel, verdict, states, lines) {
    var result = parts(panel).result;
    result.dataset.verdict = verdict;
    result.dataset.states = states === null ? "" : String(states);
    result.textContent = "";
    lines.forEach(function (line) { result.appendChild(line); });
  }

  function setRunning(panel, running) {
    var p = parts(panel);
    p.run.disabled = running;
    p.stop.disabled = !running;
    panel.classList.toggle("live-check--running", running);
  }

  function ensureWorker() {
    if (worker) return worker;
    worker = new Worker(workerUrl, { type: "module" });
    worker.onmessage = function (event) { receive(event.data); };
    worker.onerror = function (event) {
      event.preventDefault();
      fail("the checker could not start (" + (event.message || "worker error") + ")");
    };
    return worker;
  }

  function start(panel) {
    var read = readValues(panel);
    if (read.error) {
      showError(panel, read.error, read.input);
      return;
    }
    showError(panel, null);
    if (active) stop(active.panel, true);
    runs += 1;
    var id = runs + "-" + Date.now();
    active = { id: id, panel: panel, values: read.values, states: 0, started: performance.now() };
    var p = parts(panel);
    p.result.dataset.runId = id;
    p.details.textContent = "";
    var cold = !worker;
    var loading = "Loading Python in your browser (first run only" +
      (panel.dataset.download ? ", " + panel.dataset.download : "") + ")…";
    setRunning(panel, true);
    setResult(panel, "running", 0, [el("p", { text: cold ? loading : "Checking…" })]);
    ensureWorker().postMessage({
      type: "run",
      id: id,
      request: JSON.stringify(read.values),
      loadingText: loading,
      pyodide: new URL(panel.dataset.pyodide, siteRoot).href,
      pack: new URL(panel.dataset.pack, siteRoot).href,
    });
  }

  function stop(panel, quiet) {
    if (!active || active.panel !== panel) return;
    var run = active;
    active = null;
    if (worker) worker.terminate();
    worker = null;
    setRunning(panel, false);
    if (quiet) return;
    setResult(panel, "incomplete", run.states, [
      el("p", {}, [el("strong", { text: "Stopped — incomplete." }),
        " You stopped the search after " + fmt(run.states) + " distinct states; " +
        "nothing is proved about the states it did not reach."]),
    ]);
  }

  function fail(message) {
    if (!active) return;
    var panel = active.panel;
    active = null;
    if (worker) worker.terminate();
    worker = null;
    setRunning(panel, false);
    setResult(panel, "", null, [el("p", { text: "The check did not run: " + message + "." })]);
  }

  function receive(msg) {
    if (!active || msg.id !== active.id) return;
    var panel = active.panel;
    if (msg.type === "status") {
      setResult(panel, "running", active.states, [el("p", { text: msg.text })]);
    } else if (msg.type === "progress") {
      active.states = msg.states;
      setResult(panel, "running", msg.states, [
        el("p", { text: "Checking… " + fmt(msg.states) + " distinct states so far." }),
      ]);
    } else if (msg.type === "failure") {
      fail(msg.message);
    } else if (msg.type === "result") {
      var run = active;
      active = null;
      setRunning(panel, false);
      var report = JSON.parse(msg.json);
      if (report.error) {
        setResult(panel, "", null, []);
        showError(panel, report.error, null);
        return;
      }
      showReport(panel, run, report, msg);
    }
  }

  var VERDICT_WORDS = { holds: "Holds", violated: "Violated", incomplete: "Incomplete" };

  function propertyVerdict(report, prop) {
    if (!prop.required && prop.kind.indexOf("sometimes") === 0 && prop.verdict !== "holds") {
      return report.complete ? "never" : "not seen";
    }
    return prop.verdict;
  }

  function showReport(panel, run, report, msg) {
    var p = parts(panel);
    var headline;
    if (report.verdict === "violated") {
      headline = [el("strong", { text: "Violated: " + report.property + "." }),
        " The shortest counterexample has " + report.trace_length + " steps."];
    } else if (report.verdict === "holds") {
      headline = [el("strong", { text: "Holds." }),
        " Every property holds in every reachable state, and every witness was found."];
    } else {
      headline = [el("strong", { text: "Incomplete." }),
        " The state budget of " + fmt(report.max_states) + " states ran out before the search " +
        "ended: nothing is proved about the states it did not reach. Lower the size or raise " +
        "the budget."];
    }
    var timing = fmt(report.states) + " distinct states, " + fmt(report.transitions) +
      " transitions, depth " + report.depth + "; " + report.seconds.toFixed(2) + " s of checking";
    if (report.figure) timing += ", " + report.figure_seconds.toFixed(2) + " s for the step-through";
    if (msg.loadSeconds !== null && msg.loadSeconds !== undefined) {
      timing += " (Python started in " + msg.loadSeconds.toFixed(1) + " s)";
    }
    if (!report.complete && report.verdict === "violated") {
      timing += ". The search stopped at the budget, after finding the counterexample";
    }
    setResult(panel, report.verdict, report.states, [
      el("p", { "class": "live-check__verdict live-check__verdict--" + report.verdict }, headline),
      el("p", { text: timing + "." }),
    ]);

    var rows = report.properties.map(function (prop) {
      var verdict = propertyVerdict(report, prop);
      return el("tr", { "data-property": prop.name, "data-verdict": verdict }, [
        el("td", { text: prop.name + " (" + prop.kind + (prop.required ? "" : ", informative") + ")" }),
        el("td", { text: verdict }),
        el("td", { text: prop.trace_length === null ? "—" : prop.trace_length + " steps" }),
      ]);
    });
    p.details.appendChild(el("table", { "class": "live-check__table" }, [
      el("caption", { text: "Every property of " + paramsLabel(report.params) + ": verdict and shortest trace (a counterexample for always, always-step and progress; a witness for sometimes)." }),
      el("thead", {}, [el("tr", {}, ["property (kind)", "verdict", "shortest trace"].map(function (h) {
        return el("th", { scope: "col", text: h });
      }))]),
      el("tbody", {}, rows),
    ]));

    if (report.figure_error) {
      p.details.appendChild(el("p", { text: "The step-through was not drawn: " + report.figure_error + "." }));
    }
    if (report.figure) {
      var steps = el("ol", {}, report.trace.map(function (line) { return el("li", { text: line }); }));
      p.details.appendChild(el("p", {}, [el("strong", {
        text: "Shortest counterexample for “" + report.property + "”, step by step",
      }), " — move the slider under the figure; the same figure as in the race notebook."]));
      var figure = el("div", { "class": "plotly-figure live-check__figure", "data-steps": String(report.trace_length) });
      p.details.appendChild(figure);
      p.details.appendChild(el("details", {}, [el("summary", { text: "The steps as text" }), steps]));
      // The site's Plotly template, as the notebook's renderer applies it (the spec has none).
      if (panel.dataset.template) report.figure.layout.template = JSON.parse(panel.dataset.template);
      if (window.outageFigures) {
        window.outageFigures.draw(figure, report.figure).catch(function (error) {
          figure.textContent = "The figure could not be drawn: " + error.message;
        });
      } else {
        figure.textContent = "The figure could not be drawn (figures.js is missing).";
      }
    }
  }

  function paramsLabel(params) {
    var fixes = params.fixes.length ? "fix " + params.fixes.join(", ") : "no fix";
    return params.enactors + " Enactors × " + params.plans + " plans × " + params.endpoints +
      " endpoints, keep " + params.keep + ", " + fixes + (params.lock ? ", lock" : "") +
      (params.write_deleted && params.write_deleted !== "rebuild" ? ", a deleted plan written leaves no records" : "") +
      (params.check_against && params.check_against !== "own" ? ", check against the plan in DNS" : "");
  }

  function setup(panel) {
    if (panel.dataset.ready) return;
    panel.dataset.ready = "true";
    var p = parts(panel);
    p.form.addEventListener("submit", function (event) {
      event.preventDefault();
      start(panel);
    });
    p.stop.addEventListener("click", function () { stop(panel, false); });
    p.form.addEventListener("input", function () { showError(panel, null); });
  }

  function setupAll() {
    // Instant navigation replaced the page: a run whose panel is gone is stopped.
    if (active && !document.body.contains(active.panel)) stop(active.panel, true);
    document.querySelectorAll("[data-live-check]").forEach(setup);
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(setupAll);
  } else {
    document.addEventListener("DOMContentLoaded", setupAll);
  }
})();
