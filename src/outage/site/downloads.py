"""What a reader can take away from the site: notebooks, the data behind figures, the sources.

The site serves, under `downloads/`:

* every notebook twice: the executed `.ipynb` (open it in Jupyter) and its Jupytext `.py`
  source (the file to edit);
* the project's data files as they are (`data/*.yaml`, `data/*.json`, the lab's measurements),
  and the timeline again as CSV (events, windows) and JSON, for spreadsheets and scripts.

Every figure's values are also served beside the figure's JSON as a CSV (`figure_csv`), and
linked under the figure (hooks/figure_data.py). Notebook pages get a launch bar (`launch_bar`)
with the two downloads and the exact commands that run the notebook locally.

`REPO_URL`, when set at build time (like `SITE_URL`), is the repository readers clone; without
it the commands start from a copy of the project.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import posixpath
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOWNLOAD_DIR = "downloads"
#: Data files offered as they are (paths relative to `data/`).
DATA_GLOBS = ("*.yaml", "*.json", "assumptions/*.yaml", "lab/*.json", "lab/*.csv")
NOTEBOOKS_NEEDING_SERVERS = {"lab"}
_TAG = re.compile(r"<[^>]+>")
_TYPED = {"f8": "<f8", "f4": "<f4", "i1": "<i1", "u1": "<u1", "i2": "<i2", "u2": "<u2",
          "i4": "<i4", "u4": "<u4", "i8": "<i8", "u8": "<u8"}


def repo_url() -> str | None:
    """The repository readers clone, from `REPO_URL` at build time (None when unset)."""
    return os.environ.get("REPO_URL") or None


def notebook_files(root: Path = ROOT) -> dict[str, Path]:
    """Site path -> source file, for every notebook's `.ipynb` and `.py`."""
    files = {}
    for source in sorted((root / "notebooks").glob("*.py")):
        for path in (source.with_suffix(".ipynb"), source):
            if path.exists():
                files[f"{DOWNLOAD_DIR}/notebooks/{path.name}"] = path
    return files


def data_files(root: Path = ROOT) -> dict[str, Path]:
    """Site path -> source file, for every data file offered as it is."""
    data_dir = root / "data"
    files = {}
    for pattern in DATA_GLOBS:
        for path in sorted(data_dir.glob(pattern)):
            files[f"{DOWNLOAD_DIR}/data/{path.relative_to(data_dir).as_posix()}"] = path
    return files


def timeline_tables(root: Path = ROOT) -> dict[str, str]:
    """The timeline as CSV (events, windows) and JSON, by site path."""
    from outage.timeline import load_timeline

    timeline = load_timeline(root / "data" / "timeline.yaml")
    events = io.StringIO()
    writer = csv.writer(events, lineterminator="\n")
    writer.writerow(["id", "pdt_date", "pdt_time", "pdt", "utc", "precision", "subsystems", "what",
                     "source", "note"])
    event_rows = []
    for event in timeline.events:
        row = {
            "id": event.id,
            "pdt_date": event.date.isoformat(),
            "pdt_time": event.pdt or "",
            "pdt": event.pdt_label(),
            "utc": event.utc.isoformat() if event.utc else "",
            "precision": event.precision,
            "subsystems": " ".join(event.subsystems),
            "what": event.what,
            "source": event.source,
            "note": event.note or "",
        }
        event_rows.append(row)
        writer.writerow(row.values())
    windows = io.StringIO()
    writer = csv.writer(windows, lineterminator="\n")
    writer.writerow(["id", "service", "label", "kind", "start_utc", "end_utc", "duration_min",
                     "start_event", "end_event", "derived", "parent", "source"])
    window_rows = []
    for window in timeline.windows:
        row = {
            "id": window.id,
            "service": window.service,
            "label": window.label,
            "kind": window.kind,
            "start_utc": window.start.isoformat(),
            "end_utc": window.end.isoformat(),
            "duration_min": round(window.duration.total_seconds() / 60),
            "start_event": window.start_event,
            "end_event": window.end_event,
            "derived": bool(window.derived),
            "parent": window.parent or "",
            "source": window.source,
        }
        window_rows.append(row)
        writer.writerow(row.values())
    document = {"events": event_rows, "windows": window_rows,
                "note": "Times in UTC (ISO 8601) and PDT (UTC-7); sources name sections of "
                        "AWS's post-event summary or the DAT453 talk."}
    return {
        f"{DOWNLOAD_DIR}/data/timeline-events.csv": events.getvalue(),
        f"{DOWNLOAD_DIR}/data/timeline-windows.csv": windows.getvalue(),
        f"{DOWNLOAD_DIR}/data/timeline.json": json.dumps(document, indent=1, ensure_ascii=False) + "\n",
    }


