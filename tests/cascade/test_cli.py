"""The `cascade` subcommand: JSON shape, readable report, and one-line errors."""

import functools
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


@pytest.fixture
def refused(refused_in_one_line):
    """`cascade run` with bad arguments: exit 2 and exactly one line on stderr."""
    return functools.partial(refused_in_one_line, "cascade", "run")


@pytest.mark.parametrize("argv, says", [
    (["--fleet", "0"], "whole number of DWFM hosts"), (["--hours", "-1"], "--hours"),
    (["--hours", "nan"], "--hours"), (["--hours", "100"], "at most|between"),
    (["--hours", "0.001"], "sample every minute"), (["--seed", "-2"], "--seed"),
    (["--fleet", "1e8"], "at most 1,000,000"), (["--fleet", "500"], "load per host"),
    (["--fleet", "1500"], "load per host"), (["--fleet", "2.5"], "whole number"),
    (["--model", "des", "--fleet", "1000000"], "walks every droplet"),
])
def test_bad_parameters_give_one_line_and_status_2(refused, argv, says):
    """Each refusal is one line that names the bound and why, before any model runs."""
    err = refused(*argv)
    assert re.search(says, err), err


# Every numeric flag with each bad value: what the one line must say (a too-big value gets the
# bound, not another complaint; "--x=-inf" because argparse takes "-inf" alone for a flag).
BAD_VALUES = [
    ("--fleet", "99999999999", "--fleet must be at most 1,000,000 droplets for the fluid model"),
    ("--fleet", "1e30", "--fleet must be at most 1,000,000 droplets for the fluid model"),
    ("--fleet", "inf", "--fleet must be at most 1,000,000 droplets for the fluid model"),
    ("--fleet", "1001000", "--fleet must be at most 1,000,000"),
    ("--fleet", "=-inf", "--fleet must be a whole number of DWFM hosts"),
    ("--fleet", "-1", "--fleet must be a whole number of DWFM hosts"),
    ("--fleet", "0", "--fleet must be a whole number of DWFM hosts"),
    ("--fleet", "nan", "argument --fleet: not a whole number"),
    ("--fleet", "", "argument --fleet: not a number"),
    ("--fleet", "abc", "argument --fleet: not a number"),
    ("--hours", "1e30", "--hours must be at most 48: run time grows"),
    ("--hours", "inf", "--hours must be at most 48: run time grows"),
    ("--hours", "48.01", "--hours must be at most 48"),
    ("--hours", "=-inf", "--hours must be at least 0.05"),
    ("--hours", "-1", "--hours must be at least 0.05"),
    ("--hours", "0", "--hours must be at least 0.05"),
    ("--hours", "nan", "--hours must be a number of hours, got nan"),
    ("--hours", "", "argument --hours: invalid float value"),
    ("--hours", "abc", "argument --hours: invalid float value"),
    ("--seed", "1e44", "--seed must be at most 4,294,967,295: "),
    ("--seed", "4294967296", "--seed must be at most 4,294,967,295: "),
    ("--seed", "inf", "--seed must be at most 4,294,967,295: "),
    ("--seed", "-1", "--seed must be at least 0, got -1"),
    ("--seed", "=-inf", "--seed must be at least 0"),
    ("--seed", "nan", "argument --seed: not a whole number"),
    ("--seed", "2.5", "argument --seed: not a whole number"),
    ("--seed", "", "argument --seed: not a number"),
    ("--seed", "abc", "argument --seed: not a number"),
]


@pytest.mark.parametrize("flag, value, says", BAD_VALUES)
def test_every_bad_value_names_its_flag(refused, flag, value, says):
    err = refused(*([flag + value] if value.startswith("=") else [flag, value]))
    assert says in err, err
    if "at most" in says:  # the bound comes with its reason
        assert {"--fleet": "per simulated hour", "--hours": "AWS's last milestone",
                "--seed": "32-bit range"}[flag] in err, err


def test_too_big_des_fleet_names_the_des_bound(refused):
    for value in ("1e30", "99999999999", "101000"):
        err = refused("--model", "des", "--fleet", value)
        assert "--fleet must be at most 100,000 droplets with --model des" in err, err


@pytest.mark.parametrize("argv", [
    ["--fleet", "1e6"], ["--fleet", "1000"], ["--model", "des", "--fleet", "100000"],
    ["--hours", "48"], ["--hours", "0.05"], ["--seed", "4294967295"], ["--seed", "4.294967295e9"],
    ["--seed", "0"]])
def test_values_at_the_bounds_are_accepted(argv):
    """Checked without running the model (a run at a bound takes up to about 20 s)."""
    from outage.cascade.cli import _check
    from outage.cli import build_parser

    args = build_parser("cascade").parse_args(["cascade", "run", *argv])
    _check(args)  # no CliError
    if "--seed" in argv:
        assert args.seed == int(float(argv[1]))


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
    block = out[out.index("exit status:"):]
    for status, meaning in (("0", "run completed"), ("2", "bad input"),
                            ("4", "the results could not be written"), ("130", "interrupted by Ctrl-C"),
                            ("143", "stopped by SIGTERM")):
        assert re.search(rf"^  {status} +{meaning}", block, re.M), block
    assert "0 to 4,294,967,295" in " ".join(out.split())
    with pytest.raises(SystemExit):
        main(["cascade", "--help"])
    assert "python -m outage cascade run --help" in " ".join(capsys.readouterr().out.split())


def test_unknown_scenario_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["cascade", "run", "--scenario", "bogus"])
    assert exit_info.value.code == 2
