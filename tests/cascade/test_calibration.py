"""The calibration ledger (data/calibration.yaml): the code, the assumptions file, the timeline and
the pages agree with it, and each fit, re-run, gives the value it records."""

import re
from pathlib import Path

import pytest
import yaml

from outage.cascade import calibration, clock, figures, scenarios, validation
from outage.cascade.assumptions import load_assumptions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ledger():
    return calibration.load_ledger()


def test_ledger_names_two_fits_and_a_kind_for_every_milestone(ledger):
    assert [f.parameter for f in ledger.fits] == ["throttle_establish_per_host_per_s", "held_per_unleased_droplet_h"]
    assert {f.milestone for f in ledger.fits} == {"all_leases_restored", "network_backlog_cleared"}
    assert set(ledger.milestones) == set(scenarios.run("as-happened", calibration.FIT_FLEET,
                                                      horizon_s=3600.0).milestones)
    assert tuple(ledger.kinds) == calibration.KINDS == ("input", "fitted", "predicted")


def test_aws_times_match_the_clock_and_the_timeline(ledger):
    for name, c in ledger.milestones.items():
        if c.aws_time is not None:
            assert clock.OBSERVED_MILESTONES_S[name] == clock.at(c.aws_time), name
    stated = yaml.safe_load((ROOT / "data" / "timeline.yaml").read_text())
    pdt = {e["id"]: e["pdt"] for e in stated["events"]}
    for c in [*ledger.milestones.values(), *ledger.others.values()]:
        if c.aws_time is not None:
            assert pdt[c.event] == c.aws_time, c.milestone


def test_code_defaults_and_assumptions_file_hold_the_ledger_values(ledger):
    listed = {a["name"]: a for a in load_assumptions()}
    code = calibration.code_values()
    for fit in ledger.fits:
        assert code[fit.parameter] == fit.value, fit.parameter
        assert listed[fit.parameter]["value"] == fit.value, fit.parameter
        assert listed[fit.parameter]["why"].startswith("Fitted to AWS's"), fit.parameter
    fitted_in_file = {name for name, a in listed.items() if re.search(r"\b(fitted|calibrated)\b", a["why"], re.I)
                      and "Not fitted" not in a["why"]}
    assert fitted_in_file == {fit.parameter for fit in ledger.fits}


def test_a_malformed_ledger_is_refused(tmp_path):
    data = yaml.safe_load(calibration.LEDGER_PATH.read_text())
    data["milestones"]["nlb_errors_start"]["kind"] = "calibrated"
    bad = tmp_path / "calibration.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(calibration.LedgerError, match="nlb_errors_start: kind must be one of"):
        calibration.load_ledger(bad)
    data["milestones"]["nlb_errors_start"]["kind"] = "fitted"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(calibration.LedgerError, match="exactly one fit"):
        calibration.load_ledger(bad)


def test_bisection_and_k_section_find_known_roots():
    # Times of a straight line: t = 100 * x rises (bisect), t = 100 - 10 * x falls (k-section).
    assert calibration.bisect(lambda x: 100 * x, 37.0, (0.0, 1.0), tolerance=1e-6) == pytest.approx(0.37, abs=1e-5)
    falls = calibration.k_section(lambda xs: 100 - 10 * xs, 63.0, (0.0, 10.0))
    assert falls == pytest.approx(3.7, abs=1e-9)
    with pytest.raises(ValueError, match="does not contain"):
        calibration.k_section(lambda xs: 100 - 10 * xs, 500.0, (0.0, 10.0))


@pytest.mark.slow
def test_each_fit_rerun_gives_the_ledger_value(ledger):
    """The fits are functions; re-running them gives the recorded value to its three digits,
    and the recorded value puts the milestone within a minute of AWS's time."""
    refitted = calibration.refit(ledger)
    for fit in ledger.fits:
        assert refitted[fit.parameter] == pytest.approx(fit.value, abs=0.0006), fit.parameter
    r = scenarios.run(calibration.FIT_SCENARIO, calibration.FIT_FLEET)
    for fit in ledger.fits:
        assert abs(r.milestones[fit.milestone] - fit.target_s) <= 60, fit.milestone


def test_kinds_follow_the_scenario(runs, ledger):
    happened = calibration.milestone_kinds("as-happened", runs("as-happened").milestones, ledger)
    assert happened == {name: c.kind for name, c in ledger.milestones.items()}
    kept = calibration.milestone_kinds("failover-kept", runs("failover-kept").milestones, ledger)
    assert kept["nlb_errors_end"] == "predicted"  # errors no longer end at an input time
    relief = calibration.milestone_kinds("no-netmgr-relief", runs("no-netmgr-relief").milestones, ledger)
    assert relief["all_leases_restored"] == "fitted" and relief["network_backlog_cleared"] == "predicted"


def test_comparisons_carry_kinds_and_errors(runs, ledger):
    rows = validation.comparisons(runs("as-happened"), ledger)
    assert [r.aws_time for r in rows] == sorted((r.aws_time for r in rows), key=clock.at)
    by_name = {r.milestone: r for r in rows}
    for row in rows:
        if row.kind in ("input", "fitted"):
            assert abs(row.error_min) <= 1, row.milestone
    # The held-out times are missed: the latency rises too early, the NLB errors start too late.
    assert by_name["propagation_latency_elevated"].kind == "predicted"
    assert -60 < by_name["propagation_latency_elevated"].error_min < -20
    assert 10 < by_name["nlb_errors_start"].error_min < 45


PAGES = {
    "methodology": ROOT / "docs" / "methodology.md",
    "ec2": ROOT / "docs" / "ec2.md",
    "nlb": ROOT / "docs" / "nlb.md",
    "notebook": ROOT / "notebooks" / "cascade.py",
}


@pytest.mark.parametrize("page", PAGES)
def test_pages_describe_the_calibration_as_the_ledger_does(page):
    """No page calls anything 'calibrated' or 'chosen for' an AWS time; pages that say how
    many parameters were fitted say two, and name the ledger."""
    text = PAGES[page].read_text()
    assert not re.search(r"\bcalibrated\b|\bcalibrate\b|chosen for (that|it)", text, re.I), page
    counts = re.findall(r"\b(one|two|three|four|no|none)\b (?:of (?:its|the|them) )?(?:parameters?|numbers?|assumptions?|values?)"
                        r" (?:of the [a-z ]+ )?(?:was|were|is|are) fitted", text, re.I)
    assert all(c.lower() == "two" for c in counts), (page, counts)
    if page != "notebook":
        assert "calibration ledger" in text.lower(), page


def test_methodology_ledger_table_is_the_ledger(ledger):
    text = PAGES["methodology"].read_text()
    section = text.split("## Calibration ledger", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| ([0-9.]+) ([^|]+) \| ([^|]+) \|", section, re.M)
    assert [(name, float(value), unit.strip()) for name, value, unit, _ in rows] == [
        (fit.parameter, fit.value, fit.unit) for fit in ledger.fits]
    for (_, _, _, fitted_to), fit in zip(rows, ledger.fits):
        assert figures.wall_clock(fit.target_s) in fitted_to
    kinds = re.findall(r"^\| (input|fitted|predicted) \|", section, re.M)
    assert kinds == list(calibration.KINDS)
