"""The notebook-page hook on markup shaped like mkdocs-jupyter's: a `hide-input` cell's code is
folded behind "Show the code", other code and every output are wrapped so search skips them,
tag chips go, heading anchors become Material's, and the launch bar sits under the title."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

from conftest import ROOT

spec = importlib.util.spec_from_file_location("notebook_pages_hook", ROOT / "hooks" / "notebook_pages.py")
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)


def cell(tags: list[str], code: str, output: str) -> str:
    classes = " ".join(f"celltag_{tag}" for tag in tags)
    chips = "".join(f'<span class="cell-tag">{tag}</span>' for tag in tags)
    return (
        f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell {classes}" id="cell-id=x">'
        '<div class="jp-Cell-inputWrapper" tabindex="0"><div class="jp-InputArea">'
        '<div class="celltoolbar"><div class="button_container tags_button_container">'
        f'<span class="tag-container">{chips}</span></div></div>'
        f"<div><pre>{code}</pre></div></div></div>"
        f'<div class="jp-Cell-outputWrapper"><div class="jp-OutputArea"><pre>{output}</pre></div></div>'
        "</div>"
    )


PAGE = (
    '<div class="jupyter-wrapper"><h1 id="t">Title<a class="anchor-link" href="#t">\xb6</a></h1>'
    + cell(["hide-input", "figure:demo"], "fig.update_layout(...)", "FIGURE")
    + cell([], "result = explore(model)", "holds")
    + "</div>"
)


def render() -> str:
    page = SimpleNamespace(file=SimpleNamespace(src_uri="notebooks/demo.ipynb"),
                           url="notebooks/demo/", meta={})
    return hook.on_page_content(PAGE, page, {}, None), page


def test_a_hide_input_cell_folds_its_code_and_keeps_its_output_visible():
    html, _ = render()
    folded = html.index('<details class="nb-show-code"')
    assert html.index("<summary>Show the code</summary>") > folded
    closed = html.index("</details>", folded)
    assert folded < html.index("fig.update_layout") < closed < html.index("FIGURE")
    assert html.count('<details class="nb-show-code"') == 1  # the other cell is not folded


def test_other_code_and_every_output_are_out_of_search_and_chips_are_gone():
    html, page = render()
    code = html.index("result = explore(model)")
    assert html.rindex('<nb-input data-search-exclude="code">', 0, code) < code < html.index("</nb-input>", code)
    assert html.count('<nb-output data-search-exclude="output">') == 2
    assert "cell-tag" not in html and "celltoolbar" not in html
    assert page.meta["search"]["boost"] < 1


def test_heading_anchors_are_materials_and_the_launch_bar_follows_the_title():
    html, _ = render()
    assert 'class="anchor-link"' not in html and 'class="headerlink" href="#t"' in html
    assert html.index("</h1>") < html.index('<aside class="nb-launch"') < html.index("nb-show-code")
    assert 'download="demo.ipynb"' in html
