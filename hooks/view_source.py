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


_sources: dict[str, Path] = {}


def on_pre_build(config):
    _sources.clear()


def on_page_context(context, page, config, nav):
    source = Path(page.file.abs_src_path)
    if source.suffix == ".ipynb":
        source = source.with_suffix(".py")
    target = _source_path(page)
    _sources[target] = source
    # With directory URLs a page at "race/" is served from "race/index.html".
    page_dir = page.url.rstrip("/") or "."
    page.view_source_url = posixpath.relpath(target, page_dir)
    return context


def on_post_build(config):
    for target, source in _sources.items():
        path = Path(config["site_dir"]) / target
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
