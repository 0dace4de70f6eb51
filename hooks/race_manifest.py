"""Replace the race chapter's table markers with the race model's verdicts, from the manifest.

`<!-- race-manifest-table -->` becomes the fix × property table under our reading of the
sources; `<!-- race-readings-table -->` becomes, for every combination of fixes, the violated
properties under each of the four readings (`write_deleted` × `check_against`). Both are
generated from `data/race_expected.json`, the same file the tests check the model against, so
the page cannot disagree with what the model computes.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from outage.race import manifest

MARKER = "<!-- race-manifest-table -->"
READINGS_MARKER = "<!-- race-readings-table -->"
PROPERTIES = ("record never empty", "active plan never deleted", "no regression", "progress")
READING_HEADERS = {
    ("rebuild", "own"): "rebuild, own (our reading)",
    ("empty", "own"): "empty, own",
    ("rebuild", "applied"): "rebuild, applied",
    ("empty", "applied"): "empty, applied",
}


def _reading(entry: dict) -> tuple[str, str]:
    params = entry["params"]
    return params.get("write_deleted", "rebuild"), params.get("check_against", "own")


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
    """The fix × property table under our reading (every size but the tiny test one)."""
    entries = manifest.load()["entries"]
    header = (
        "| Enactors × plans × endpoints | fixes | " + " | ".join(PROPERTIES) + " | distinct states |\n"
        "|---|---|" + "---|" * len(PROPERTIES) + "---:|"
    )
    rows = [_row(e) for e in entries
            if e["size"] != "tiny" and _reading(e) == manifest.READINGS[0]]
    return "\n".join([header, *rows])


def _violations(entry: dict) -> dict[str, int]:
    return {name: entry["properties"][name]["trace_length"] for name in PROPERTIES
            if entry["properties"][name]["verdict"] == "violated"}


def _reading_cell(entry: dict, ours: dict) -> str:
    """The violated properties under one reading; those our reading does not violate in bold,
    and those only our reading violates named as holding here."""
    broken = _violations(entry)
    ours_broken = _violations(ours)
    parts = [f"**{name} ({n})**" if name not in ours_broken else f"{name} ({n})"
             for name, n in broken.items()]
    parts += [f"**{name} holds**" for name in ours_broken if name not in broken]
    if not parts:
        return "all four hold"
    return "<br>".join(parts)


def readings_table(size: str = "incident") -> str:
    """One row per combination of fixes, one column per reading: which properties fail."""
    entries = [e for e in manifest.load()["entries"]
               if e["size"] == size and not e["params"]["lock"]]
    by_key = {(tuple(e["params"]["fixes"]), _reading(e)): e for e in entries}
    ours = manifest.READINGS[0]
    variants = list(dict.fromkeys(tuple(e["params"]["fixes"]) for e in entries))
    header = ("| fixes | " + " | ".join(READING_HEADERS[r] for r in manifest.READINGS) + " |\n"
              "|---|" + "---|" * len(manifest.READINGS))
    rows = []
    for fixes in variants:
        cells = [_reading_cell(by_key[fixes, r], by_key[fixes, ours]) for r in manifest.READINGS]
        rows.append(f"| {', '.join(fixes) or 'none'} | " + " | ".join(cells) + " |")
    return "\n".join([header, *rows])


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown and READINGS_MARKER not in markdown:
        return markdown
    try:
        if MARKER in markdown:
            markdown = markdown.replace(MARKER, manifest_table())
        if READINGS_MARKER in markdown:
            markdown = markdown.replace(READINGS_MARKER, readings_table())
        return markdown
    except (OSError, KeyError, ValueError) as error:
        raise PluginError(f"race manifest table for {page.file.src_uri}: {error}") from None
