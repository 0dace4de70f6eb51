"""The GitHub workflows: pinned actions, and a Pages deployment that publishes only what passed."""

import re
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
PINNED = re.compile(r"^\s*(?:-\s*)?uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})\s+#\s*v\d+(\.\d+)*\s*$")


def _load(name: str) -> dict:
    text = (WORKFLOWS / name).read_text()
    data = yaml.safe_load(text)
    # PyYAML reads the key `on` as the boolean True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_every_action_is_pinned_by_commit_with_its_tag_in_a_comment(name):
    lines = [line for line in (WORKFLOWS / name).read_text().splitlines()
             if re.match(r"^\s*(-\s*)?uses:", line)]
    assert lines, f"{name} uses no action"
    for line in lines:
        assert PINNED.match(line), f"{name}: not pinned by a commit SHA with its tag: {line.strip()}"


def test_pages_runs_only_after_the_tests_passed_on_the_same_commit():
    pages = _load("pages.yml")
    trigger = pages["on"]
    assert set(trigger) == {"workflow_run"}, "pages must not start on a push of its own"
    assert trigger["workflow_run"]["workflows"] == [_load("test.yml")["name"]]
    assert trigger["workflow_run"]["types"] == ["completed"]
    assert trigger["workflow_run"]["branches"] == ["main"]
    build = pages["jobs"]["build"]
    assert "github.event.workflow_run.conclusion == 'success'" in build["if"]
    checkout = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    assert pages["jobs"]["deploy"]["needs"] == "build"


def test_pages_publishes_the_committed_notebook_outputs_without_executing_them():
    runs = " ".join(step.get("run", "") for step in _steps(_load("pages.yml")))
    assert "mkdocs build --strict" in runs
    assert "notebooks execute" not in runs and "nbconvert" not in runs and "jupytext" not in runs


def test_the_lab_servers_may_read_their_configuration_before_the_tests_run():
    steps = _steps(_load("test.yml"))
    runs = [step.get("run", "") for step in steps]
    complain = next(i for i, run in enumerate(runs) if "--complain" in run)
    tests = next(i for i, run in enumerate(runs) if "scripts/test" in run)
    setup = next(i for i, run in enumerate(runs) if "scripts/setup --system" in run)
    assert setup < complain < tests
    for profile in ("usr.sbin.named", "usr.sbin.unbound"):
        assert profile in runs[complain]
    # CI=true reaches the tests, so that a missing server fails instead of skipping.
    assert "CI" in re.search(r"--preserve-env=(\S+)", runs[tests]).group(1).split(",")
