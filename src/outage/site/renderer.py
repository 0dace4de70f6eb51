"""The project's Plotly renderer: figures as data plus site-ready HTML.

Importing this module makes it the default renderer, so `fig.show()` in a notebook emits

* `application/vnd.plotly.v1+json` — the figure as data, shown natively by JupyterLab and
  compared as data by nbval;
* `text/html` — an empty `<div class="plotly-figure">` with a deterministic id, carrying the
  figure JSON in its `data-figure` attribute. No plotly.js, no MathJax, no CDN: the
  site's own `figures.js` loads one self-hosted plotly.js and draws every such div, also after
  instant navigation, and re-colours it when the reader switches light/dark.

The id is derived from the figure's content, so re-executing a notebook gives identical output.
Floats are rounded to 12 significant digits for the same reason: the last bits of a float may
differ between CPUs with different vector units, and a reviewed output must not.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from collections import Counter
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

SIGNIFICANT_DIGITS = 12
DEFAULT_HEIGHT_PX = 420

# Colours that read well on both the light (white) and dark (slate) schemes; the page's
# figures.js sets font and grid colours per scheme.
COLORWAY = (
    "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
    "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac",
    "#1f9e89", "#8c8fe0",
)

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        colorway=list(COLORWAY),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(family="inherit", size=13),
        hoverlabel=dict(font=dict(family="inherit")),
        margin=dict(l=60, r=20, t=40, b=50),
        # Horizontal, above the plot area: a legend at the side would squeeze the plot to a
        # sliver on a phone, and one above pushes the top margin by exactly its own height.
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
        xaxis=dict(automargin=True, zeroline=False),
        yaxis=dict(automargin=True, zeroline=False),
    )
)


def _round_significant(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _round_typed_array(spec: dict) -> dict:
    """Round a Plotly typed array (base64 `bdata` with a `dtype`) if it holds floats."""
    values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    if values.dtype.kind != "f":
        return spec
    rounded = np.array([_round_significant(float(v)) for v in values], dtype=values.dtype)
    return {**spec, "bdata": base64.b64encode(rounded.tobytes()).decode("ascii")}


def _stabilise(obj: Any) -> Any:
    """Return `obj` with every float rounded, in plain lists and in Plotly typed arrays."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            return _round_typed_array(obj)
        return {key: _stabilise(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_stabilise(value) for value in obj]
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "fiub":
        return _stabilise(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return _round_significant(float(obj))
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def figure_json(fig_dict: dict) -> dict:
    """The figure as plain, stable JSON data (what nbval compares and the page draws)."""
    text = pio.to_json(_stabilise(fig_dict), validate=False, remove_uids=True, engine="json")
    spec = json.loads(text)
    spec.pop("config", None)
    return spec


def figure_html(spec: dict, div_id: str) -> str:
    """The site-ready HTML for one figure: a placeholder div carrying its data.

    The data sits in an attribute, not in a `<script type="application/json">`: Material's
    instant navigation re-creates every script element of a new page without its attributes,
    which would turn the data into JavaScript to run.
    """
    height = spec.get("layout", {}).get("height") or DEFAULT_HEIGHT_PX
    payload = json.dumps(spec, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    title = spec.get("layout", {}).get("title", {})
    label = title.get("text") if isinstance(title, dict) else None
    aria = f' aria-label="{html.escape(label, quote=True)}"' if label else ""
    return (
        f'<div class="plotly-figure" id="{div_id}" role="figure"{aria}'
        f' style="min-height:{int(height)}px"'
        f' data-figure="{html.escape(payload, quote=True)}"></div>'
    )


class SiteRenderer(MimetypeRenderer):
    """Plotly renderer emitting figure data and deterministic, script-free site HTML."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def to_mimebundle(self, fig_dict: dict) -> dict:
        spec = figure_json(fig_dict)
        digest = hashlib.sha1(
            json.dumps(spec, sort_keys=True).encode("utf-8")
        ).hexdigest()[:10]
        self._seen[digest] += 1
        count = self._seen[digest]
        div_id = f"fig-{digest}" if count == 1 else f"fig-{digest}-{count}"
        return {
            "application/vnd.plotly.v1+json": spec,
            "text/html": figure_html(spec, div_id),
        }


pio.templates["outage"] = TEMPLATE
pio.templates.default = "outage"
pio.renderers["outage"] = SiteRenderer()
pio.renderers.default = "outage"
