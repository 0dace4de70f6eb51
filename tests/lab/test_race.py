"""The race replayed on real named and Unbound: verdicts per variant, and agreement with the
model step by step."""

import pytest

from outage.lab.report import load_committed, race_account, replay_outline

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def race(module_lab):
    """One `lab race --json` run shared by the tests of this module (about 6 s)."""
    status, result, stderr = module_lab("race", "--json")
    assert status == 0, stderr
    return {v["variant"]: v for v in result["variants"]} | {"_all": result}


def test_replay_follows_the_models_shortest_trace(race):
    result = race["_all"]
    assert result["trace_lengths"] == {"no lock": 9, "lock": 12}
    assert [len(race[v]["steps"]) for v in ("incident", "conditional-write", "lock",
                                            "lock+conditional-write")] == [9, 9, 12, 12]
    for name in ("incident", "conditional-write", "lock", "lock+conditional-write"):
        assert race[name]["matches_model"], [s for s in race[name]["steps"]
                                              if not s["matches_model"]]


def test_every_answer_came_through_unbound(race):
    # Recursion available and not authoritative, and named logged the same question from
    # Unbound's own address: an answer read straight from named fails both.
    for name in ("incident", "conditional-write", "lock", "lock+conditional-write"):
        for step in race[name]["steps"]:
            assert step["via_resolver"] == [True, True], (name, step["action"])


VIEW_OF_NAMED = """
import json
from outage.lab import race
from outage.lab.servers import Resolver, authoritative, resolver

eps = race.endpoints(2)
plan_of = {a: 0 for e, ep in enumerate(eps) for a in race.plan_addresses(0, e, ep)}
with authoritative(race.bootstrap_zones(eps)) as auth:
    with resolver(auth, race.PARENT_ZONE, host=race.RESOLVER_HOST) as res:
        through = race.view_resolver(res, eps, plan_of, auth)
    # The same view pointed straight at named, as if it were the resolver.
    fake = Resolver(auth.host, auth.port, 0, auth.workdir, auth.proc)
    direct = race.view_resolver(fake, eps, plan_of, auth)
print(json.dumps({"through": [v["via_resolver"] for v in through],
                  "direct": [v["via_resolver"] for v in direct],
                  "same_answers": [v["answers"] for v in through] == [v["answers"] for v in direct]}))
"""


def test_a_view_pointed_at_named_is_not_taken_for_unbound(module_lab):
    out = module_lab.python(VIEW_OF_NAMED)
    assert out == {"through": [True, True], "direct": [False, False], "same_answers": True}


def test_incident_empties_the_regional_record_through_unbound(race):
    v = race["incident"]
    assert v["record_emptied"] and v["model_predicts_empty"]
    assert v["empty_endpoints"] == ["regional.ddb.lab.test."]
    last = v["steps"][-1]
    assert last["action"] == "Enactor B cleans up after plan 3"
    assert last["resolver"][0] == "NOERROR, 0 answers (EMPTY)"  # not NXDOMAIN, not SERVFAIL
    # The stale write itself was accepted: the server had no reason to refuse it.
    stale = v["steps"][6]
    assert stale["action"] == "Enactor A writes plan 1 to the regional endpoint"
    assert stale["lab"] == "applied" and stale["resolver"][0].endswith("of plan 1")
    assert v["refused_rcodes"] == []


def test_conditional_write_refuses_the_stale_write_and_never_empties(race):
    v = race["conditional-write"]
    assert not v["record_emptied"] and not v["model_predicts_empty"]
    stale = v["steps"][6]
    assert stale["rcodes"] == ["NXRRSET"]
    assert stale["lab"] == "refused: endpoint already newer (NXRRSET)"
    assert all(not any(s["empty"]) for s in v["steps"])
    assert v["steps"][-1]["resolver"] == ["NOERROR, 2 addresses of plan 3"] * 2


def test_lock_alone_excludes_rivals_but_still_empties(race):
    v = race["lock"]
    assert v["lock_probe"]["refused"] and v["lock_probe"]["rcode"] == "NXRRSET"
    assert v["record_emptied"] and v["model_predicts_empty"]
    assert v["refused_rcodes"] == []


def test_lock_with_conditional_write_never_empties(race):
    v = race["lock+conditional-write"]
    assert not v["record_emptied"]
    assert v["refused_rcodes"] == ["NXRRSET"]
    assert v["lock_probe"]["refused"]


def test_readable_account_names_the_verdicts(race):
    text = race_account(race["_all"])
    assert "Result: the record went EMPTY (NOERROR, no addresses) at regional.ddb.lab.test." in text
    assert "Result: the record never emptied; stale writes refused with NXRRSET" in text
    assert "DIFFERS" not in text


def test_replay_is_deterministic_and_matches_the_committed_measurements(race):
    # The replay's answers carry no timings, so a fresh run must equal the committed one.
    assert replay_outline(race["_all"]) == replay_outline(load_committed("race"))
