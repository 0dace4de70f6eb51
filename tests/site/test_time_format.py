"""One time format across the site: 12-hour PDT clock ("2:25 AM") in chapters, notebook text,
printed outputs and figure axes; 24-hour times only where they are UTC ("06:48 UTC")."""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT

TWENTY_FOUR_HOUR = re.compile(r"\b[0-2]\d:[0-5]\d(?::[0-5]\d)?\b(?! ?(?:UTC|AM|PM))")
FENCED_CODE = re.compile(r"```.*?```", re.S)
INLINE_CODE = re.compile(r"`[^`]*`")
QUOTED = re.compile(r'"[^"\n]*"')
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def prose(text: str) -> str:
    """Text without code and without quotations (a quoted source keeps its own format)."""
    return QUOTED.sub("", INLINE_CODE.sub("", FENCED_CODE.sub("", text)))


@pytest.mark.parametrize("chapter", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_chapters_write_clock_times_in_12_hour_pdt(chapter):
    assert TWENTY_FOUR_HOUR.findall(prose(chapter.read_text(encoding="utf-8"))) == []


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
