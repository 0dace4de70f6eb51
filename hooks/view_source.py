""""View source" links that stay on this site.

Every page gets a button to its own source: a chapter's Markdown, a notebook's Jupytext `.py`.
The sources are copied into the built site as plain text, so the link works offline and on any
host, and the site makes no request to a code-hosting service.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path

SOURCE_DIR = "source"


def _source_path(page) -> str:
    src = page.file.src_uri
    if src.endswith(".ipynb"):
        src = src[: -len(".ipynb")] + ".py"
    return f"{SOURCE_DIR}/{src}.txt"


def on_page_context(context, page, config, nav):
    # With directory URLs a page at "race/" is served from "race/index.html".
    page_dir = page.url.rstrip("/") or "."
    page.view_source_url = posixpath.relpath(_source_path(page), page_dir)
    return context


def on_post_build(config):
    docs_dir = Path(config["docs_dir"])
    site_dir = Path(config["site_dir"])
    for source in list(docs_dir.rglob("*.md")) + list((docs_dir / "notebooks").glob("*.py")):
        relative = source.relative_to(docs_dir).as_posix()
        target = site_dir / SOURCE_DIR / f"{relative}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
