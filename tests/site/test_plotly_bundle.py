"""The site's one plotly.js: the pinned partial bundle, same version as Python's, knows every trace."""

from __future__ import annotations

import json

import nbformat
import pytest
from plotly.offline import get_plotlyjs_version

from conftest import ROOT

PLOTLY = "application/vnd.plotly.v1+json"


def trace_types_used() -> set[str]:
    """Every trace type in every stored figure of every notebook, animation frames included."""
    types = set()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                figure = output.get("data", {}).get(PLOTLY)
                if not figure:
                    continue
                traces = list(figure.get("data", []))
                for frame in figure.get("frames", []):
                    traces.extend(frame.get("data", []))
                types.update(trace.get("type", "scatter") for trace in traces)
    return types


def test_npm_pin_matches_the_python_packages_plotly_js():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert pinned["plotly.js-basic-dist-min"] == get_plotlyjs_version()
    # plotly.js is the site's only plotting library (Pyodide is the in-page checker's runtime).
    assert not [name for name in pinned if "plotly" in name and name != "plotly.js-basic-dist-min"]


@pytest.mark.browser
def test_bundle_knows_every_trace_type_the_notebooks_use(site_url, browser):
    used = trace_types_used()
    assert "bar" in used
    page = browser.new_page()
    page.goto(site_url + "404.html")
    page.add_script_tag(url=site_url + "javascripts/plotly.min.js")
    version, known = page.evaluate(
        "() => [Plotly.version, Object.keys(Plotly.PlotSchema.get().traces)]"
    )
    page.close()
    assert version == get_plotlyjs_version()
    assert used <= set(known), f"not in the bundle: {sorted(used - set(known))}"
