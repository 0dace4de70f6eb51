"""The project's Plotly renderer: deterministic, script-free output that round-trips as data."""

from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from outage.site import renderer


def bundle(fig: go.Figure) -> dict:
    return renderer.SiteRenderer().to_mimebundle(fig.to_dict())


def test_renderer_is_the_default_once_imported():
    assert pio.renderers.default == "outage"
    assert pio.templates.default == "outage"


def test_same_figure_gives_same_output_in_a_new_session():
    fig = go.Figure(go.Scatter(x=np.linspace(0, 1, 50), y=np.sin(np.linspace(0, 3, 50))))
    assert bundle(fig) == bundle(fig)


def test_a_figure_shown_twice_on_one_page_gets_two_ids():
    fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
    session = renderer.SiteRenderer()
    first = session.to_mimebundle(fig.to_dict())["text/html"]
    second = session.to_mimebundle(fig.to_dict())["text/html"]
    ids = [re.search(r'id="([^"]+)"', html).group(1) for html in (first, second)]
    assert ids[0] != ids[1]
    assert ids[1] == ids[0] + "-2"


def test_html_holds_no_plotly_js_mathjax_or_cdn():
    html = bundle(go.Figure(go.Scatter(x=[1, 2], y=[1, 2], name="$x$")))["text/html"]
    assert "Plotly.newPlot" not in html
    assert "cdn" not in html.lower()
    assert "mathjax" not in html.lower()
    assert len(html) < 5_000
    assert "<script" not in html
    assert re.fullmatch(r'<div class="plotly-figure" id="fig-[0-9a-f]{10}"[^>]*></div>', html)


def test_html_embeds_the_same_data_as_the_plotly_mimetype():
    output = bundle(go.Figure(go.Bar(x=["a", "b"], y=[1.5, 2.5]), layout=dict(title="T")))
    payload = re.search(r'data-figure="([^"]*)"', output["text/html"]).group(1)
    assert json.loads(unescape(payload)) == output["application/vnd.plotly.v1+json"]


def test_markup_in_figure_text_stays_inside_the_attribute():
    output = bundle(go.Figure(go.Bar(x=['</div><b a="1">&'], y=[1])))
    html = output["text/html"]
    assert html.count("<") == 2
    payload = re.search(r'data-figure="([^"]*)"', html).group(1)
    assert json.loads(unescape(payload))["data"][0]["x"] == ['</div><b a="1">&']


def test_floats_are_rounded_so_last_bit_noise_does_not_change_outputs():
    base = np.array([0.1 + 0.2, 1 / 3, 2.0])
    noisy = base * (1 + 1e-15)
    assert bundle(go.Figure(go.Scatter(y=base))) == bundle(go.Figure(go.Scatter(y=noisy)))
    assert bundle(go.Figure(go.Scatter(y=[0.3]))) != bundle(go.Figure(go.Scatter(y=[0.31])))


def test_layout_uses_the_neutral_site_template():
    spec = bundle(go.Figure(go.Bar(x=[1], y=[1])))["application/vnd.plotly.v1+json"]
    layout = spec["layout"]["template"]["layout"]
    assert layout["paper_bgcolor"] == "rgba(0,0,0,0)"
    assert layout["plot_bgcolor"] == "rgba(0,0,0,0)"
