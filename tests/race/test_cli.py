"""The ``race`` command line: JSON contract, readable report, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from outage.cli import main

SMALL = ["--enactors", "2", "--plans", "3", "--endpoints", "1", "--keep", "1"]


def run(capsys, *argv):
    code = main(["race", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_json_contract(capsys):
    code, out, err = run(capsys, "check", *SMALL, "--fix", "none", "--json")
    assert code == 1 and err == ""  # violated
    data = json.loads(out)
    assert {"verdict", "property", "states", "seconds", "trace"} <= data.keys()
    assert data["verdict"] == "violated"
    assert data["property"] == "record never empty"
    assert isinstance(data["states"], int) and data["states"] > 0
    assert isinstance(data["seconds"], float)
    assert len(data["trace"]) == data["trace_length"] == 8
    assert all(isinstance(step, str) for step in data["trace"])


def test_check_json_holds_has_no_trace(capsys):
    code, out, _ = run(capsys, "check", *SMALL, "--fix", "conditional-write,cleanup-guard",
                       "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["verdict"], data["property"], data["trace"]) == ("holds", None, [])
    assert data["params"]["fixes"] == ["cleanup-guard", "conditional-write"]


def test_the_issue_command_line_prints_one_json_object():
    argv = [sys.executable, "-m", "outage", "race", "check", "--enactors", "3", "--plans", "5",
            "--endpoints", "2", "--keep", "1", "--fix", "none", "--json"]
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # violated
    data = json.loads(done.stdout)
    assert data["verdict"] == "violated"
    assert len(data["trace"]) == 9
    assert done.stdout.count("\n") == 1


def test_budget_flag_gives_incomplete_not_holds(capsys):
    code, out, _ = run(capsys, "check", *SMALL, "--fix", "conditional-write",
                       "--max-states", "10", "--json")
    data = json.loads(out)
    assert code == 3
    assert data["verdict"] == "incomplete" and data["states"] == 10 and not data["complete"]


def test_readable_report(capsys):
    code, out, _ = run(capsys, "check", *SMALL)
    assert code == 1
    assert "Verdict: VIOLATED — record never empty" in out
    assert "EMPTY" in out
    assert "  1. Planner publishes plan 1" in out


def test_no_symmetry_explores_more_states(capsys):
    _, with_, _ = run(capsys, "check", *SMALL, "--json")
    _, without, _ = run(capsys, "check", *SMALL, "--json", "--no-symmetry")
    a, b = json.loads(with_), json.loads(without)
    assert a["states"] < b["states"]
    assert a["verdict"] == b["verdict"] and len(a["trace"]) == len(b["trace"])


@pytest.mark.parametrize("argv,reason", [
    (["--enactors", "0"], "--enactors must be at least 1"),
    (["--plans", "-2"], "--plans must be at least 1"),
    (["--endpoints", "0"], "--endpoints must be at least 1"),
    (["--keep", "-1"], "--keep must be at least 0"),
    (["--plans", "3", "--keep", "3"], "--keep must be at most 2: KEEP must be smaller than "
                                      "--plans (3): otherwise clean-up can never delete"),
    (["--keep=inf"], "--keep must be at most 4: KEEP must be smaller than --plans (5)"),
    (["--fix", "bogus"], "--fix: unknown fix 'bogus'"),
    (["--fix", "retry"], "unknown fix 'retry'"),
    (["--fix", "none,cleanup-guard"], "none cannot be combined"),
    (["--enactors", "three"], "--enactors must be a whole number, got 'three'"),
    (["--plans", "2.5"], "--plans must be a whole number, got '2.5'"),
    (["--endpoints", "nan"], "--endpoints must be a whole number"),
    (["--enactors", "1e30"], "--enactors must be at most 6: each state holds every Enactor"),
    (["--plans", "inf"], "--plans must be at most 12: the state count grows"),
    (["--keep", "1e9"], "--keep must be at most 4: KEEP must be smaller than --plans (5)"),
    (["--max-states", "1e30"], "--max-states must be at most 10,000,000: each stored state"),
    (["--max-states", "0"], "--max-states must be at least 1"),
    (["--enactors", "7"], "--enactors must be at most 6: each state holds every Enactor"),
    (["--plans", "13"], "--plans must be at most 12: the state count grows"),
    (["--endpoints", "8"], "--endpoints must be at most 7: each state holds every endpoint"),
    (["--max-states", "10000001"], "--max-states must be at most 10,000,000: each stored state"),
    (["--max-seconds", "0"], "--max-seconds must be more than 0"),
    (["--max-seconds", "nan"], "--max-seconds must be more than 0"),
    (["--max-seconds", "3601"], "--max-seconds must be at most 3600: the largest state budget"),
    (["--max-seconds", "soon"], "--max-seconds must be a number"),
])
def test_bad_values_exit_2_with_one_line(capsys, argv, reason):
    code, out, err = run(capsys, "check", *argv, "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and reason in err


def test_table(capsys):
    code, out, _ = run(capsys, "table", *SMALL, "--json")
    data = json.loads(out)
    assert code == 0 and len(data["rows"]) == 8
    none = data["rows"][0]
    assert none["fixes"] == "none"
    assert none["properties"]["record never empty"]["verdict"] == "violated"


def test_stop_at_first_gives_the_shortest_trace_and_leaves_progress_undecided(capsys):
    _, out, _ = run(capsys, "check", "--json")
    full = json.loads(out)
    code, out, _ = run(capsys, "check", "--stop-at-first", "--json")
    first = json.loads(out)
    assert first["verdict"] == "violated" and not first["complete"]
    assert first["stopped"] == "first-violation" and first["states"] < full["states"]
    safety = [p for p in full["properties"] if p["kind"] in ("always", "always-step")]
    assert first["trace_length"] == min(p["trace_length"] for p in safety) == 6
    assert first["property"] == "no regression" and len(first["trace"]) == 6
    verdicts = {p["name"]: p["verdict"] for p in first["properties"]}
    assert verdicts["progress"] == "undecided"
    assert "holds" not in {verdicts[p["name"]] for p in safety}
    _, out, _ = run(capsys, "check", "--stop-at-first")
    assert "stopped at the first violation" in out and "undecided" in out


def test_stop_at_first_without_a_violation_is_the_full_answer(capsys):
    _, out, _ = run(capsys, "check", *SMALL, "--fix", "conditional-write", "--json")
    full = json.loads(out)
    _, out, _ = run(capsys, "check", *SMALL, "--fix", "conditional-write", "--stop-at-first",
                    "--json")
    first = json.loads(out)
    assert first["verdict"] == "holds" and first["complete"] and first["stopped"] is None
    assert first["properties"] == full["properties"] and first["states"] == full["states"]


def test_readings_flags_reach_the_model_and_the_json(capsys):
    code, out, _ = run(capsys, "check", "--fix", "cleanup-guard", "--write-deleted", "empty",
                       "--json")
    data = json.loads(out)
    assert data["params"]["write_deleted"] == "empty"
    assert data["params"]["check_against"] == "own"
    assert data["verdict"] == "violated" and data["property"] == "record never empty"
    assert data["trace_length"] == 9
    assert "left without records" in data["trace"][-1]
    code, out, _ = run(capsys, "table", *SMALL, "--check-against", "applied", "--json")
    data = json.loads(out)
    assert data["params"]["check_against"] == "applied"
    assert data["params"]["write_deleted"] == "rebuild"


def test_readings_are_documented_with_their_source(capsys):
    for command in ("check", "table"):
        with pytest.raises(SystemExit):
            main(["race", command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--write-deleted {rebuild,empty}" in text
        assert "--check-against {own,applied}" in text
        assert "newer than the previously applied plan" in text
        assert "significantly older" in text


@pytest.mark.parametrize("argv", [["--write-deleted", "keep"], ["--check-against", "dns"]])
def test_bad_reading_exits_2_with_one_line(capsys, argv):
    with pytest.raises(SystemExit) as done:
        main(["race", "check", *argv])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.count("\n") == 1 and argv[0] in err


def test_simulate_json(capsys):
    code, out, _ = run(capsys, "simulate", "--days", "3", "--horizon-s", "7200",
                       "--cadence-s", "30", "--tail-index", "1.2", "--seed", "5", "--json")
    data = json.loads(out)
    assert code == 0 and data["seed"] == 5 and len(data["points"]) == 1
    point = data["points"][0]
    assert point["days"] == 3 and point["low"] <= point["p"] <= point["high"]
    # Same seeds, same answer.
    _, again, _ = run(capsys, "simulate", "--days", "3", "--horizon-s", "7200",
                      "--cadence-s", "30", "--tail-index", "1.2", "--seed", "5", "--json")
    assert json.loads(again) == data


@pytest.mark.parametrize("argv,reason", [
    (["--days", "0"], "--days must be at least 1"),
    (["--cadence-s", "-3"], "--cadence-s must be more than 0"),
    (["--tail-index", "heavy"], "--tail-index must be a number"),
    (["--fix", "nope"], "unknown fix 'nope'"),
    (["--days", "10001"], "--days must be at most 10,000: at 10,000 spans the 95 % Wilson"),
    (["--seed", "-1"], "--seed must be at least 0"),
    (["--seed", str(2**32)], "--seed must be at most 4,294,967,295"),
    (["--enactors", "100000"], "--enactors must be at most 32: each step copies every Enactor"),
    (["--endpoints", "100000"], "--endpoints must be at most 32: each run writes every endpoint"),
    (["--keep", "1001"], "--keep must be at most 1,000"),
    (["--horizon-s", "1e9"], "--horizon-s must be at most 604,800: one span is one run"),
    (["--write-s", "3601"], "--write-s must be at most 3,600"),
    (["--backoff-s", "3601"], "--backoff-s must be at most 3,600"),
    (["--tail-index", "11"], "--tail-index must be at most 10: at 10 a Pareto back-off"),
    (["--tail-index", "0.001"], "--tail-index must be at least 0.1: below 0.1 the median"),
    (["--tail-index", "1e-320"], "--tail-index must be at least 0.1"),
    (["--tail-index", "0"], "--tail-index must be at least 0.1"),
    (["--tail-index", "nan"], "--tail-index must be at least 0.1"),
    (["--sweep", "--cadence-s", "5"], "--cadence-s cannot be given with --sweep"),
    (["--sweep", "--tail-index", "1.5"], "--tail-index cannot be given with --sweep"),
    (["--seed", "1e30"], "--seed must be at most 4,294,967,295"),
    (["--days", "2.5"], "--days must be a whole number, got '2.5'"),
    (["--days", "nan"], "--days must be a whole number"),
    (["--cadence-s", "0.5"], "--cadence-s must be at least 0.864 for a span of 86,400 s"),
    (["--cadence-s", "90000"], "--cadence-s must be at most --horizon-s (86,400)"),
    (["--backoff-s", "0.001"], "--backoff-s must be at least 0.002 for transactions of 2 s"),
    (["--days", "10000", "--sweep"], "this run would take about"),
    (["--days", "10000", "--sweep"], "minutes of CPU (10,000 spans × 9 points"),
])
def test_simulate_bad_values(capsys, argv, reason):
    code, out, err = run(capsys, "simulate", *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and reason in err


def test_a_stopped_race_check_loads_neither_numpy_nor_the_other_models():
    code = ("import sys; from outage.cli import main; "
            "main(['race', 'check', '--stop-at-first', '--json']); "
            "loaded = [m for m in ('numpy', 'outage.dns', 'outage.cascade', 'outage.lab') "
            "if m in sys.modules]; assert not loaded, loaded")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "violated"


@pytest.mark.parametrize("argv,status,verdict", [
    (["--fix", "conditional-write"], 0, "holds"),
    (["--fix", "none"], 1, "violated"),
    (["--fix", "none", "--stop-at-first"], 1, "violated"),
    (["--fix", "conditional-write", "--max-states", "10"], 3, "incomplete"),
    (["--fix", "none", "--max-states", "10"], 3, "incomplete"),  # too few to find the race
])
def test_check_exit_status_is_the_verdict(capsys, argv, status, verdict):
    code, out, _ = run(capsys, "check", *SMALL, *argv, "--json")
    assert code == status and json.loads(out)["verdict"] == verdict


def test_a_time_budget_that_runs_out_is_incomplete_exit_3(capsys):
    code, out, _ = run(capsys, "check", "--fix", "conditional-write", "--max-seconds", "1e-6",
                       "--json")
    data = json.loads(out)
    assert code == 3 and data["verdict"] == "incomplete" and data["stopped"] == "max-seconds"
    assert all(p["verdict"] == "incomplete" for p in data["properties"])
    code, out, _ = run(capsys, "check", "--fix", "conditional-write", "--max-seconds", "1e-6")
    assert "stopped at the time budget of 1e-06 s" in out and "Verdict: INCOMPLETE" in out


def test_table_exit_status(capsys):
    assert run(capsys, "table", *SMALL, "--json")[0] == 0  # complete, whatever the verdicts
    code, out, _ = run(capsys, "table", *SMALL, "--max-states", "10", "--json")
    assert code == 3 and not any(r["complete"] for r in json.loads(out)["rows"])


def test_exit_statuses_are_listed_in_help(capsys):
    for command, statuses in (("check", ["0", "1", "2", "3", "4", "130"]),
                              ("table", ["0", "2", "3", "4", "130"]),
                              ("simulate", ["0", "2", "4", "130"])):
        with pytest.raises(SystemExit):
            main(["race", command, "--help"])
        text = capsys.readouterr().out
        block = text.split("exit status:")[1]
        listed = [line.split()[0] for line in block.splitlines()
                  if line.startswith("  ") and line.split()[0].isdigit()]
        assert listed == statuses, command
        assert "143 stopped by SIGTERM" in block and "could not be written" in block


def test_a_tail_index_at_its_lower_bound_runs(capsys):
    code, out, _ = run(capsys, "simulate", "--days", "1", "--horizon-s", "3600",
                       "--tail-index", "0.1", "--json")
    assert code == 0 and json.loads(out)["points"][0]["tail_index"] == 0.1


def test_sizes_in_exponent_form_are_accepted(capsys):
    code, out, _ = run(capsys, "check", "--enactors", "2e0", "--plans", "3", "--endpoints",
                       "1", "--keep", "1", "--max-states", "1e7", "--json")
    data = json.loads(out)
    assert code == 1 and data["params"]["enactors"] == 2


@pytest.mark.parametrize("argv", [
    ["check", "--enactors", "100000", "--max-states", "10"],
    ["check", "--endpoints", "100000"],
    ["table", "--plans", "100000", "--keep", "1"],
    ["simulate", "--enactors", "100000", "--days", "1"],
    ["simulate", "--days", "1000000000"],
])
def test_huge_sizes_end_at_once_with_one_line_and_exit_2(argv):
    done = subprocess.run([sys.executable, "-m", "outage", "race", *argv], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "must be at most" in done.stderr