def _values(value) -> list:
    """A Plotly data array as a list: plain lists, and typed arrays (`bdata` + `dtype`)."""
    if value is None:
        return []
    if isinstance(value, dict) and "bdata" in value:
        import numpy as np

        dtype = np.dtype(_TYPED.get(value["dtype"], value["dtype"]))
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=dtype)
        if "shape" in value:
            shape = [int(n) for n in str(value["shape"]).split(",")]
            array = array.reshape(shape)
        return array.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _shown(trace: dict, xs: list, layout: dict) -> bool:
    """Whether a trace is on show in the figure as first drawn."""
    if trace.get("visible") is False:
        return False
    x_axis = "xaxis" + (trace.get("xaxis") or "x")[1:]
    y_axis = "yaxis" + (trace.get("yaxis") or "y")[1:]
    if any(layout.get(axis, {}).get("visible") is False for axis in (x_axis, y_axis)):
        return False
    fixed = layout.get(x_axis, {}).get("range")
    if fixed and xs and all(isinstance(v, (str, int, float)) for v in fixed):
        low, high = (str(v).replace("T", " ") if isinstance(v, str) else v for v in fixed)

        def inside(x) -> bool:
            value = str(x).replace("T", " ") if isinstance(low, str) else x
            try:
                return low <= value <= high
            except TypeError:
                return True

        return any(inside(x) for x in xs if x is not None)
    return True


def _axis_values(trace: dict, key: str) -> list:
    """A trace's x or y values, also when stored as a start and a step (`x0`, `dx`).

    With no array, Plotly draws point i at `x0 + i * dx` (dates: `dx` in milliseconds), as
    many points as the other coordinate has.
    """
    values = _values(trace.get(key))
    if values or key + "0" not in trace:
        return values
    other = _values(trace.get("y" if key == "x" else "x"))
    start, step = trace[key + "0"], trace.get("d" + key, 1)
    if isinstance(start, str):
        import datetime as dt

        origin = dt.datetime.fromisoformat(start)
        return [(origin + dt.timedelta(milliseconds=i * step)).isoformat() for i in range(len(other))]
    return [start + i * step for i in range(len(other))]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return html.unescape(_TAG.sub(" ", str(value)).replace("  ", " ").strip())


