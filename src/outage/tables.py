"""Markdown tables generated from the project's data, for the site's build hooks.

- `timeline_table`: every event of the timeline, for the timeline chapter.
- `assumptions_table`: every modelling assumption, from `data/assumptions/*.yaml` and the
  timeline's own, for the methodology chapter.

Each assumptions file holds `model:` (text) and `assumptions:` (a non-empty list of mappings with
`name`, `value`, `unit` and `why`; a value is text, a number, true/false or a list of those).
A malformed file raises `AssumptionsError`, naming the file,
the entry and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from outage.datafile import YAML_LOADER, DataFileError
from outage.timeline import Timeline

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS_DIR = ROOT / "data" / "assumptions"


class AssumptionsError(DataFileError):
    """An assumptions file is malformed; the message names file, entry and field."""


def cell(text: Any) -> str:
    """Text made safe for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def timeline_table(timeline: Timeline) -> str:
    """One row per event: id, PDT date and time, UTC, subsystem, what, windows, source."""
    lines = [
        "| ID | PDT | UTC | Subsystem | What happened | Opens / closes | Source |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in timeline.events:
        pdt = e.pdt_label().replace(" PDT, ", " PDT<br>")
        utc = "—" if e.utc is None else (
            f"{e.utc:%d %b %H:%M:%S}" if e.precision == "second" else f"{e.utc:%d %b %H:%M}"
        ).lstrip("0")
        what = cell(e.what)
        if e.note:
            what += f"<br>*Note: {cell(e.note)}*"
        windows = [f"opens `{w}`" for w in e.opens] + [f"closes `{w}`" for w in e.closes]
        subsystems = ", ".join(f"`{s}`" for s in e.subsystems)
        source = "DAT453 talk" if e.from_talk else "summary: " + cell(e.source)
        lines.append(
            f"| {e.id} | {pdt} | {utc} | {subsystems} | {what} | {'<br>'.join(windows) or '—'} | {source} |"
        )
    return "\n".join(lines)


def load_assumptions(directory: Path = ASSUMPTIONS_DIR) -> list[tuple[str, dict[str, str]]]:
    """(model, assumption) pairs from every `*.yaml` in `directory`, files in name order."""
    rows: list[tuple[str, dict[str, str]]] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        except yaml.YAMLError as error:
            raise AssumptionsError(path, None, None, f"not valid YAML: {error}") from None
        if not isinstance(doc, dict):
            raise AssumptionsError(path, None, None, "expected a mapping with 'model' and 'assumptions'")
        model = doc.get("model")
        if not isinstance(model, str) or not model.strip():
            raise AssumptionsError(path, None, "model", f"expected non-empty text, got {model!r}")
        items = doc.get("assumptions")
        if not isinstance(items, list) or not items:
            raise AssumptionsError(path, None, "assumptions", "missing or not a non-empty list")
        for index, raw in enumerate(items):
            rows.append((model.strip(), _assumption(path, index, raw)))
    return rows


def _assumption(path: Path, index: int, raw: Any) -> dict[str, str]:
    entry = raw.get("name") if isinstance(raw, dict) and isinstance(raw.get("name"), str) else f"assumption #{index + 1}"
    if not isinstance(raw, dict):
        raise AssumptionsError(path, entry, None, "expected a mapping")
    item = {}
    for name in ("name", "value", "unit", "why"):
        if name not in raw:
            raise AssumptionsError(path, entry, name, "missing")
        value = raw[name]
        if name == "unit" and value is None:
            value = ""
        elif name == "value" and isinstance(value, list) and value and all(_scalar(v) for v in value):
            value = ", ".join(_show(v) for v in value)
        elif not _scalar(value) or (name != "value" and isinstance(value, bool)):
            raise AssumptionsError(path, entry, name, f"expected text or a number, got {value!r}")
        value = _show(value).strip()
        if name != "unit" and not value:
            raise AssumptionsError(path, entry, name, "empty")
        item[name] = value
    return item


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assumptions_table(rows: list[tuple[str, dict[str, str]]]) -> str:
    """One row per assumption: model, name, value with unit, why."""
    lines = ["| Model | Assumption | Value | Why |", "|---|---|---|---|"]
    for model, a in rows:
        value = f"{a['value']} {a['unit']}".strip()
        lines.append(f"| {cell(model)} | {cell(a['name'])} | {cell(value)} | {cell(a['why'])} |")
    return "\n".join(lines)


def all_assumptions(timeline: Timeline, directory: Path = ASSUMPTIONS_DIR) -> list[tuple[str, dict[str, str]]]:
    """The models' assumptions followed by the timeline's own."""
    return load_assumptions(directory) + [("timeline", dict(a)) for a in timeline.assumptions]
