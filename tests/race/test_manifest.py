"""The committed manifest (data/race_expected.json) matches what the checker computes."""

import pytest

from outage.race import manifest

COMMITTED = {e["id"]: e for e in manifest.load()["entries"]}


def test_manifest_lists_exactly_the_cases():
    assert list(COMMITTED) == [case.id for case in manifest.CASES]


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else [])
    for c in manifest.CASES
])
def test_manifest_entry(case):
    assert manifest.compute(case) == COMMITTED[case.id]


def test_manifest_records_the_incident_and_the_fixes():
    none = COMMITTED["incident/none"]
    assert none["violated"] == "record never empty"
    assert none["properties"]["record never empty"]["trace_length"] == 9
    assert COMMITTED["incident/conditional-write"]["verdict"] == "holds"
    guard = COMMITTED["incident/cleanup-guard"]["properties"]
    assert guard["record never empty"]["verdict"] == "holds"
    assert guard["no regression"]["verdict"] == "violated"


def test_manifest_covers_every_reading_of_every_fix_combination():
    for size in ("tiny", "incident"):
        for fixes in (e["params"]["fixes"] for e in COMMITTED.values()
                      if e["size"] == size and not e["params"]["lock"]):
            readings = {(e["params"]["write_deleted"], e["params"]["check_against"])
                        for e in COMMITTED.values()
                        if e["size"] == size and e["params"]["fixes"] == fixes
                        and not e["params"]["lock"]}
            assert readings == set(manifest.READINGS), (size, fixes)


def test_manifest_records_what_depends_on_a_reading():
    # Writing a deleted plan leaves the endpoint empty: the clean-up guard alone no longer
    # keeps the record or progress (the known answer: 9 steps, as without any fix).
    empty = COMMITTED["incident/cleanup-guard+empty"]["properties"]
    assert empty["record never empty"] == {"kind": "always", "required": True,
                                           "verdict": "violated", "trace_length": 9}
    assert empty["progress"]["verdict"] == "violated"
    # Checking against the regional endpoint's plan: the guard keeps the record but an
    # endpoint the check does not look at can be left behind with no one to retake the plan.
    applied = COMMITTED["incident/cleanup-guard+applied"]["properties"]
    assert applied["record never empty"]["verdict"] == "holds"
    assert applied["progress"]["verdict"] == "violated"
    # The write-side fixes hold under every reading.
    for fix in ("conditional-write", "fencing-token"):
        for suffix in ("", "+empty", "+applied", "+empty+applied"):
            assert COMMITTED[f"incident/{fix}{suffix}"]["verdict"] == "holds"
