"""The `cascade` subcommand: JSON shape, readable report, and one-line errors."""

import json
import re

import pytest

from outage.cli import main

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
REQUIRED = {"all_leases_restored", "network_backlog_cleared", "nlb_errors_end"}


def run_json(capsys, *argv: str) -> dict:
    assert main(["cascade", "run", "--json", *argv]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object on one line
    return json.loads(out)


@pytest.mark.parametrize("scenario", ["as-happened", "no-intervention", "queue-admission", "velocity-control"])
def test_json_shape(capsys, scenario):
    out = run_json(capsys, "--scenario", scenario, "--fleet", "1000", "--hours", "12")
    assert out["scenario"] == scenario
    assert REQUIRED <= set(out["milestones"])
    for value in out["milestones"].values():
        assert value is None or CLOCK.match(value)
    assert 0 <= out["nlb_min_capacity_fraction"] <= 1
    if scenario == "no-intervention":
        assert out["milestones"]["all_leases_restored"] is None
    else:
        assert out["milestones"]["all_leases_restored"] is not None


def test_des_model_runs_small_fleets(capsys):
    out = run_json(capsys, "--model", "des", "--fleet", "1000", "--hours", "7", "--seed", "3")
    assert out["model"] == "des" and out["seed"] == 3 and out["fleet_droplets"] == 1000
    assert out["milestones"]["all_leases_restored"] is not None


def test_readable_report(capsys):
    assert main(["cascade", "run", "--scenario", "no-intervention", "--fleet", "1000", "--hours", "6"]) == 0
    out = capsys.readouterr().out
    assert "all_leases_restored" in out and "never" in out and "05:28" in out
    assert "fitted" in out and "input" in out and "predicted" in out


@pytest.mark.parametrize("argv, says", [
    (["--fleet", "0"], "whole number of DWFM hosts"), (["--hours", "-1"], "--hours"),
    (["--hours", "nan"], "--hours"), (["--hours", "100"], "at most|between"),
    (["--hours", "0.001"], "sample every minute"), (["--seed", "-2"], "--seed"),
    (["--fleet", "1e8"], "at most 1,000,000"), (["--fleet", "500"], "load per host"),
    (["--fleet", "1500"], "load per host"), (["--fleet", "2.5"], "whole number"),
    (["--model", "des", "--fleet", "1000000"], "walks every droplet"),
])
def test_bad_parameters_give_one_line_and_status_2(capsys, argv, says):
    """Each refusal is one line that names the bound and why, before any model runs."""
    try:
        status = main(["cascade", "run", *argv])
    except SystemExit as stop:  # refused by the argument parser, also in one line
        status = stop.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert re.search(says, err), err


def test_fleet_in_exponent_form_and_the_shortest_run(capsys):
    out = run_json(capsys, "--fleet", "1e3", "--hours", "0.05")
    assert out["fleet_droplets"] == 1000 and out["dwfm_hosts"] == 1
    assert out["milestones"]["all_leases_restored"] is None  # 3 minutes: nothing yet


def test_milestone_kinds_name_every_milestone(capsys):
    out = run_json(capsys, "--fleet", "1000")
    assert set(out["milestone_kinds"]) == set(out["milestones"])
    assert out["milestone_kinds"] == {
        "dynamodb_restored": "input", "dwfm_congested": "predicted", "all_leases_restored": "fitted",
        "propagation_latency_elevated": "predicted", "network_backlog_cleared": "fitted",
        "nlb_errors_start": "predicted", "nlb_errors_end": "input",
    }
    kept = run_json(capsys, "--fleet", "1000", "--scenario", "failover-kept")["milestone_kinds"]
    assert kept["nlb_errors_end"] == "predicted" and kept["all_leases_restored"] == "fitted"
    admission = run_json(capsys, "--fleet", "1000", "--scenario", "queue-admission")["milestone_kinds"]
    assert admission["all_leases_restored"] == admission["network_backlog_cleared"] == "predicted"


def test_help_lists_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["cascade", "run", "--help"])
    out = capsys.readouterr().out
    assert re.search(r"0 run completed.*2 bad\s+parameter", out, re.S)


def test_unknown_scenario_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["cascade", "run", "--scenario", "bogus"])
    assert exit_info.value.code == 2
