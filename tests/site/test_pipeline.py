"""The notebook pipeline: errors are named, drift is caught, a stale notebook fails the build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, mkdocs_build
from outage.site import notebooks

HEADER = """# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
"""


def write_notebook(directory: Path, name: str, body: str) -> notebooks.Pair:
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / f"{name}.py"
    source.write_text(HEADER + body, encoding="utf-8")
    return notebooks.Pair(source)


def test_a_failing_cell_is_named_with_its_notebook(tmp_path):
    pair = write_notebook(tmp_path, "broken", "\n# %%\nx = 1\n\n# %%\nraise ValueError('bad input')\n")
    with pytest.raises(notebooks.NotebookError) as error:
        notebooks.execute(pair, figure_dir=tmp_path / "figures")
    message = str(error.value)
    assert "broken.py" in message
    assert "code cell 2" in message
    assert "ValueError: bad input" in message
    assert not pair.executed.exists()


def test_execution_writes_outputs_and_exports_tagged_figures(tmp_path):
    body = (
        "\n# %%\nimport plotly.graph_objects as go\nimport outage.site.renderer\n"
        '\n# %% tags=["figure:demo"]\ngo.Figure(go.Bar(x=[1, 2], y=[3, 4])).show()\n'
    )
    pair = write_notebook(tmp_path, "demo", body)
    notebooks.execute(pair, figure_dir=tmp_path / "figures")
    exported = (tmp_path / "figures" / "demo.html").read_text(encoding="utf-8")
    assert exported.startswith('<div class="plotly-figure" id="fig-')
    assert notebooks.drift(pair, figure_dir=tmp_path / "figures") == []


@pytest.fixture
def timeline_copy(tmp_path) -> notebooks.Pair:
    for suffix in (".py", ".ipynb"):
        shutil.copy(ROOT / "notebooks" / f"timeline{suffix}", tmp_path / f"timeline{suffix}")
    shutil.copytree(ROOT / "snippets" / "figures", tmp_path / "figures")
    return notebooks.Pair(tmp_path / "timeline.py")


def test_committed_notebook_is_in_sync(timeline_copy, tmp_path):
    assert notebooks.drift(timeline_copy, figure_dir=tmp_path / "figures") == []


def test_an_edited_source_is_reported_as_stale(timeline_copy, tmp_path):
    source = timeline_copy.source
    source.write_text(source.read_text().replace("timeline = load_timeline()", "timeline = load_timeline()  # edited"))
    problems = notebooks.drift(timeline_copy, figure_dir=tmp_path / "figures")
    assert any("different cells" in p for p in problems)
    assert any("not produced from timeline.py" in p for p in problems)


def test_a_tampered_exported_figure_is_reported(timeline_copy, tmp_path):
    figure = tmp_path / "figures" / "impact-windows.html"
    figure.write_text(figure.read_text().replace("Period 1", "Period one"))
    problems = notebooks.drift(timeline_copy, figure_dir=tmp_path / "figures")
    assert problems == [
        "impact-windows.html is not the figure stored in timeline.ipynb: "
        "run `python -m outage.site.notebooks execute timeline`"
    ]


def test_a_stale_notebook_fails_the_site_build(tmp_path):
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns(".venv", "node_modules", "site", ".git", "__pycache__")
    shutil.copytree(ROOT, project, symlinks=True, ignore=ignore)
    source = project / "notebooks" / "timeline.py"
    source.write_text(source.read_text().replace("# ## The windows", "# ## The impact windows"))
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "timeline.ipynb outputs were not produced from timeline.py" in result.stderr


def test_unknown_notebook_names_are_rejected(capsys):
    assert notebooks.main(["check", "no-such-notebook"]) == 1
    assert "no notebook named no-such-notebook" in capsys.readouterr().err
