"""SPIN, an independent model checker, gives the checker's verdicts on every property it can
express: every fix combination under every reading at small sizes, and every verdict of the
committed manifest at the sizes SPIN checks in about a second."""

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from outage.cli import main
from outage.race import manifest
from outage.race.model import CHECK_AGAINST, WRITE_DELETED, Params, parse_fixes, properties
from outage.race.report import check
from outage.race.spin import (
    EXIT_ENVIRONMENT,
    EXIT_INCOMPLETE,
    INCOMPLETE,
    cross_check,
    overall,
    promela,
    run_spin,
    spin_verdicts,
)
from outage.race.table import VARIANTS


def require_spin() -> None:
    """Skip without SPIN or gcc; in CI (CI=true) fail instead, so the check cannot vanish."""
    missing = [tool for tool in ("spin", "gcc") if shutil.which(tool) is None]
    if missing:
        message = f"{' and '.join(missing)} not installed (scripts/setup --system installs SPIN)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def spin_tools():
    require_spin()


@functools.cache
def spin(p: Params) -> dict:
    """SPIN's verdicts for ``p``, computed once per module (a run compiles a C program)."""
    require_spin()
    run = run_spin(p, max_seconds=300)
    assert run.complete, run.reason
    assert not run.cycle, "SPIN found a cycle: progress cannot be read off terminal states"
    return spin_verdicts(p, run)


def _params(entry: dict) -> Params:
    q = entry["params"]
    return Params(enactors=q["enactors"], plans=q["plans"], endpoints=q["endpoints"],
                  keep=q["keep"], fixes=frozenset(q["fixes"]), lock=q["lock"],
                  write_deleted=q["write_deleted"], check_against=q["check_against"])


QUICK = [e for e in manifest.load()["entries"] if e["size"] == "tiny"]


@pytest.mark.parametrize("entry", QUICK, ids=[e["id"] for e in QUICK])
def test_spin_confirms_every_verdict_of_the_manifest(entry):
    # Against the committed file, not the checker: a regenerated manifest that records a
    # wrong verdict fails here even if the checker produced it.
    p = _params(entry)
    verdicts = spin(p)
    assert {name: v["verdict"] for name, v in entry["properties"].items()} == verdicts
    assert overall(p, verdicts) == entry["verdict"]


def test_the_quick_manifest_cases_cover_every_fix_under_every_reading():
    covered = {(frozenset(e["params"]["fixes"]), e["params"]["write_deleted"],
                e["params"]["check_against"]) for e in QUICK}
    assert covered >= {(v, w, c) for v in VARIANTS for w in WRITE_DELETED for c in CHECK_AGAINST}


QUICK_PARAMS = [_params(e) for e in QUICK]
TWO_ENDPOINTS = dict(enactors=2, plans=4, endpoints=2, keep=1)
THREE_ENACTORS = dict(enactors=3, plans=3, endpoints=1, keep=1)
LARGER = [
    *(Params(**TWO_ENDPOINTS, fixes=parse_fixes(f), write_deleted=w, check_against=c)
      for f in ("none", "cleanup-guard") for w in WRITE_DELETED for c in CHECK_AGAINST),
    Params(**TWO_ENDPOINTS, fixes=parse_fixes("conditional-write,fencing-token")),
    Params(**TWO_ENDPOINTS, lock=True),
    Params(**{**TWO_ENDPOINTS, "keep": 2}, fixes=parse_fixes("cleanup-guard")),
    Params(**THREE_ENACTORS),
    Params(**THREE_ENACTORS, fixes=parse_fixes("cleanup-guard"), write_deleted="empty"),
    Params(**THREE_ENACTORS, fixes=parse_fixes("fencing-token"), check_against="applied"),
]


@pytest.mark.parametrize("p", QUICK_PARAMS + LARGER, ids=[p.label for p in QUICK_PARAMS + LARGER])
def test_spin_agrees_with_the_checker(p):
    e = check(p, max_states=None).exploration
    assert e.complete
    verdicts = spin(p)
    assert {r.name: r.verdict for r in e.results} == verdicts
    assert overall(p, verdicts) == e.verdict


