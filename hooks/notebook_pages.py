"""Notebook pages: publish only executed, in-sync notebooks, without inlined CSS or scripts.

* Before a build, every notebook must pass the drift check (its `.ipynb` was produced from its
  `.py`, stores no error, and its exported figures match): a broken or stale notebook fails the
  build instead of reaching the site.
* mkdocs-jupyter inlines about 575 KB of JupyterLab CSS and a few scripts (MathJax and Mermaid
  loaders pointing at CDNs, a copy-button helper, and comments naming them) into every notebook
  page, and a prompt and an SVG icon into every cell. They are removed here:
  `stylesheets/notebook.css` styles notebooks once for the whole site, in both colour schemes,
  and the copy-button helper is served once (hooks/plotly_bundle.py).
* A page shows the notebook, not its plumbing: cell tags (`figure:NAME`, `hide-input`) are not
  shown as chips; a code cell tagged `hide-input` (Jupyter Book's tag) keeps its code, folded
  behind "Show the code"; the complete code stays in the .ipynb and the .py.
* Search indexes a notebook's prose and headings, not its code or raw outputs: both are wrapped
  in elements that Material's search skips (`data-search-exclude`). Heading anchors are
  Material's own `headerlink`, so search result titles do not end in "¶".
* Under the title, a launch bar offers the notebook as .ipynb and as Jupytext .py (served by
  the site, hooks/downloads.py) and the exact commands that run it locally.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

from outage.site import downloads, notebooks

STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Per-cell markup the site draws once instead: the prompts ("In [3]:") and the collapsers are
# hidden by the shared stylesheet, and the copy buttons' icon comes from it too, not from an
# inline SVG per cell.
PROMPT = re.compile(r'<div class="jp-(?:(?:In|Out)putPrompt|Collapser)[^"]*">[^<]*</div>')
COPY_ICON = re.compile(r'<svg\b[^>]*class="clipboard-copy-icon".*?</svg>', re.DOTALL)
PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL)
# Each code cell also carries its source a second time, as the copy button's text; the button
# can copy the highlighted <pre> itself (its text is the source), so the copy goes and the
# <pre> takes its id.
COPY_TEXT = re.compile(
    r'<pre tabindex="0">((?:(?!<pre\b).)*?</pre>\s*</div>)\s*'
    r'<div (?=[^>]*class="clipboard-copy-txt")[^>]*\bid="([^"]+)"[^>]*>[^<]*</div>',
    re.DOTALL,
)
# Pygments wraps every token of highlighted code in a span of the token's class, which makes
# up a third of a notebook page. The shared stylesheet colours roles, not tokens: each token
# class maps to its role here, spans of a class with no colour (names, whitespace) are
# unwrapped, and neighbouring spans of one role merge. The code's text is unchanged.
TOKEN_ROLES = {
    "c": ("c", "c1", "cm", "ch", "sd"),  # comment
    "k": ("k", "kn", "kc", "kd", "kr", "ow"),  # keyword
    "s": ("s", "s1", "s2", "sa", "si", "se"),  # string
    "m": ("m", "mi", "mf"),  # number
    "nf": ("nf", "fm"),  # function
    "nb": ("nb", "bp"),  # built-in
    "nc": ("nc", "nn"),  # class or module name
    "o": ("o", "p"),  # operator, punctuation
    "nd": ("nd",),  # decorator
}
ROLE_OF = {token: role for role, tokens in TOKEN_ROLES.items() for token in tokens}
TOKEN_SPAN = re.compile(r'<span(?: class="([a-z0-9]+)")?>([^<]*)</span>')
SAME_ROLE_RUN = re.compile(r'<span class="([a-z]+)">[^<]*</span>(?:\s*<span class="\1">[^<]*</span>)+')
# TeX in notebook Markdown becomes MathML at build time: browsers draw it natively, so the site
# needs no MathJax and no fonts from elsewhere. Code keeps its dollar signs.
CODE = re.compile(r"(<code\b.*?</code>)", re.DOTALL)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")
BETWEEN_TAGS = re.compile(r">\s+<")
TAG = re.compile(r"(<[^>]*>)")
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
# The tag chips mkdocs-jupyter draws above a tagged cell's code.
CELL_TOOLBAR = re.compile(
    r'<div class="celltoolbar">\s*<div class="button_container tags_button_container">\s*'
    r'<span class="tag-container">(?:\s*<span class="cell-tag">[^<]*</span>)*\s*</span>\s*'
    r"</div>\s*</div>"
)
CODE_CELL = re.compile(r'<div class="jp-Cell jp-CodeCell[^"]*"[^>]*\bid="[^"]*"[^>]*>')
DIV_TAG = re.compile(r"<div\b[^>]*>|</div>")
ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="(#[^"]*)">\xb6</a>')
H1_END = re.compile(r"</h1>")
HIDE_INPUT_TAG = "hide-input"


def on_pre_build(config):
    root = Path(config["docs_dir"]).parent
    notebook_dir, figure_dir = root / "notebooks", root / "snippets" / "figures"
    problems = [
        problem
        for pair in notebooks.pairs(notebook_dir=notebook_dir)
        for problem in notebooks.drift(pair, figure_dir=figure_dir)
    ]
    if problems:
        raise PluginError("notebooks out of date:\n  " + "\n  ".join(problems))


#: Search weight of a notebook page against a chapter's 1: a reader searching a term should
#: land on the chapter that explains it before the notebook that computes it.
NOTEBOOK_SEARCH_BOOST = 0.2


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    page.meta.setdefault("search", {}).setdefault("boost", NOTEBOOK_SEARCH_BOOST)
    html = COMMENT.sub("", STYLE.sub("", html))
    html = CELL_TOOLBAR.sub("", html)
    html = _fold_and_unindex(html)
    html = ANCHOR_LINK.sub(
        r'<a class="headerlink" href="\1" title="Permanent link">&para;</a>', html)
    html = _add_launch_bar(html, page)
    html = COPY_ICON.sub("", PROMPT.sub("", SCRIPT.sub("", html)))
    # Code and output blocks scroll sideways; keyboard users must be able to reach them.
    html = html.replace("<pre>", '<pre tabindex="0">')
    html = COPY_TEXT.sub(r'<pre tabindex="0" id="\2">\1', html)
    # Indentation between tags is dead weight, except inside <pre>, where it is content.
    parts = PRE.split(html)
    return "".join(
        _colour_roles(part) if part.startswith("<pre")
        else _math_to_mathml(BETWEEN_TAGS.sub("><", part))
        for part in parts
    )


def _colour_roles(pre: str) -> str:
    def role_span(match: re.Match) -> str:
        role = ROLE_OF.get(match[1])
        return f'<span class="{role}">{match[2]}</span>' if role else match[2]

    def merged(match: re.Match) -> str:
        return f'<span class="{match[1]}">{TAG.sub("", match[0])}</span>'

    return SAME_ROLE_RUN.sub(merged, TOKEN_SPAN.sub(role_span, pre))


def _mathml(match: re.Match, display: str) -> str:
    mathml = convert(unescape(match.group(1)).strip(), display=display)
    # HTML parsers place <math> in the MathML namespace by themselves.
    return mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "", 1)


def _math_to_mathml(html: str) -> str:
    """Convert TeX in text only: never inside code, a tag, or an attribute (figure data)."""
    converted = []
    for part in CODE.split(html):
        if part.startswith("<code"):
            converted.append(part)
            continue
        for piece in TAG.split(part):
            if not piece.startswith("<"):
                piece = DISPLAY_MATH.sub(lambda m: _mathml(m, "block"), piece)
                piece = INLINE_MATH.sub(lambda m: _mathml(m, "inline"), piece)
            converted.append(piece)
    return "".join(converted)


def _div_end(html: str, start: int) -> int:
    """The index just past the `</div>` that closes the `<div` opening at `start`."""
    depth = 0
    for match in DIV_TAG.finditer(html, start):
        depth += -1 if match.group(0) == "</div>" else 1
        if depth == 0:
            return match.end()
    raise PluginError(f"unbalanced <div> in a notebook page at offset {start}")


def _wrapped(html: str, marker: str, start: int, limit: int, before: str, after: str) -> tuple[str, int]:
    """Wrap the first div whose opening tag starts with `marker` in [start, limit)."""
    index = html.find(marker, start, limit)
    if index < 0:
        return html, limit
    end = _div_end(html, index)
    html = html[:index] + before + html[index:end] + after + html[end:]
    return html, limit + len(before) + len(after)


def _fold_and_unindex(html: str) -> str:
    """Fold `hide-input` cells' code behind "Show the code"; keep code and outputs out of search.

    Material's search parser skips an element carrying `data-search-exclude` and everything in
    it, but it matches elements by tag name, so the wrappers use tags that notebook content does
    not otherwise use (`details`, and the custom elements `nb-input` and `nb-output`).
    """
    position = 0
    while True:
        match = CODE_CELL.search(html, position)
        if match is None:
            return html
        cell_end = _div_end(html, match.start())
        hidden = f"celltag_{HIDE_INPUT_TAG}" in match.group(0)
        if hidden:
            before = ('<details class="nb-show-code" data-search-exclude="code">'
                      "<summary>Show the code</summary>")
            after = "</details>"
        else:
            before, after = '<nb-input data-search-exclude="code">', "</nb-input>"
        html, cell_end = _wrapped(html, '<div class="jp-Cell-inputWrapper"', match.end(),
                                  cell_end, before, after)
        html, cell_end = _wrapped(html, '<div class="jp-Cell-outputWrapper"', match.end(),
                                  cell_end, '<nb-output data-search-exclude="output">',
                                  "</nb-output>")
        position = cell_end


def _add_launch_bar(html: str, page) -> str:
    """Downloads and run-it-locally commands under the notebook's title."""
    match = H1_END.search(html)
    bar = downloads.launch_bar(Path(page.file.src_uri).stem, page.url)
    if match is None:
        return bar + html
    return html[: match.end()] + bar + html[match.end():]
