"""What every figure of the site shares: clock format, phone-friendly layout, readable text.

The figure functions of each model (`outage.race.figures`, `outage.cascade.figures`,
`outage.dns.figures`, `outage.timeline_figures`, ...) take the model's records and return a
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

import datetime as dt
import re
from collections.abc import Iterable

import plotly.graph_objects as go

import outage.site.renderer  # noqa: F401  (registers the site's template and renderer)

#: d3 time format of the site's clock: "2:25 AM" (no leading zero).
CLOCK_FORMAT = "%-I:%M %p"
#: Hover format on time axes: the clock with the day, "2:25 AM, Oct 20".
HOVER_FORMAT = "%-I:%M %p, %b %-d"
#: WCAG AA contrast for normal text.
MIN_CONTRAST = 4.5
#: Longest figure title that fits a 390-px phone screen in one line at the site's font size.
MAX_TITLE_CHARS = 48

# Identifiers that mean something inside the project only: timeline event ids (T05),
# window ids used as keys, figure div ids, notebook cell ids.
_INTERNAL_ID = re.compile(r"\b(?:T\d{2}|fig-[0-9a-f]{6,}|cell-\d+)\b")
_TAG = re.compile(r"<[^>]+>")


def clock(moment: dt.datetime | dt.time) -> str:
    """A wall-clock time as the site writes it: '2:25 AM', '11:48 PM'.

    `moment` is taken as already in the time zone to show (PDT everywhere on this site).
    """
    return f"{moment:%I:%M %p}".lstrip("0")


def time_axis(title: str = "time (PDT)", **overrides) -> dict:
    """Layout of a date axis that shows PDT wall-clock times in the site's format.

    Data on such an axis are naive ISO datetimes in PDT ("2025-10-20T02:25:00").
    """
    axis = dict(type="date", title=dict(text=title), tickformat=CLOCK_FORMAT,
                hoverformat=HOVER_FORMAT)
    axis.update(overrides)
    return axis


def _channels(colour: str) -> tuple[float, float, float]:
    colour = colour.strip().lower()
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    match = re.fullmatch(r"rgba?\(([^)]*)\)", colour.replace(" ", ""))
    if match:
        parts = [float(part) for part in match.group(1).split(",")[:3]]
        return tuple(part / 255 for part in parts)  # type: ignore[return-value]
    named = {"white": (1.0, 1.0, 1.0), "black": (0.0, 0.0, 0.0)}
    if colour in named:
        return named[colour]
    raise ValueError(f"colour {colour!r}: use #rrggbb, #rgb or rgb(r, g, b)")


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0 black … 1 white)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 … 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever reads better on `fill` (the same in light and dark mode)."""
    return "#000000" if contrast_ratio(fill, "#000000") >= contrast_ratio(fill, "#ffffff") else "#ffffff"


def wrap(text: str, width: int = 24) -> str:
    """Break a label into lines of at most about `width` characters, with <br> (Plotly's)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


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
    axes = [name for name in layout.to_plotly_json() if re.fullmatch(r"[xy]axis\d*", name)]
    used = {(getattr(t, "xaxis", None) or "x") for t in fig.data} | {
        (getattr(t, "yaxis", None) or "y") for t in fig.data}
    for name in axes or []:
        short = name.replace("axis", "")
        if short not in used:
            continue
        axis = layout[name]
        hidden = axis.visible is False or axis.showticklabels is False
        if not hidden and not (axis.title and axis.title.text):
            found.append(f"{name} has no title (say what it measures and its unit)")
    if not any(t.type in (None, "scatter", "bar") for t in fig.data):
        pass
    elif layout.showlegend is not False and len(fig.data) > 1:
        if layout.legend.orientation not in ("h",) and (layout.template.layout.legend.orientation != "h"):
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
