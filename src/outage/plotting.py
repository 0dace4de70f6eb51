"""What every figure of the site shares: clock format, phone-friendly layout, readable text.

The figure functions of each model (`outage.race.figures`, `outage.cascade.figures`,
`outage.dns.figures`, `outage.incident_figures`, ...) take the model's records and return a
`plotly.graph_objects.Figure`. They build on the few conventions here, so that every figure of
the site reads the same way:

* **One clock format.** Times are written as the site writes them in prose, 12-hour PDT wall
  clock: "2:25 AM", "11:48 PM". `clock()` formats a moment; `time_axis()` gives a date axis
  with the same format on its ticks and in its hover text.
* **Phone first.** A figure must stay usable at 390 px: the legend runs horizontally above the
  plot (set by the site's Plotly template), titles are short or absent (the caption under the
  figure says what to look at), and long category labels are wrapped or shortened.
* **Text on filled marks is readable in both colour schemes.** A mark's fill is the same in
  light and dark mode, so the text drawn on it takes the colour of best contrast with the fill
  itself (`text_colour_on`), never the page's text colour.

`problems(fig)` lists what breaks these rules; every figure function's tests call it.

Importing this module registers the site's Plotly renderer and template (outage.site.renderer),
so a notebook that imports any figure function needs no set-up line of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import plotly.graph_objects as go

import outage.site.renderer  # noqa: F401  (registers the site's template and renderer)

from outage.plotstyle import (  # noqa: F401  (re-exported)
    _INTERNAL_ID,
    _TAG,
    CLOCK_FORMAT,
    HOVER_FORMAT,
    MAX_TITLE_CHARS,
    MIN_CONTRAST,
    clock,
    contrast_ratio,
    relative_luminance,
    text_colour_on,
    time_axis,
    wrap,
)


def _text_values(value) -> Iterable[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return [str(v) for v in value if v is not None]
    except TypeError:
        return [str(value)]


def _as_list(value, n: int) -> list:
    if value is None:
        return [None] * n
    if isinstance(value, (str, int, float)):
        return [value] * n
    values = list(value)
    return values if len(values) >= n else values + [values[-1] if values else None] * (n - len(values))


def _figure_parts(fig: go.Figure) -> list[tuple[go.Layout | dict, list]]:
    """The figure's data and every animation frame's data, each with the layout it shows with."""
    parts = [(fig.layout, list(fig.data))]
    for frame in fig.frames or ():
        parts.append((frame.layout or {}, list(frame.data or ())))
    return parts


def problems(fig: go.Figure) -> list[str]:
    """Every way `fig` breaks the site's figure rules; an empty list when it keeps them all.

    Checked: every cartesian axis that shows ticks has a title; the figure title (if any) is
    short enough for a phone; hover and text hold no project-internal ids; text drawn inside or
    on filled marks (bars, markers with `mode` text and `textposition` inside or centred) has an
    explicit colour with at least 4.5:1 contrast on its fill; the legend, if shown, is
    horizontal (a vertical legend at the side squeezes the plot on a phone).
    """
    found: list[str] = []
    layout = fig.layout
    title = layout.title.text if layout.title and layout.title.text else ""
    plain_title = _TAG.sub(" ", title)
    if len(plain_title) > MAX_TITLE_CHARS and "<br>" not in title:
        found.append(f"title is {len(plain_title)} characters (at most {MAX_TITLE_CHARS} fit a phone): "
                     f"{plain_title[:60]!r}; put the rest in the caption")
    cartesian = [t for t in fig.data if t.type in ("scatter", "bar")]
    used = {getattr(t, "xaxis", None) or "x" for t in cartesian} | {
        getattr(t, "yaxis", None) or "y" for t in cartesian}
    for short in sorted(used):
        name = f"{short[0]}axis{short[1:]}"
        axis = layout[name]
        hidden = axis.visible is False or axis.showticklabels is False
        if not hidden and not (axis.title and axis.title.text):
            found.append(f"{name} has no title (say what it measures and its unit)")
    if layout.showlegend is not False and len(fig.data) > 1:
        orientation = layout.legend.orientation or layout.template.layout.legend.orientation
        if orientation != "h":
            found.append("legend is vertical: use the site template's horizontal legend or direct labels")
    for part_layout, traces in _figure_parts(fig):
        for trace in traces:
            name = getattr(trace, "name", None) or trace.type
            texts = []
            for attribute in ("hovertext", "text", "hovertemplate", "name"):
                texts += _text_values(getattr(trace, attribute, None))
            for text in texts:
                hit = _INTERNAL_ID.search(text)
                if hit:
                    found.append(f"trace {name!r}: internal id {hit.group(0)!r} in {text[:60]!r}")
                    break
            found += _text_contrast(trace, name)
        annotations = part_layout["annotations"] if "annotations" in part_layout else ()
        for annotation in annotations or ():
            hit = _INTERNAL_ID.search(str(annotation["text"] or ""))
            if hit:
                found.append(f"annotation: internal id {hit.group(0)!r}")
    return found


def _text_contrast(trace, name: str) -> list[str]:
    """Text drawn on a trace's own filled marks, checked against each mark's fill."""
    if trace.type not in ("scatter", "bar") or not trace.text:
        return []
    if trace.type == "scatter":
        mode = trace.mode or ""
        position = trace.textposition or "middle center"
        on_mark = "text" in mode and "markers" in mode and (
            position == "middle center" if isinstance(position, str)
            else all(p == "middle center" for p in position))
    else:
        position = trace.textposition or "auto"
        on_mark = (position in ("inside", "auto") if isinstance(position, str)
                   else any(p in ("inside", "auto") for p in position))
    if not on_mark:
        return []
    texts = _as_list(trace.text, 1)
    fills = _as_list(trace.marker.color, len(texts))
    font = trace.textfont.color if trace.textfont else None
    if font is None or (not isinstance(font, str) and not list(font)):
        return [f"trace {name!r}: text on filled marks needs an explicit colour (text_colour_on)"]
    fonts = _as_list(font, len(texts))
    found = []
    for text, fill, colour in zip(texts, fills, fonts):
        if not text or not isinstance(fill, str) or not isinstance(colour, str):
            continue
        ratio = contrast_ratio(fill, colour)
        if ratio < MIN_CONTRAST:
            found.append(f"trace {name!r}: {text!r} in {colour} on {fill} has contrast {ratio:.1f} "
                         f"(needs {MIN_CONTRAST})")
    return found
