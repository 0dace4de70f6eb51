"""Replace `<!-- race-manifest-table -->` with the race model's verdicts, from the manifest.

The table is generated from `data/race_expected.json`, the same file the tests check the model
against, so the page cannot disagree with what the model computes.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from outage.race import manifest

MARKER = "<!-- race-manifest-table -->"
PROPERTIES = ("record never empty", "active plan never deleted", "no regression", "progress")


def _cell(result: dict) -> str:
    if result["verdict"] == "holds":
        return "holds"
    return f"**violated** ({result['trace_length']} steps)"


def _row(entry: dict) -> str:
    params = entry["params"]
    fixes = ", ".join(params["fixes"]) or "none"
    lock = " + lock" if params["lock"] else ""
    size = f"{params['enactors']} × {params['plans']} × {params['endpoints']}, keep {params['keep']}"
    cells = [_cell(entry["properties"][name]) for name in PROPERTIES]
    return f"| {size} | {fixes}{lock} | " + " | ".join(cells) + f" | {entry['states']:,} |"


def manifest_table() -> str:
    entries = manifest.load()["entries"]
    header = (
        "| Enactors × plans × endpoints | fixes | " + " | ".join(PROPERTIES) + " | distinct states |\n"
        "|---|---|" + "---|" * len(PROPERTIES) + "---:|"
    )
    return "\n".join([header, *(_row(e) for e in entries if e["size"] != "tiny")])


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    try:
        return markdown.replace(MARKER, manifest_table())
    except (OSError, KeyError, ValueError) as error:
        raise PluginError(f"race manifest table for {page.file.src_uri}: {error}") from None
