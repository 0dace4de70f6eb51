"""`python -m outage dns recovery`: JSON shape, flags, and one-line errors."""

import functools
import json
import re

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


@pytest.fixture
def refused(refused_in_one_line):
    """`dns recovery` with bad arguments: exit 2 and exactly one line on stderr."""
    return functools.partial(refused_in_one_line, "dns", "recovery")


@pytest.mark.parametrize("args, says", [
    (["--clients", "0"], "--clients must be between 1 and 10,000"),
    (["--clients", "1e7"], "--clients must be between 1 and 10,000"),
    (["--resolvers", "700"], "--resolvers must be between 1 and --clients"),
    (["--soa-ttl", "1e5", "--clients", "10000"], "client-seconds; the bound is"),
    (["--clients", "2.5"], "whole number"),
    # Every resolver re-asks the authority once per negative TTL while the outage is replayed.
    (["--soa-ttl", "0.001"], "--resolvers 40 each re-asking the authority every 0.001 s"),
    (["--record-ttl", "0.001", "--last-known-good"], "--record-ttl, with --last-known-good"),
])
def test_bad_values_give_one_line_error_and_status_2(refused, args, says):
    """Each refusal names the bound and why, before anything is simulated."""
    err = refused(*args)
    assert says in err, err


# Each TTL flag, its smallest allowed value (None: 0 itself is refused) and its upper bound.
TTL_FLAGS = {
    "--record-ttl": (None, "600"),
    "--soa-ttl": ("0", "604,800"),
    "--soa-minimum": ("0", "604,800"),
    "--resolver-max-negative-ttl": ("0", "604,800"),
    "--client-ttl": ("0", "600"),
    "--client-negative-ttl": ("0", "604,800"),
}


@pytest.mark.parametrize("flag", TTL_FLAGS)
@pytest.mark.parametrize("value", ["1e30", "1e6", "inf", "604800.5"])
def test_too_big_ttls_name_the_flag_and_the_bound(refused, flag, value):
    """Once a ZeroDivisionError traceback (--record-ttl 500000, --client-ttl 1e6) or accepted."""
    err = refused(flag, value)
    assert f"error: {flag} must be at most {TTL_FLAGS[flag][1]}: " in err, err
    shown = {"1e30": "1e+30", "1e6": "1,000,000", "inf": "inf", "604800.5": "604800.5"}[value]
    assert err.rstrip().endswith(f"got {shown}"), err


@pytest.mark.parametrize("flag, why", [
    ("--record-ttl", "load ratio is undefined"), ("--client-ttl", "first lookups"),
    ("--soa-ttl", "changes nothing"), ("--soa-minimum", "changes nothing"),
    ("--resolver-max-negative-ttl", "BIND"), ("--client-negative-ttl", "BIND")])
def test_ttl_bounds_say_why(refused, flag, why):
    assert why in refused(flag, "1e30")


BAD_TTLS = [
    (flag, value, says.format(flag=flag, low="at least 0" if low == "0" else "more than 0"))
    for flag, (low, _) in TTL_FLAGS.items()
    for value, says in [("-1", "{flag} must be {low}, got -1"),
                        ("=-inf", "{flag} must be {low}, got -inf"),
                        ("nan", "{flag} must be a number of seconds, got nan"),
                        ("", "argument {flag}: invalid float"),
                        ("abc", "argument {flag}: invalid float")]
    + ([] if low == "0" else [("0", "{flag} must be more than 0, got 0")])
]


@pytest.mark.parametrize("flag, value, says", BAD_TTLS)
def test_bad_ttls_name_the_flag(refused, flag, value, says):
    """Once "TTLs must be finite numbers of seconds" or "record_ttl_s must be > 0"."""
    args = [flag + value] if value.startswith("=") else [flag, value]
    assert says in refused(*args)


def _parsed(*args):
    from outage.cli import build_parser

    return build_parser("dns").parse_args(["dns", "recovery", *args])


@pytest.mark.parametrize("flag", TTL_FLAGS)
def test_ttls_at_their_bounds_are_accepted(flag):
    from outage.dns.cli import _params

    low, high = TTL_FLAGS[flag]
    for value in ([low] if low else []) + [high.replace(",", "")]:
        _params(_parsed(flag, value, "--clients", "1", "--resolvers", "1"))  # no CliError


