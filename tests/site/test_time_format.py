"""One time format across the site: 12-hour PDT clock ("2:25 AM") in chapters, the glossary,
notebook text, printed outputs and figure axes; 24-hour times only where they are UTC ("06:48 UTC");
and no clock time without AM/PM or UTC ("9:36" could be either half of the day)."""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT

TWENTY_FOUR_HOUR = re.compile(r"\b[0-2]\d:[0-5]\d(?::[0-5]\d)?\b(?! ?(?:UTC|AM|PM))")
# Any h:mm or hh:mm not followed by AM, PM or UTC, either directly or as the first end of a range
# with a dash ("2:25–2:40 AM"); "7:04 to 11:27 AM" needs its own AM.
NO_HALF_OF_DAY = re.compile(
    r"(?<![\d:])\d{1,2}:[0-5]\d(?::[0-5]\d)?(?![\d:])"
    r"(?!\s*(?:[–-]\s*\d{1,2}:[0-5]\d\s*)?(?:AM|PM|UTC)\b)"
)
FENCED_CODE = re.compile(r"```.*?```", re.S)
INLINE_CODE = re.compile(r"`[^`]*`")
QUOTED = re.compile(r'"[^"\n]*"')
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHAPTERS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "snippets" / "glossary.md"] + sorted(
    (ROOT / "snippets" / "notices").glob("*.md"))


def prose(text: str) -> str:
    """Text without code and without quotations (a quoted source keeps its own format)."""
    return QUOTED.sub("", INLINE_CODE.sub("", FENCED_CODE.sub("", text)))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_chapters_write_clock_times_in_12_hour_pdt(chapter):
    assert TWENTY_FOUR_HOUR.findall(prose(chapter.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_chapters_say_which_half_of_the_day(chapter):
    assert NO_HALF_OF_DAY.findall(prose(chapter.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_markdown_says_which_half_of_the_day(path):
    notebook = nbformat.read(path, as_version=4)
    found = [m for cell in notebook.cells if cell.cell_type == "markdown"
             for m in NO_HALF_OF_DAY.findall(prose(cell.source))]
    assert found == []


@pytest.mark.parametrize("text, found", [
    ("at 9:36 and at 09:36", ["9:36", "09:36"]),
    ("from 7:04 to 11:27 AM PDT", ["7:04"]),
    ("11:49:33 PM, 2:25–2:40 AM, 2:25 AM–1:50 PM, 06:48 UTC, 12:38 UTC, scale 1:100, 2 h 37 min", []),
])
def test_a_time_without_am_or_pm_is_found(text, found):
    assert NO_HALF_OF_DAY.findall(text) == found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_text_outputs_and_axes_use_the_site_clock(path):
    notebook = nbformat.read(path, as_version=4)
    found = []
    for cell in notebook.cells:
        texts = [prose(cell.source)] if cell.cell_type == "markdown" else []
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            data = output.get("data", {})
            texts.append(data.get("text/markdown", ""))
            spec = data.get("application/vnd.plotly.v1+json")
            if spec:
                for name, axis in spec.get("layout", {}).items():
                    if (re.fullmatch(r"[xy]axis\d*", name) and axis.get("type") == "date"
                            and axis.get("visible") is not False):  # hidden: parks unchosen what-ifs
                        assert str(axis.get("tickformat", "")).startswith("%-I"), (path.stem, name, axis.get("tickformat"))
                        if axis.get("showticklabels") is False:
                            continue  # a shared axis, labelled once under the bottom row
                        title = axis.get("title", {})
                        title = title.get("text", "") if isinstance(title, dict) else str(title)
                        assert "PDT" in title, (path.stem, name, title)
        for text in texts:
            found += [text[max(0, m.start() - 30): m.end() + 5] for m in TWENTY_FOUR_HOUR.finditer(text)]
    assert found == []
