"""Notebook pages: publish only executed, in-sync notebooks, without inlined CSS or scripts.

* Before a build, every notebook must pass the drift check (its `.ipynb` was produced from its
  `.py`, stores no error, and its exported figures match): a broken or stale notebook fails the
  build instead of reaching the site.
* mkdocs-jupyter inlines about 575 KB of JupyterLab CSS and a few scripts (MathJax and Mermaid
  loaders pointing at CDNs, a copy-button helper, and comments naming them) into every notebook page. They are removed
  here; `stylesheets/notebook.css` styles notebooks once for the whole site, in both colour
  schemes, and the copy-button helper is served once (hooks/plotly_bundle.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from outage.site import notebooks

STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
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
    # Code and output blocks scroll sideways; keyboard users must be able to reach them.
    html = html.replace("<pre>", '<pre tabindex="0">')
    return SCRIPT.sub("", html)
