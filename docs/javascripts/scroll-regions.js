/*
 * Wide tables and code blocks scroll sideways inside their wrappers. Keyboard users can only
 * scroll a region that takes focus, so every such wrapper becomes a focusable, named region.
 * Runs on every page Material's instant navigation shows, after Material has wrapped the tables.
 */
(function () {
  "use strict";

  function labelScrollRegions() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (region) {
      if (region.hasAttribute("tabindex")) return;
      region.setAttribute("tabindex", "0");
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", "Table (scrolls sideways)");
    });
    // Code blocks written in a notebook's Markdown cells scroll inside themselves too.
    document.querySelectorAll(".jupyter-wrapper .jp-RenderedMarkdown .highlight pre")
      .forEach(function (region) {
        if (region.hasAttribute("tabindex")) return;
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        region.setAttribute("aria-label", "Code (scrolls sideways)");
      });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(labelScrollRegions);
  } else {
    document.addEventListener("DOMContentLoaded", labelScrollRegions);
  }
})();
