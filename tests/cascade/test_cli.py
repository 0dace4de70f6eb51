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


@pytest.mark.parametrize("argv", [
    ["--fleet", "0"], ["--hours", "-1"], ["--hours", "nan"], ["--hours", "100"], ["--seed", "-2"],
    ["--model", "des", "--fleet", "1000000"],
])
def test_bad_parameters_give_one_line_and_status_2(capsys, argv):
    assert main(["cascade", "run", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_unknown_scenario_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["cascade", "run", "--scenario", "bogus"])
    assert exit_info.value.code == 2