def figure_csv(spec: dict) -> str:
    """Every point of a figure as CSV: one row per point of every trace (and animation frame).

    Only what the figure shows as first drawn: a trace that is hidden, sits on a hidden axis,
    or lies wholly outside a fixed axis range (what-if figures park the combinations not
    chosen there, and their controls bring them back) is left out.

    Columns: the frame (empty for the figure's own data), the trace's name, the point's index,
    then x, y, base (bars drawn from a start), and the point's text and hover text with markup
    removed. Values are the ones the figure draws, as the figure stores them.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["frame", "trace", "point", "x", "y", "base", "text", "hover"])
    parts = [("", spec.get("data", []))]
    parts += [(str(frame.get("name", index)), frame.get("data", []))
              for index, frame in enumerate(spec.get("frames", []) or [])]
    layout = spec.get("layout", {})
    for frame, traces in parts:
        for number, trace in enumerate(traces):
            name = _cell(trace.get("name")) or f"trace {number + 1}"
            columns = [_axis_values(trace, key) if key in ("x", "y") else _values(trace.get(key))
                       for key in ("x", "y", "base", "text", "hovertext")]
            if not _shown(trace, columns[0], layout):
                continue
            length = max((len(column) for column in columns[:2]), default=0)
            for point in range(length):
                row = [column[point] if point < len(column) else
                       (column[0] if len(column) == 1 and key in ("base", "text", "hovertext") else None)
                       for column, key in zip(columns, ("x", "y", "base", "text", "hovertext"))]
                writer.writerow([frame, name, point] + [_cell(value) for value in row])
    return out.getvalue()


def launch_bar(name: str, page_url: str) -> str:
    """The bar under a notebook's title: its downloads and how to run it locally."""
    page_dir = page_url.rstrip("/") or "."

    def link(target: str) -> str:
        return html.escape(posixpath.relpath(target, page_dir), quote=True)

    ipynb = link(f"{DOWNLOAD_DIR}/notebooks/{name}.ipynb")
    source = link(f"{DOWNLOAD_DIR}/notebooks/{name}.py")
    cite = link("sources") + "/#cite-this"
    run = link("run-it-yourself") + "/"
    repo = repo_url()
    get = (f"git clone {repo} outage && cd outage" if repo
           else "cd outage   # a copy of the project")
    setup = ("scripts/setup --system   # .venv, and the DNS servers the lab starts (Debian, root)"
             if name in NOTEBOOKS_NEEDING_SERVERS else
             "scripts/setup            # .venv with Python 3.11 from the pinned lock")
    commands = "\n".join([
        get,
        setup,
        f".venv/bin/python -m outage.site.notebooks execute {name}   # run every cell, rewrite {name}.ipynb",
        ".venv/bin/python -m pip install jupyterlab   # once, to work in it interactively",
        f".venv/bin/jupyter lab notebooks/{name}.ipynb",
    ])
    return (
        '<aside class="nb-launch" data-search-exclude="launch">'
        f'<a class="md-button" href="{ipynb}" download="{name}.ipynb">Notebook (.ipynb)</a> '
        f'<a class="md-button" href="{source}" download="{name}.py">Source (.py, Jupytext)</a> '
        f'<a class="md-button" href="{cite}">Cite</a>'
        "<details><summary>Run it on your machine</summary>"
        "<p>The notebook imports this project's models, so run it from a copy of the project "
        f'(<a href="{run}">Run it yourself</a> explains each step):</p>'
        f'<pre tabindex="0"><code>{html.escape(commands)}</code></pre>'
        "</details></aside>"
    )


def citation(path: Path | None = None) -> dict:
    """The project's `CITATION.cff`, parsed."""
    import yaml

    return yaml.safe_load((path or ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def cite_box(site_url: str | None, page_dir: str = "sources", path: Path | None = None) -> str:
    """A "Cite this" box (Markdown) with a plain reference and BibTeX, from `CITATION.cff`."""
    cff = citation(path)
    authors = " and ".join(author.get("name") or f"{author['given-names']} {author['family-names']}"
                           for author in cff["authors"])
    url = cff.get("url") or site_url or ""
    title, version = cff["title"], cff.get("version", "")
    key = "aws-us-east-1-2025-executable-postmortem"
    plain = f"{authors}. *{title}*, version {version}." + (f" <{url}>" if url else "")
    bibtex = "\n".join([
        f"@software{{{key},",
        f"  author  = {{{{{authors}}}}},",
        f"  title   = {{{{{title}}}}},",
        f"  version = {{{version}}},",
        *([f"  url     = {{{url}}},"] if url else []),
        "}",
    ])
    indented = "\n".join("    " + line for line in bibtex.splitlines())
    return (
        '!!! quote "Cite this"\n\n'
        f"    {plain}\n\n"
        "    ```text\n"
        f"{indented}\n"
        "    ```\n\n"
        "    The same reference, in the Citation File Format, is in "
        f'<a href="{posixpath.relpath("CITATION.cff", page_dir)}" download="CITATION.cff">'
        "<code>CITATION.cff</code></a> at the root of the project and of this site.\n"
    )
