"""nbval is a real regression test: altered stored outputs, figures included, make it fail."""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT

PLOTLY = "application/vnd.plotly.v1+json"


def run_nbval(notebook, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path),
            "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", str(ROOT / "tests" / "nbval-sanitize.cfg"),
            str(notebook),
        ],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )


@pytest.fixture
def notebook_copy(tmp_path):
    path = tmp_path / "timeline.ipynb"
    shutil.copy(ROOT / "notebooks" / "timeline.ipynb", path)
    return path


def first_output(notebook, key):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if key in output.get("data", {}) or (key == "stream" and output.output_type == "stream"):
                return output
    raise AssertionError(f"no {key} output")


def test_the_committed_notebook_passes(notebook_copy, tmp_path):
    result = run_nbval(notebook_copy, tmp_path)
    assert result.returncode == 0, result.stdout


def test_altered_figure_data_fails(notebook_copy, tmp_path):
    notebook = nbformat.read(notebook_copy, as_version=4)
    figure = first_output(notebook, PLOTLY).data[PLOTLY]
    figure["data"][0]["x"][0] *= 1.5
    nbformat.write(notebook, notebook_copy)
    result = run_nbval(notebook_copy, tmp_path)
    assert result.returncode == 1
    assert PLOTLY in result.stdout


def test_altered_text_output_fails(notebook_copy, tmp_path):
    notebook = nbformat.read(notebook_copy, as_version=4)
    stream = first_output(notebook, "stream")
    stream.text = stream.text.replace("events", "events ")
    nbformat.write(notebook, notebook_copy)
    result = run_nbval(notebook_copy, tmp_path)
    assert result.returncode == 1
    assert "stdout" in result.stdout
