"""Every figure of every notebook, drawn alone at phone width (390 px) and at 1280 px.

No site build is needed: each figure output stored in `notebooks/*.ipynb` is drawn in a bare
page with the site's own plotly.js, at the width a phone gives it (the page's content column is
about 358 px wide at a 390-px viewport) and at desktop width. At both widths the plot area must
be at least 55 % of the figure's width and nothing may stick out of the figure's box; titles and
legends must not overlap the plot area. Screenshots go to `artifacts/figures/`.

Run one notebook's figures with `pytest tests/site/test_figures_phone.py -k race`.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser

NOTEBOOK_DIR = ROOT / "notebooks"
PLOTLY_JS = ROOT / "node_modules" / "plotly.js-basic-dist-min" / "plotly-basic.min.js"
ARTIFACTS = ROOT / "artifacts" / "figures"
#: Width of the content column at a 390-px viewport (Material's 0.8 rem side padding).
PHONE_WIDTH_PX = 358
DESKTOP_WIDTH_PX = 760
MIN_PLOT_SHARE = 0.55


def notebook_figures() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        count = 0
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                spec = output.get("data", {}).get("application/vnd.plotly.v1+json")
                if spec is not None:
                    count += 1
                    found.append((f"{path.stem}-{count}", spec))
    return found


FIGURES = notebook_figures()

MEASURE = """(div) => {
  const box = div.getBoundingClientRect();
  const drag = div.querySelector('.nsewdrag');
  const plot = drag ? drag.getBoundingClientRect() : null;
  let right = box.right;
  div.querySelectorAll('svg text').forEach(t => {
    const r = t.getBoundingClientRect();
    if (r.width > 0) right = Math.max(right, r.right);
  });
  const title = div.querySelector('.gtitle');
  const titleBox = title ? title.getBoundingClientRect() : null;
  const legend = div.querySelector('.legend');
  const legendBox = legend ? legend.getBoundingClientRect() : null;
  return {
    width: box.width,
    plotWidth: plot ? plot.width : null,
    plotTop: plot ? plot.top : null,
    overflow: Math.max(0, right - box.right),
    scrollWidth: document.documentElement.scrollWidth,
    titleBottom: titleBox ? titleBox.bottom : null,
    titleRight: titleBox ? titleBox.right : null,
    legendBottom: legendBox ? legendBox.bottom : null,
  };
}"""


@pytest.fixture(scope="module")
def bare_page(browser, tmp_path_factory):
    if not PLOTLY_JS.exists():
        pytest.fail("plotly.js is missing: run scripts/setup")
    folder = tmp_path_factory.mktemp("figures")
    (folder / "plotly.js").write_bytes(PLOTLY_JS.read_bytes())
    (folder / "page.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width'>"
        "<style>body{margin:0;font-family:sans-serif}#fig{margin:0 16px}</style></head>"
        "<body><script src='plotly.js'></script></body></html>",
        encoding="utf-8",
    )
    return (folder / "page.html").as_uri()


@pytest.fixture(scope="module")
def pages(browser, bare_page):
    """One page per width, kept for the module: each figure is drawn into it afresh."""
    contexts, opened = [], {}
    for width in (PHONE_WIDTH_PX, DESKTOP_WIDTH_PX):
        context = browser.new_context(viewport={"width": width + 32, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(bare_page)
        opened[width] = page
    yield opened
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [PHONE_WIDTH_PX, DESKTOP_WIDTH_PX], ids=["phone", "desktop"])
@pytest.mark.parametrize("name,spec", FIGURES, ids=[name for name, _ in FIGURES])
def test_figure_keeps_its_plot_area_and_its_box(pages, name, spec, width):
    page = pages[width]
    page.evaluate(
        """([spec, width]) => {
             const old = document.getElementById('fig');
             if (old) { Plotly.purge(old); old.remove(); }
             const div = document.createElement('div');
             div.id = 'fig';
             div.style.width = width + 'px';
             document.body.appendChild(div);
             const layout = Object.assign({}, spec.layout || {});
             return Plotly.newPlot(div, spec.data || [], layout,
                                   {responsive: true, displaylogo: false});
           }""",
        [spec, width],
    )
    page.wait_for_timeout(50)
    box = page.evaluate(MEASURE, page.query_selector("#fig"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}px.png"), full_page=True)
    if box["plotWidth"] is not None:
        share = box["plotWidth"] / box["width"]
        assert share >= MIN_PLOT_SHARE, f"{name}: plot area is {share:.0%} of the figure's width"
    assert box["overflow"] <= 1, f"{name}: text sticks out {box['overflow']:.0f} px to the right"
    if box["titleBottom"] is not None and box["plotTop"] is not None:
        assert box["titleBottom"] <= box["plotTop"] + 1, f"{name}: the title overlaps the plot area"
    if box["legendBottom"] is not None and box["plotTop"] is not None and box["legendBottom"] < box["plotTop"] + 40:
        assert box["legendBottom"] <= box["plotTop"] + 1, f"{name}: the legend overlaps the plot area"


def test_every_notebook_with_figures_is_measured():
    names = {name.rsplit("-", 1)[0] for name, _ in FIGURES}
    assert {"race", "cascade", "dns_caching", "timeline", "dependencies"} <= names
