/*
 * Draws every Plotly figure of a page with the site's one self-hosted plotly.js.
 *
 * Figures arrive as an empty <div class="plotly-figure"> whose data is either inline
 * (data-figure, as outage.site.renderer writes it) or, on the built site, in a JSON file of its
 * own (data-figure-src, moved there by hooks/figure_data.py).
 * plotly.js is loaded on the first page that has a figure and kept for the rest of the visit.
 * Material's instant navigation swaps pages without reloading, so drawing subscribes to its
 * document$ stream; and figures take their text and grid colours from the current colour
 * scheme, redrawn when the reader toggles light/dark.
 * A figure in a hidden content tab has no width yet: it is drawn when it first gets one, and
 * every figure follows its box's width afterwards (a tab opened, a phone turned), so none is
 * drawn at plotly.js's default 700 px.
 */
(function () {
  "use strict";

  var bundleUrl = new URL("plotly.min.js", document.currentScript.src).href;
  var loading = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = bundleUrl;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { reject(new Error("could not load " + bundleUrl)); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  // Material's colours are CSS variables (some in hsla); let the browser resolve them.
  function resolvedColour(variable) {
    var probe = document.createElement("span");
    probe.style.color = "var(" + variable + ")";
    document.body.appendChild(probe);
    var colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  }

  function schemeUpdate(layout) {
    var text = resolvedColour("--md-default-fg-color");
    var grid = resolvedColour("--md-default-fg-color--lightest");
    var line = resolvedColour("--md-default-fg-color--lighter");
    var update = {
      "font.color": text,
      "font.family": getComputedStyle(document.body).fontFamily,
      "legend.font.color": text,
      "title.font.color": text,
    };
    Object.keys(layout).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) {
        update[key + ".gridcolor"] = grid;
        update[key + ".linecolor"] = line;
        update[key + ".zerolinecolor"] = line;
        update[key + ".tickfont.color"] = text;
        update[key + ".title.font.color"] = text;
      }
    });
    if (layout.sliders) {
      layout.sliders.forEach(function (_, i) {
        update["sliders[" + i + "].font.color"] = text;
        update["sliders[" + i + "].currentvalue.font.color"] = text;
      });
    }
    return update;
  }

  // The data file's address is fixed when the page's markup arrives (document$), while the
  // address bar and the markup agree. Material's instant navigation changes the address before
  // it swaps the markup, so a path resolved later (plotly.js still loading, say) would point
  // below the next page.
  function dataUrl(div) {
    if (!div._figureUrl) div._figureUrl = new URL(div.dataset.figureSrc, document.baseURI).href;
    return div._figureUrl;
  }

  function figureSpec(div) {
    if (div.dataset.figure) return Promise.resolve(JSON.parse(div.dataset.figure));
    var url = dataUrl(div);
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error("figure data " + url + ": " + response.status);
      return response.json();
    });
  }

  var resizer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var div = entry.target;
      if (entry.contentRect.width === 0) return;
      if (div._pendingDraw) {
        var pending = div._pendingDraw;
        div._pendingDraw = null;
        pending();
      } else if (div.dataset.rendered && window.Plotly) {
        window.Plotly.Plots.resize(div);
      }
    });
  });

  function whenWide(div) {
    if (div.clientWidth > 0 || !resizer) return Promise.resolve();
    return new Promise(function (resolve) { div._pendingDraw = resolve; });
  }

  function draw(Plotly, div, spec) {
    var layout = spec.layout || {};
    // The mode bar shows on hover only; on a phone (where a tap is a hover) not at all, so it
    // never covers the legend or a label above the plot. Pinch and double-tap still zoom.
    var narrow = window.matchMedia("(max-width: 44.9375em)").matches;
    var config = { responsive: true, displaylogo: false, displayModeBar: narrow ? false : "hover" };
    if (resizer) resizer.observe(div);
    return whenWide(div).then(function () {
      return Plotly.newPlot(div, spec.data || [], layout, config);
    }).then(function () {
      if (spec.frames) Plotly.addFrames(div, spec.frames);
      div.dataset.rendered = "true";
      return Plotly.relayout(div, schemeUpdate(layout));
    });
  }

  function drawAll() {
    var divs = Array.prototype.slice.call(document.querySelectorAll("div.plotly-figure"));
    if (divs.length === 0) return;
    divs.forEach(function (div) { if (div.dataset.figureSrc) dataUrl(div); });
    loadPlotly().then(function (Plotly) {
      divs.forEach(function (div) {
        // The reader may have left the page while plotly.js loaded.
        if (div.dataset.rendered || !div.isConnected) return;
        figureSpec(div).then(function (spec) { return draw(Plotly, div, spec); });
      });
    });
  }

  function recolourAll() {
    if (!window.Plotly) return;
    document.querySelectorAll("div.plotly-figure[data-rendered]").forEach(function (div) {
      window.Plotly.relayout(div, schemeUpdate(div.layout || {}));
    });
  }

  new MutationObserver(recolourAll).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-md-color-scheme"],
  });

  // The in-page checker (live-check.js) draws the figures it computes with this same code, so
  // they get the site's plotly.js, its colour schemes and its resizing.
  window.outageFigures = {
    draw: function (div, spec) {
      return loadPlotly().then(function (Plotly) { return draw(Plotly, div, spec); });
    },
  };

  if (typeof document$ !== "undefined") {
    document$.subscribe(drawAll);
  } else {
    document.addEventListener("DOMContentLoaded", drawAll);
  }
})();
