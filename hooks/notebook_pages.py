"""Notebook pages: publish only executed, in-sync notebooks, without inlined CSS or scripts.

* Before a build, every notebook must pass the drift check (its `.ipynb` was produced from its
  `.py`, stores no error, and its exported figures match): a broken or stale notebook fails the
  build instead of reaching the site.
* mkdocs-jupyter inlines about 575 KB of JupyterLab CSS and a few scripts (MathJax and Mermaid
  loaders pointing at CDNs, a copy-button helper, and comments naming them) into every notebook
  page, and a prompt and an SVG icon into every cell. They are removed here:
  `stylesheets/notebook.css` styles notebooks once for the whole site, in both colour schemes,
  and the copy-button helper is served once (hooks/plotly_bundle.py).
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

from outage.site import notebooks

STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Per-cell markup the site draws once instead: the prompts ("In [3]:") are hidden by the shared
# stylesheet, and the copy buttons' icon comes from it too, not from an inline SVG per cell.
PROMPT = re.compile(r'<div class="jp-(?:In|Out)putPrompt[^"]*">[^<]*</div>')
COPY_ICON = re.compile(r'<svg\b[^>]*class="clipboard-copy-icon".*?</svg>', re.DOTALL)
PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL)
# Pygments wraps every name and every space of highlighted code in its own span; the shared
# stylesheet gives names (n) and whitespace (w) no colour of their own, so those spans (and
# the empty one at the start of each block) only weigh the page down: a third of its bytes.
UNCOLOURED_TOKEN = re.compile(r'<span class="[nw]">([^<]*)</span>|<span></span>')
# TeX in notebook Markdown becomes MathML at build time: browsers draw it natively, so the site
# needs no MathJax and no fonts from elsewhere. Code keeps its dollar signs.
CODE = re.compile(r"(<code\b.*?</code>)", re.DOTALL)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")
BETWEEN_TAGS = re.compile(r">\s+<")
TAG = re.compile(r"(<[^>]*>)")
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


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


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = COMMENT.sub("", STYLE.sub("", html))
    html = COPY_ICON.sub("", PROMPT.sub("", SCRIPT.sub("", html)))
    # Code and output blocks scroll sideways; keyboard users must be able to reach them.
    html = html.replace("<pre>", '<pre tabindex="0">')
    # Indentation between tags is dead weight, except inside <pre>, where it is content.
    parts = PRE.split(html)
    return "".join(
        UNCOLOURED_TOKEN.sub(r"\1", part) if part.startswith("<pre")
        else _math_to_mathml(BETWEEN_TAGS.sub("><", part))
        for part in parts
    )


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
