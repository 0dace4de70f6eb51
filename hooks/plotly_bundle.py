"""Ship one self-hosted plotly.js (and the notebook copy buttons' script) with the site.

The bundle is the npm partial build `plotly.js-basic-dist-min`, pinned in package.json to
the plotly.js version of the Python `plotly` package, installed by `npm ci`. It is copied, not
committed, and only `javascripts/figures.js` loads it, on pages that have a figure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import mkdocs_jupyter
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "node_modules" / "plotly.js-basic-dist-min" / "plotly-basic.min.js"
CLIPBOARD = (
    Path(mkdocs_jupyter.__file__).parent
    / "templates" / "mkdocs_html" / "assets" / "clipboard.umd.js"
)
TARGETS = {BUNDLE: "javascripts/plotly.min.js", CLIPBOARD: "javascripts/clipboard.umd.js"}


def on_post_build(config):
    for source, relative in TARGETS.items():
        if not source.exists():
            raise PluginError(f"{source.name} is missing: run scripts/setup (it runs npm ci)")
        target = Path(config["site_dir"]) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