def test_a_run_at_every_upper_bound_and_one_at_zero_complete(capsys):
    """The edges run without a crash (one client, so each run is short)."""
    at_top = [a for flag, (_, high) in TTL_FLAGS.items() for a in (flag, high.replace(",", ""))]
    result = _json(capsys, *at_top, "--seed", "4294967295", "--clients", "1", "--resolvers", "1")
    assert result["seed"] == 4294967295 and result["resolver_negative_ttl_s"] == 604800.0
    at_zero = [a for flag, (low, _) in TTL_FLAGS.items() if low for a in (flag, low)]
    result = _json(capsys, *at_zero, "--clients", "5", "--resolvers", "1")
    assert result["resolver_negative_ttl_s"] == 0.0 and result["recovered_share"] == 1.0


def test_a_normal_baseline_without_queries_gives_no_ratio_not_a_traceback(capsys, monkeypatch):
    """With long TTLs and one resolver the 600 s baseline can hold no query (the ratio's
    division by zero was a traceback); the ratio is then null."""
    import dataclasses

    import outage.dns.cli as dns_cli

    real = dns_cli.summarize
    monkeypatch.setattr(dns_cli, "summarize", lambda run: dataclasses.replace(
        real(run, normal_authoritative_qps=1.0), normal_authoritative_qps=0.0))
    result = _json(capsys, "--clients", "3", "--resolvers", "1")
    assert result["authoritative_qps_ratio"] is None and result["normal_authoritative_qps"] == 0
    assert main(["dns", "recovery", "--clients", "3", "--resolvers", "1"]) == 0
    assert "no query in the 600 s normal baseline" in capsys.readouterr().out


@pytest.mark.parametrize("value, says", [
    ("1e44", "--seed must be at most 4,294,967,295: "), ("4294967296", "got 4,294,967,296"),
    ("inf", "--seed must be at most 4,294,967,295: "), ("-1", "--seed must be at least 0, got -1"),
    ("-3", "--seed must be at least 0"), ("=-inf", "--seed must be at least 0"),
    ("nan", "argument --seed: not a whole number"), ("2.5", "argument --seed: not a whole number"),
    ("", "argument --seed: not a number"), ("abc", "argument --seed: not a number")])
def test_bad_seeds_name_the_flag(refused, value, says):
    args = ["--seed" + value] if value.startswith("=") else ["--seed", value]
    err = refused(*args)
    assert says in err, err
    if "at most" in says:
        assert "32-bit range" in err


def test_seed_at_its_bound_and_in_exponent_form_is_accepted():
    from outage.dns.cli import _params

    assert _parsed("--seed", "4294967295").seed == 4294967295
    assert _parsed("--seed", "1e3").seed == 1000
    _params(_parsed("--seed", "4294967295"))


@pytest.mark.parametrize("flag", ["--clients", "--resolvers"])
@pytest.mark.parametrize("value, says", [
    ("1e30", "{flag} must be between 1 and "), ("inf", "{flag} must be between 1 and "),
    ("0", "{flag} must be between 1 and "), ("-1", "{flag} must be between 1 and "),
    ("=-inf", "{flag} must be between 1 and "), ("nan", "argument {flag}: not a whole number"),
    ("", "argument {flag}: not a number"), ("abc", "argument {flag}: not a number")])
def test_bad_counts_name_the_flag_and_the_bound(refused, flag, value, says):
    args = [flag + value] if value.startswith("=") else [flag, value]
    err = refused(*args)
    assert says.format(flag=flag) in err, err
    if "between" in says:
        assert ("10,000 clients take" if flag == "--clients" else "without clients does nothing") in err


def test_help_lists_exit_codes_and_bounds(capsys):
    with pytest.raises(SystemExit):
        main(["dns", "recovery", "--help"])
    out = capsys.readouterr().out
    block = out[out.index("exit status:"):]
    for status, meaning in (("0", "run completed"), ("2", "bad input"),
                            ("4", "the results could not be written"), ("130", "interrupted by Ctrl-C"),
                            ("143", "stopped by SIGTERM")):
        assert re.search(rf"^  {status} +{meaning}", block, re.M), block
    flat = " ".join(out.split())
    assert "at most 600; default 5.0" in flat and "at most 604,800; default 900.0" in flat
    assert "0 to 4,294,967,295" in flat
    with pytest.raises(SystemExit):
        main(["dns", "--help"])
    assert "python -m outage dns recovery --help" in " ".join(capsys.readouterr().out.split())


def test_unknown_answer_mode_is_rejected_by_the_parser():
    with pytest.raises(SystemExit) as exit_info:
        main(["dns", "recovery", "--answer", "nxdomain"])
    assert exit_info.value.code == 2
