"""What readers take away (outage.site.downloads): figure values as CSV, the timeline as CSV and
JSON, the launch bar's links and commands, the citation."""

from __future__ import annotations

import base64
import csv
import io
import json

import numpy as np
import yaml

from conftest import ROOT
from outage.site import downloads
from outage.site.renderer import figure_json
from outage.timeline import load_timeline


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_figure_csv_has_a_row_per_point_with_the_drawn_values():
    import plotly.graph_objects as go

    fig = go.Figure([
        go.Scatter(x=np.array([0.5, 1.5]), y=np.array([10.0, 20.0]), name="<b>resolvers</b>",
                   hovertext=["2:25 AM<br>fresh", "2:40 AM"]),
        go.Bar(x=[3], y=["EC2"], base=["2025-10-20T02:25:00"], name="bars"),
    ])
    spec = figure_json(fig.to_dict())
    assert "bdata" in json.dumps(spec)  # numpy arrays travel as typed arrays
    table = rows(downloads.figure_csv(spec))
    assert [(r["trace"], r["x"], r["y"]) for r in table] == [
        ("resolvers", "0.5", "10.0"), ("resolvers", "1.5", "20.0"), ("bars", "3", "EC2")]
    assert table[0]["hover"] == "2:25 AM fresh"
    assert table[2]["base"] == "2025-10-20T02:25:00"


def test_figure_csv_includes_every_animation_frame():
    spec = {"data": [{"x": [1], "y": [2], "name": "now"}],
            "frames": [{"name": "0", "data": [{"x": [1], "y": [2]}]},
                       {"name": "1", "data": [{"x": [1, 2], "y": [2, 3]}]}]}
    table = rows(downloads.figure_csv(spec))
    assert [r["frame"] for r in table] == ["", "0", "1", "1"]


def test_curves_stored_as_a_start_and_a_step_get_their_x_values():
    spec = {"data": [
        {"name": "clock", "x0": "2025-10-20 02:25:00", "dx": 60_000, "y": [1, 2, 3]},
        {"name": "numbers", "x0": 10, "dx": 0.5, "y": [4, 5]},
    ]}
    table = rows(downloads.figure_csv(spec))
    assert [r["x"] for r in table] == ["2025-10-20T02:25:00", "2025-10-20T02:26:00",
                                       "2025-10-20T02:27:00", "10.0", "10.5"]


def test_traces_a_figure_does_not_show_are_not_in_its_values():
    spec = {"layout": {"xaxis": {"type": "date", "range": ["2025-10-20 02:20", "2025-10-20 02:45"]},
                       "xaxis2": {"visible": False}},
            "data": [{"name": "chosen", "x0": "2025-10-20 02:25:00", "dx": 60_000, "y": [1, 2]},
                     {"name": "parked", "x0": "2000-01-01 00:00:00", "dx": 60_000, "y": [3, 4]},
                     {"name": "hidden axis", "x": ["2025-10-20T02:30:00"], "y": [5], "xaxis": "x2"},
                     {"name": "off", "x": ["2025-10-20T02:30:00"], "y": [6], "visible": False}]}
    assert {r["trace"] for r in rows(downloads.figure_csv(spec))} == {"chosen"}


def test_typed_arrays_decode_to_their_values():
    values = np.array([1.25, -3.0])
    typed = {"dtype": "f8", "bdata": base64.b64encode(values.tobytes()).decode()}
    assert downloads._values(typed) == [1.25, -3.0]


def test_timeline_tables_hold_every_event_and_window():
    timeline = load_timeline()
    tables = downloads.timeline_tables()
    events = rows(tables["downloads/data/timeline-events.csv"])
    windows = rows(tables["downloads/data/timeline-windows.csv"])
    assert [e["id"] for e in events] == [e.id for e in timeline.events]
    assert [w["id"] for w in windows] == [w.id for w in timeline.windows]
    trigger = next(e for e in events if e["pdt"].startswith("11:48 PM PDT, 19 Oct"))
    assert trigger["utc"] == "2025-10-20T06:48:00+00:00"
    document = json.loads(tables["downloads/data/timeline.json"])
    assert len(document["events"]) == len(events) and len(document["windows"]) == len(windows)


def test_every_notebook_and_data_file_is_offered():
    notebooks = downloads.notebook_files()
    for source in (ROOT / "notebooks").glob("*.py"):
        assert f"downloads/notebooks/{source.name}" in notebooks
        assert f"downloads/notebooks/{source.stem}.ipynb" in notebooks
    data = downloads.data_files()
    assert {"downloads/data/timeline.yaml", "downloads/data/assumptions/race.yaml",
            "downloads/data/lab/tail.json"} <= set(data)


def test_launch_bar_links_the_downloads_from_the_page_and_gives_the_commands(monkeypatch):
    monkeypatch.delenv("REPO_URL", raising=False)
    bar = downloads.launch_bar("race", "notebooks/race/")
    assert 'href="../../downloads/notebooks/race.ipynb" download="race.ipynb"' in bar
    assert 'href="../../downloads/notebooks/race.py" download="race.py"' in bar
    assert "python -m outage.site.notebooks execute race" in bar
    assert "git clone" not in bar
    monkeypatch.setenv("REPO_URL", "https://example.org/outage.git")
    assert "git clone https://example.org/outage.git" in downloads.launch_bar("race", "notebooks/race/")
    assert "--system" in downloads.launch_bar("lab", "notebooks/lab/")


def test_cite_box_is_made_from_citation_cff():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    box = downloads.cite_box("https://example.org/site/", "sources")
    assert box.startswith('!!! quote "Cite this"')
    assert cff["title"] in box and cff["version"] in box
    assert "url     = {https://example.org/site/}" in box
    assert 'href="../CITATION.cff"' in box


def test_repo_url_at_build_time_becomes_the_header_link(monkeypatch):
    from mkdocs.config import load_config

    monkeypatch.delenv("REPO_URL", raising=False)
    assert load_config(str(ROOT / "mkdocs.yml"))["repo_url"] is None
    monkeypatch.setenv("REPO_URL", "https://example.org/outage")
    assert load_config(str(ROOT / "mkdocs.yml"))["repo_url"] == "https://example.org/outage"
