"""The site's figure style in pure Python: clock format, colour contrast, label wrapping.

No plotly and no numpy here: figure specs that run in the reader's browser (Pyodide, where
neither is available) use these too. `outage.plotting` re-exports everything and adds what needs
plotly.
"""

from __future__ import annotations

import datetime as dt
import re

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