def test_the_comparison_can_fail():
    # SPIN tells the variants apart at the smallest size, so the agreement above is not an
    # accident of an encoding too weak to see a difference.
    size = dict(enactors=2, plans=3, endpoints=1, keep=1)
    unfixed = spin(Params(**size))
    fixed = spin(Params(**size, fixes=parse_fixes("conditional-write")))
    assert (unfixed["record never empty"], fixed["record never empty"]) == ("violated", "holds")
    guard = dict(size, fixes=parse_fixes("cleanup-guard"))
    empty = spin(Params(**guard, write_deleted="empty"))
    rebuild = spin(Params(**guard))
    assert (empty["record never empty"], rebuild["record never empty"]) == ("violated", "holds")


def run(capsys, *argv):
    code = main(["race", "spin", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


SMALL = ["--enactors", "2", "--plans", "3", "--endpoints", "1", "--keep", "1"]


def test_json_contract(spin_tools, capsys):
    code, out, err = run(capsys, *SMALL, "--fix", "cleanup-guard", "--write-deleted", "empty",
                         "--json")
    data = json.loads(out)
    assert (code, err) == (0, "")
    assert data["agree"] is True
    for side in ("spin", "checker"):
        assert data[side]["verdict"] == "violated"
        assert isinstance(data[side]["states"], int) and data[side]["states"] > 0
        assert isinstance(data[side]["seconds"], float)
    assert data["params"]["write_deleted"] == "empty"
    names = [r["name"] for r in data["properties"]]
    p = Params(enactors=2, plans=3, endpoints=1, keep=1, fixes=parse_fixes("cleanup-guard"),
               write_deleted="empty")
    assert names == [prop.name for prop in properties(p)]
    assert all(r["agree"] for r in data["properties"])


def test_readable_report(spin_tools, capsys):
    code, out, _ = run(capsys, *SMALL, "--lock")
    assert code == 0
    assert "Agree: yes" in out
    assert "an Enactor waits for a lock" in out


@pytest.mark.parametrize("argv, message", [
    (["--enactors", "5"], "--enactors must be at most 4: SPIN stores every state without "
                          "symmetry reduction"),
    (["--enactors", "1e30"], "--enactors must be at most 4: SPIN stores every state"),
    (["--plans", "0"], "--plans must be at least 1, got 0"),
    (["--plans", "inf"], "--plans must be at most 8: SPIN stores every state"),
    (["--endpoints", "x"], "--endpoints must be a whole number, got 'x'"),
    (["--endpoints", "nan"], "--endpoints must be a whole number, got 'nan'"),
    (["--plans", "3", "--keep", "3"], "--keep must be at most 2: KEEP must be smaller than "
                                      "--plans (3)"),
    (["--keep=inf"], "--keep must be at most 4: KEEP must be smaller than --plans (5)"),
    (["--fix", "bogus"], "unknown fix 'bogus'"),
    (["--write-deleted", "keep"], "--write-deleted must be rebuild or empty, got 'keep'"),
    (["--check-against", "mine"], "--check-against must be own or applied, got 'mine'"),
    (["--max-seconds", "0"], "--max-seconds must be at least 1, got 0"),
    (["--max-seconds", "3601"], "--max-seconds must be at most 3,600: at SPIN's measured pace"),
    (["--max-states", "0"], "--max-states must be at least 1, got 0"),
    (["--max-states", "99999999"], "--max-states must be at most 10,000,000: each stored "
                                   "state takes up to about 0.2 KiB"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_missing_spin_is_exit_4(capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda tool: None)
    code, out, err = run(capsys, *SMALL)
    assert (code, out) == (EXIT_ENVIRONMENT, "")
    assert "spin is not installed" in err and err.count("\n") == 1


def test_checker_budget_is_incomplete_exit_3(spin_tools, capsys):
    code, out, _ = run(capsys, *SMALL, "--max-states", "10", "--json")
    data = json.loads(out)
    assert code == EXIT_INCOMPLETE
    assert data["agree"] is None and data["checker"]["complete"] is False


def test_spin_budget_is_incomplete_and_leaves_nothing(spin_tools, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    p = Params(enactors=2, plans=3, endpoints=1, keep=1)
    result = run_spin(p, max_seconds=0.001)
    assert not result.complete and "budget ran out" in result.reason
    assert set(spin_verdicts(p, result).values()) == {INCOMPLETE}
    assert list(tmp_path.iterdir()) == []  # the working directory is gone


def test_complete_run_leaves_no_directory(spin_tools, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = cross_check(Params(enactors=1, plans=2, endpoints=1, keep=1))
    assert result["agree"] is True
    assert list(tmp_path.iterdir()) == []


def test_translation_follows_the_readings():
    base = dict(enactors=2, plans=3, endpoints=2, keep=1)
    own, applied = (promela(Params(**base, check_against=c)) for c in CHECK_AGAINST)
    assert "newest > last ->" in own and "newest > alias[0] ->" in applied
    rebuild, empty = (promela(Params(**base, write_deleted=w)) for w in WRITE_DELETED)
    assert "live[1] = 1;" in rebuild and "live[1] = (((deleted >> p) & 1) == 0);" in empty


def _processes_in(directory) -> list[int]:
    """Ids of the processes whose working directory is under ``directory`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                continue
            if cwd.startswith(str(directory)):
                found.append(int(entry))
    return found


def test_sigterm_stops_spin_and_removes_its_files(spin_tools, tmp_path):
    # A size whose search lasts many seconds; stop it once pan is searching.
    argv = [sys.executable, "-m", "outage", "race", "spin", "--enactors", "3", "--plans", "5",
            "--endpoints", "2", "--json"]
    proc = subprocess.Popen(argv, env={**os.environ, "TMPDIR": str(tmp_path)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not any((d / "pan.out").exists() for d in tmp_path.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline, "pan never started"
            time.sleep(0.1)
        assert _processes_in(tmp_path)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143 and out == ""
    assert "stopped by SIGTERM" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
    assert _processes_in(tmp_path) == []


def test_missing_spin_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda tool: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="spin and gcc not installed"):
        require_spin()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_spin()


def test_a_run_removes_the_directory_a_killed_run_left_and_keeps_a_live_ones(
        spin_tools, monkeypatch, tmp_path):
    from outage.lab import workdirs
    from outage.race.spin import WORKDIR_PREFIX

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # A run killed with SIGKILL cannot remove its directory: its owner (a pid with another
    # start time, as after the process is gone) no longer exists.
    dead = tmp_path / f"{WORKDIR_PREFIX}{os.getpid()}-1-abc123"
    dead.mkdir()
    (dead / "pan.c").write_text("left behind")
    # One of a run still going (this process) stays.
    live = tmp_path / f"{WORKDIR_PREFIX}{workdirs.owner_tag()}-def456"
    live.mkdir()
    result = cross_check(Params(enactors=1, plans=2, endpoints=1, keep=1))
    assert result["agree"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]


def test_the_compiler_s_temporary_files_go_into_the_work_directory(spin_tools, tmp_path):
    from outage.race.spin import _run

    with open(tmp_path / "env.log", "wb") as log:
        code = _run([sys.executable, "-c", "import os, tempfile; print(tempfile.gettempdir())"],
                    str(tmp_path), time.monotonic() + 30, log)
    assert code == 0
    assert (tmp_path / "env.log").read_text().strip() == str(tmp_path)


def test_sigterm_while_a_tool_is_being_started_still_kills_it(monkeypatch, tmp_path):
    # The signal lands inside subprocess.Popen, after the fork: without deferring it, the
    # exception would leave Popen before `proc` is known and the tool would keep running.
    from outage.cli import Terminated
    from outage.race import spin

    started = []
    real_popen = subprocess.Popen

    def popen_then_sigterm(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc)
        signal.raise_signal(signal.SIGTERM)  # as if it arrived before Popen returned
        return proc

    def raise_terminated(signum, frame):
        raise Terminated

    monkeypatch.setattr(spin.subprocess, "Popen", popen_then_sigterm)
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        with open(tmp_path / "log", "wb") as log, pytest.raises(Terminated):
            spin._run(["sleep", "30"], str(tmp_path), time.monotonic() + 60, log)
    finally:
        signal.signal(signal.SIGTERM, previous)
    (proc,) = started
    assert proc.returncode == -signal.SIGKILL  # killed and reaped before _run returned
