"""The strict build: zero warnings, notebook pages light and self-contained, sources linked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Elements that make the browser fetch something; a canonical <link> is only a name.
FETCHING = re.compile(r"<(script|img|iframe|source|link)\b([^>]*)>", re.I)
REMOTE = re.compile(r"""\b(?:src|href)=["'](?:https?:)?//""", re.I)


def remote_fetches(html: str) -> list[str]:
    return [
        attrs for tag, attrs in FETCHING.findall(html)
        if REMOTE.search(attrs) and not (tag.lower() == "link" and 'rel="canonical"' in attrs)
    ]


def notebook_pages(site_dir: Path) -> list[Path]:
    return [site_dir / "notebooks" / path.stem / "index.html" for path in NOTEBOOKS]


def test_strict_build_has_no_warnings(built_site):
    warnings = [line for line in built_site.log.splitlines() if "WARNING" in line]
    assert warnings == []


def test_every_notebook_is_published(built_site):
    assert NOTEBOOKS, "no executed notebooks in notebooks/"
    for page in notebook_pages(built_site.site_dir):
        assert page.exists(), page


def test_notebook_pages_carry_no_inlined_css_or_scripts(built_site):
    for page in notebook_pages(built_site.site_dir):
        html = page.read_text(encoding="utf-8")
        assert "<style" not in html, page
        assert "jp-Notebook" in html, page
        inline_scripts = re.findall(r"<script\b([^>]*)>", html)
        for attrs in inline_scripts:
            assert "src=" in attrs or 'id="__config"' in attrs or attrs == "", (page, attrs)
        notebook_part = html[html.index("jupyter-wrapper") - 200:]
        assert "mathjax" not in notebook_part.lower(), page
        assert "mermaid" not in notebook_part.lower(), page


def test_notebook_code_keeps_its_text_and_is_coloured_by_role(built_site):
    """Token spans become one span per run of a colour role, and tokens without a colour
    (names, whitespace) lose theirs; the code's text stays as it was."""
    html = (built_site.site_dir / "notebooks" / "cascade" / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="highlight-ipynb[^"]*"><pre[^>]*>(.*?)</pre>', html, flags=re.S)
    assert blocks
    text = "".join(re.sub(r"<[^>]+>", "", block) for block in blocks)
    assert "results = scenarios.run_all()" in text
    assert 'print(f"{name:17s}", ", ".join(' in text.replace("&quot;", '"')
    classes = {c for block in blocks for c in re.findall(r'<span class="([^"]*)">', block)}
    stylesheet = (ROOT / "docs" / "stylesheets" / "notebook.css").read_text(encoding="utf-8")
    roles = set(re.findall(r"\.highlight-ipynb \.([a-z]+) \{ color", stylesheet))
    assert {"k", "s", "m", "o", "c"} <= classes <= roles, classes - roles
    assert "<span></span>" not in html
    assert not re.search(r'<span class="([a-z]+)">[^<]*</span>\s*<span class="\1">', "".join(blocks))


def test_copy_buttons_copy_the_highlighted_code_and_the_source_is_not_repeated(built_site):
    for page in notebook_pages(built_site.site_dir):
        html = page.read_text(encoding="utf-8")
        assert "clipboard-copy-txt" not in html, page
        targets = re.findall(r'<clipboard-copy[^>]*\bfor="([^"]+)"', html)
        assert targets, page
        for target in targets:
            # The code a button copies is the next <pre> after it: the code of its own cell.
            next_pre = rf'for="{target}"(?:(?!<pre\b).)*<pre tabindex="0" id="{target}">'
            assert re.search(next_pre, html, flags=re.S), (page, target)


def test_no_page_loads_anything_from_another_host(built_site):
    for page in built_site.site_dir.rglob("*.html"):
        assert remote_fetches(page.read_text(encoding="utf-8")) == [], page


def test_published_notebooks_store_no_errors():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                assert output.get("output_type") != "error", path
                assert "Traceback" not in str(output.get("text", "")), path


def test_every_page_links_to_its_own_source(built_site):
    pages = [p for p in built_site.site_dir.rglob("index.html") if "source" not in p.parts]
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        match = re.search(r'<a href="([^"]+)" title="View the source of this page"', html)
        assert match, page
        assert (page.parent / match.group(1)).resolve().is_file(), (page, match.group(1))


def test_plotly_bundle_and_copy_buttons_are_served_once(built_site):
    javascripts = built_site.site_dir / "javascripts"
    assert (javascripts / "plotly.min.js").stat().st_size > 500_000
    assert (javascripts / "clipboard.umd.js").exists()
    for page in built_site.site_dir.rglob("*.html"):
        assert "plotly.min.js" not in page.read_text(encoding="utf-8"), page


def test_figure_data_is_served_beside_the_pages_not_inside_them(built_site):
    pages = [p for p in built_site.site_dir.rglob("*.html") if "plotly-figure" in p.read_text(encoding="utf-8")]
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "data-figure=" not in html, page
        for src in re.findall(r'data-figure-src="([^"]+)"', html):
            data = json.loads((page.parent / src).read_text(encoding="utf-8"))
            assert data["data"], (page, src)


def test_notebook_math_is_mathml_and_code_keeps_its_dollars(built_site):
    html = (built_site.site_dir / "notebooks" / "race" / "index.html").read_text(encoding="utf-8")
    assert html.count("<math") >= 5
    text_nodes = re.findall(r">([^<]+)<", re.sub(r"<(pre|code)\b.*?</\1>", "", html, flags=re.S))
    assert not [t for t in text_nodes if re.search(r"\$[^$\s][^$]*\$", t)]
