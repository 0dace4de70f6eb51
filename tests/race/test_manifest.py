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
