"""Serve what readers take away: notebooks, data files, the timeline as CSV/JSON, the citation.

The files and tables come from `outage.site.downloads`; this hook copies them into the built
site under `downloads/` and replaces `<!-- downloads-table -->` in a page with a table of them,
and `<!-- cite-this -->` with a "cite this" box made from `CITATION.cff`.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path

from outage.site import downloads

TABLE_MARKER = "<!-- downloads-table -->"
CITE_MARKER = "<!-- cite-this -->"

DESCRIPTIONS = {
    "timeline-events.csv": "every time the sources state, one row each (PDT and UTC, source section)",
    "timeline-windows.csv": "every impact window, with its start and end events",
    "timeline.json": "both of the above as JSON",
    "timeline.yaml": "the timeline as the project keeps it (validated on load)",
    "dependencies.yaml": "who depends on whom, each edge with its source",
    "race_expected.json": "the race model's expected verdicts and state counts",
    "cascade.yaml": "the cascade model's assumptions",
    "dns.yaml": "the DNS caching model's assumptions",
    "race.yaml": "the race model's assumptions",
    "race.json": "the live lab's race replay against BIND 9 and Unbound (measured)",
    "tail.json": "the live lab's recovery-tail measurements (measured)",
}


def _all_files(config) -> tuple[dict[str, Path], dict[str, str]]:
    root = Path(config["docs_dir"]).parent
    return ({**downloads.notebook_files(root), **downloads.data_files(root)},
            downloads.timeline_tables(root))


def on_page_markdown(markdown, page, config, files):
    page_dir = page.url.rstrip("/") or "."
    if TABLE_MARKER in markdown:
        copied, generated = _all_files(config)
        rows = ["| File | What it holds |", "|---|---|"]
        for target in [*generated, *copied]:
            name = posixpath.basename(target)
            if target.startswith(f"{downloads.DOWNLOAD_DIR}/notebooks/"):
                what = ("executed notebook, outputs included" if name.endswith(".ipynb")
                        else "notebook source (Jupytext percent format): the file to edit")
            else:
                what = DESCRIPTIONS.get(name, "")
            link = posixpath.relpath(target, page_dir)
            rows.append(f'| <a href="{link}" download="{name}">`{target.split("/", 1)[1]}`</a> | {what} |')
        markdown = markdown.replace(TABLE_MARKER, "\n".join(rows))
    if CITE_MARKER in markdown:
        cff = Path(config["docs_dir"]).parent / "CITATION.cff"
        markdown = markdown.replace(CITE_MARKER, downloads.cite_box(config.get("site_url"), page_dir, cff))
    return markdown


def on_post_build(config):
    site = Path(config["site_dir"])
    copied, generated = _all_files(config)
    for target, source in copied.items():
        path = site / target
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
    for target, text in generated.items():
        path = site / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copyfile(Path(config["docs_dir"]).parent / "CITATION.cff", site / "CITATION.cff")
