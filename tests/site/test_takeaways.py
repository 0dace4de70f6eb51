"""The built site gives readers what they take away and keeps plumbing out of sight: downloads,
the data behind every figure, folded figure code, no cell-tag chips, a search index of prose."""

from __future__ import annotations

import json
import re

import nbformat

from conftest import ROOT
from outage.site import downloads
from test_build import NOTEBOOKS, notebook_pages

FIGURE_DIV = re.compile(r'<div[^>]*class="plotly-figure"[^>]*data-figure-src="([^"]+)"[^>]*></div>')
DATA_LINE = re.compile(r'<p class="figure-data"[^>]*>.*?</p>', re.S)


def test_downloads_are_the_projects_own_files(built_site):
    offered = {**downloads.notebook_files(ROOT), **downloads.data_files(ROOT)}
    assert len(offered) >= 2 * len(NOTEBOOKS) + 5
    for target, source in offered.items():
        assert (built_site.site_dir / target).read_bytes() == source.read_bytes(), target
    for target, text in downloads.timeline_tables(ROOT).items():
        assert (built_site.site_dir / target).read_text(encoding="utf-8") == text
    assert (built_site.site_dir / "CITATION.cff").read_bytes() == (ROOT / "CITATION.cff").read_bytes()


def test_every_figure_links_its_values_and_its_json(built_site):
    """Under each figure (below its caption, if it has one) a line links the figure's values as
    CSV and the figure as JSON, before the next figure starts."""
    figures = 0
    for page in built_site.site_dir.rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        divs = list(FIGURE_DIV.finditer(html))
        for number, div in enumerate(divs):
            figures += 1
            src = div.group(1)
            end = divs[number + 1].start() if number + 1 < len(divs) else len(html)
            links = DATA_LINE.search(html, div.end(), end)
            assert links, f"{page}: no data line under {src}"
            csv_src = src[: -len(".json")] + ".csv"
            assert f'href="{csv_src}"' in links.group(0) and f'href="{src}"' in links.group(0)
            target = (page.parent / csv_src).resolve()
            assert target.exists() and target.read_text(encoding="utf-8").startswith("frame,trace,point")
    assert figures >= len(NOTEBOOKS)


def test_a_caption_sits_right_under_its_figure(built_site):
    html = (built_site.site_dir / "ec2" / "index.html").read_text(encoding="utf-8")
    div = FIGURE_DIV.search(html)
    after = re.sub(r"<[^>]+>", "", html[div.end(): div.end() + 3000]).strip()
    assert after.startswith("Figure 1"), after[:80]


def test_notebook_pages_show_no_plumbing_and_fold_figure_code(built_site):
    for page, source in zip(notebook_pages(built_site.site_dir), NOTEBOOKS):
        html = page.read_text(encoding="utf-8")
        assert 'class="cell-tag"' not in html, page
        assert "outage.site.renderer" not in html, page
        assert 'class="nb-launch"' in html and f'download="{source.stem}.ipynb"' in html, page
        notebook = nbformat.read(source, as_version=4)
        hidden = sum("hide-input" in cell.metadata.get("tags", []) for cell in notebook.cells)
        assert html.count('<details class="nb-show-code"') == hidden, page
        assert html.count("<summary>Show the code</summary>") == hidden, page


def test_search_indexes_notebook_prose_not_code_or_outputs(built_site):
    index = json.loads((built_site.site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    assert not [doc["title"] for doc in docs if "¶" in doc["title"]]
    for source in NOTEBOOKS:
        notebook = nbformat.read(source, as_version=4)
        name = f"notebooks/{source.stem}/"
        text = " ".join(doc["text"] for doc in docs if doc["location"].startswith(name))
        assert text, f"{name}: no prose indexed"
        code_lines = [line.strip() for cell in notebook.cells if cell.cell_type == "code"
                      for line in cell.source.splitlines() if len(line.strip()) > 25]
        indexed = [line for line in code_lines if line in text]
        assert indexed == [], f"{name}: code in the search index: {indexed[:3]}"
        outputs = [line.strip() for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []) if output.get("output_type") == "stream"
                   for line in output["text"].splitlines() if len(line.strip()) > 30]
        assert [line for line in outputs if line in text] == [], f"{name}: printed output indexed"
    weights = {doc["location"]: doc.get("boost", 1) for doc in docs}
    assert weights["notebooks/race/"] < weights.get("race/", 1)


def test_cite_box_and_downloads_table_are_on_their_pages(built_site):
    sources = (built_site.site_dir / "sources" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", sources)
    assert 'id="cite-this"' in sources and "@software{aws-us-east-1-2025-executable-postmortem," in text
    run = (built_site.site_dir / "run-it-yourself" / "index.html").read_text(encoding="utf-8")
    assert 'download="timeline-events.csv"' in run and 'download="race.ipynb"' in run


def test_every_figure_has_an_accessible_name(built_site):
    unnamed = []
    for page in built_site.site_dir.rglob("index.html"):
        for tag in re.findall(r'<div[^>]*class="plotly-figure"[^>]*>', page.read_text(encoding="utf-8")):
            label = re.search(r'aria-label="([^"]*)"', tag)
            if not label or not label.group(1).strip():
                unnamed.append(f"{page.parent.relative_to(built_site.site_dir)}: {tag[:80]}")
    assert unnamed == []
