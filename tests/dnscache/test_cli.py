"""`python -m outage dns recovery`: JSON shape, flags, and one-line errors."""

import json

import pytest

from outage.cli import main

SMALL_ARGS = ["--clients", "150", "--resolvers", "15"]


def _json(capsys, *args):
    assert main(["dns", "recovery", "--json", *SMALL_ARGS, *args]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return json.loads(out)


def test_json_has_the_required_keys_and_says_the_tail_is_the_assumed_ttl(capsys):
    result = _json(capsys)
    for key in ("p50_recovery_s", "p99_recovery_s", "all_recovered_s",
                "authoritative_qps_ratio"):
        assert isinstance(result[key], float)
    assert 0 < result["p50_recovery_s"] <= result["p99_recovery_s"] <= result["all_recovered_s"]
    assert 800 <= result["all_recovered_s"] <= result["recovery_bound_s"]
    assert result["authoritative_qps_ratio"] < 0.05
    # Not a finding: the tail is the assumed negative TTL plus the clients' own few seconds.
    assert "reproduces_observed_tail" not in result
    assert result["observed_tail_kind"] == "input"
    assert -120 <= result["all_recovered_minus_negative_ttl_s"] <= 60
    assert result["all_recovered_minus_negative_ttl_s"] == (
        result["all_recovered_s"] - result["resolver_negative_ttl_s"])


def test_timeout_with_serve_stale_hides_the_outage(capsys):
    result = _json(capsys, "--answer", "timeout", "--serve-stale")
    assert result["all_recovered_s"] == 0.0 and result["answer"] == "timeout"


def test_ttl_flags_change_the_tail(capsys):
    result = _json(capsys, "--soa-ttl", "300")
    assert result["resolver_negative_ttl_s"] == 300.0
    assert result["all_recovered_s"] <= 360


def test_seed_flag_is_deterministic(capsys):
    assert _json(capsys, "--seed", "4") == _json(capsys, "--seed", "4")


def test_readable_report_without_json(capsys):
    assert main(["dns", "recovery", *SMALL_ARGS]) == 0
    out = capsys.readouterr().out
    assert "2:25 AM PDT" in out and "all clients back" in out


@pytest.mark.parametrize("args, says", [
    (["--soa-ttl", "-1"], "ttls must be >= 0"), (["--clients", "0"], "--clients must be between 1 and 10,000"),
    (["--seed", "-3"], "--seed"), (["--record-ttl", "nan"], "finite"),
    (["--clients", "1e7"], "--clients must be between 1 and 10,000"),
    (["--resolvers", "700"], "--resolvers must be between 1 and --clients"),
    (["--soa-ttl", "1e9", "--soa-minimum", "1e9", "--resolver-max-negative-ttl", "1e9"],
     "client-seconds; the bound is"),
    (["--clients", "2.5"], "whole number"),
])
def test_bad_values_give_one_line_error_and_status_2(capsys, args, says):
    """Each refusal names the bound and why, before anything is simulated."""
    try:
        status = main(["dns", "recovery", *args])
    except SystemExit as stop:  # refused by the argument parser, also in one line
        status = stop.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert says in err.lower() or says in err, err


def test_help_lists_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["dns", "recovery", "--help"])
    out = capsys.readouterr().out
    assert "0 run completed, 2 bad parameter" in " ".join(out.split())


def test_unknown_answer_mode_is_rejected_by_the_parser():
    with pytest.raises(SystemExit) as exit_info:
        main(["dns", "recovery", "--answer", "nxdomain"])
    assert exit_info.value.code == 2
