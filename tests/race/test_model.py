"""Unit tests of the race model's rules, and "it finds the known thing" tests."""

import pytest

from outage.checker import HOLDS, VIOLATED, explore, replay
from outage.race.model import (
    ACTIVE_NEVER_DELETED,
    BLOCKED,
    CLEANUP_GUARD,
    CONDITIONAL_WRITE,
    FENCING_TOKEN,
    NO_REGRESSION,
    PROGRESS,
    RECORD_NEVER_EMPTY,
    CleanUp,
    Lock,
    Params,
    Publish,
    Take,
    Write,
    actions,
    init_states,
    model,
    parse_fixes,
    representative,
    step,
    write_outcome,
)

INCIDENT = [Publish(1), Take(0, 1), Publish(2), Publish(3), Take(1, 3),
            Write(1, 0, 3), Write(0, 0, 1), Write(1, 1, 3), CleanUp(1, 3)]


def run(p, trace):
    return replay(model(p), trace, init_states(p)[0])


@pytest.mark.parametrize("kwargs", [
    {"enactors": 0}, {"plans": 0}, {"endpoints": 0}, {"enactors": -1}, {"keep": -1},
    {"plans": 3, "keep": 3}, {"plans": 3, "keep": 4}, {"fixes": {"bogus"}},
    {"write_deleted": "keep"}, {"write_deleted": None}, {"check_against": "dns"},
    {"check_against": ""},
])
def test_bad_params_are_rejected(kwargs):
    with pytest.raises(ValueError):
        Params(**kwargs)


def test_parse_fixes():
    assert parse_fixes("none") == frozenset()
    assert parse_fixes("conditional-write, cleanup-guard") == {CONDITIONAL_WRITE, CLEANUP_GUARD}
    for bad in ("", "none,cleanup-guard", "fencing", "conditional_write"):
        with pytest.raises(ValueError):
            parse_fixes(bad)


def test_the_incident_interleaving_empties_the_regional_record_and_sticks():
    p = Params()
    states = run(p, INCIDENT)
    end = states[-1]
    regional = end.endpoints[0]
    assert regional.active == 1 and not regional.live
    assert end.endpoints[1].active == 3 and end.endpoints[1].live
    assert all(s.endpoints[0].live for s in states[:-1])
    # Stuck: Enactor A is about to write the IPv6 endpoint; nobody can ever write the
    # regional one again, because the rollback record would point at a deleted tree.
    later = run(p, INCIDENT + [Write(0, 1, 1), CleanUp(0, 1), Publish(4), Take(1, 4)])[-1]
    assert write_outcome(p, later, 1) == BLOCKED
    assert Write(1, 0, 4) not in actions(p, later)


def test_the_stale_write_alone_is_a_regression_not_an_outage():
    states = run(Params(), INCIDENT[:7])
    assert states[-1].endpoints[0].active == 1 and states[-1].endpoints[0].live
    assert states[-2].endpoints[0].active == 3


def test_clean_up_keeps_keep_generations():
    p = Params(enactors=1, plans=5, endpoints=1, keep=2)
    trace = [Publish(1), Publish(2), Publish(3), Publish(4), Take(0, 4), Write(0, 0, 4),
             CleanUp(0, 4)]
    end = run(p, trace)[-1]
    assert [g for g in range(6) if end.deleted >> g & 1] == [0, 1]


def test_cleanup_guard_spares_the_active_plan_but_not_a_deleted_one_rewritten():
    p = Params(fixes=frozenset({CLEANUP_GUARD}))
    end = run(p, INCIDENT)[-1]
    assert end.endpoints[0].live and end.endpoints[0].active == 1
    assert not end.deleted >> 1 & 1
    # Clean-up first, stale write second: the plan was already gone from the store.
    reordered = INCIDENT[:6] + [Write(1, 1, 3), CleanUp(1, 3), Write(0, 0, 1)]
    end = run(p, reordered)[-1]
    assert end.endpoints[0].live and end.deleted >> 1 & 1


def test_conditional_write_rejects_the_stale_plan():
    p = Params(fixes=frozenset({CONDITIONAL_WRITE}))
    before = run(p, INCIDENT[:6])[-1]
    assert write_outcome(p, before, 0) == "stale"
    after = step(p, before, Write(0, 0, 1))
    assert after.endpoints == before.endpoints
    assert after.enactors[0].at == 1


def test_fencing_token_rejects_the_older_run():
    p = Params(fixes=frozenset({FENCING_TOKEN}))
    before = run(p, INCIDENT[:6])[-1]
    assert before.enactors[0].token < before.enactors[1].token
    assert write_outcome(p, before, 0) == "fenced"


def test_lock_is_exclusive_and_released_by_the_transaction():
    p = Params(lock=True)
    s = run(p, [Publish(1), Take(0, 1), Take(1, 1), Lock(0, 0)])[-1]
    assert s.endpoints[0].holder == 1
    assert Lock(1, 0) not in actions(p, s)
    s = step(p, s, Write(0, 0, 1))
    assert s.endpoints[0].holder == 0
    assert Lock(1, 0) in actions(p, s)


def test_representative_rewrites_lock_holders():
    p = Params(lock=True)
    s = run(p, [Publish(1), Take(2, 1), Lock(2, 0)])[-1]
    c = representative(p, s)
    holder = c.endpoints[0].holder - 1
    assert c.enactors[holder].locked == 1
    assert sorted(c.enactors) == list(c.enactors)


def test_actions_are_deterministic_and_labelled():
    p = Params()
    s = run(p, INCIDENT[:5])[-1]
    assert actions(p, s) == actions(p, s)
    labels = [a.label for a in actions(p, s)]
    assert labels[0] == "Planner publishes plan 4"
    assert "Enactor A writes plan 1 to the regional endpoint" in labels


@pytest.mark.parametrize("plans,keep,expected", [(3, 1, 9), (5, 1, 9), (5, 2, 10), (5, 3, 11)])
def test_shortest_empty_record_needs_keep_plus_one_generations_between_runs(plans, keep, expected):
    # The stale plan must be more than `keep` generations older than the newer run's plan:
    # publish 1, take 1, publish up to keep + 2, then the newer run. Each extra kept
    # generation is one more Planner step.
    result = explore(model(Params(plans=plans, keep=keep)))
    assert result.result(RECORD_NEVER_EMPTY).trace_length == expected


def test_single_enactor_cannot_race():
    result = explore(model(Params(enactors=1, plans=4, endpoints=2, keep=1)))
    assert result.verdict == HOLDS


def test_every_counterexample_replays_to_its_violation():
    p = Params()
    m = model(p)
    result = explore(m)
    for name in (RECORD_NEVER_EMPTY, ACTIVE_NEVER_DELETED, PROGRESS):
        r = result.result(name)
        assert r.verdict == VIOLATED
        states = replay(m, r.trace, result.initial[0])
        if name != PROGRESS:
            prop = next(x for x in m.properties if x.name == name)
            assert not prop.predicate(states[-1])
            assert all(prop.predicate(s) for s in states[:-1])
    r = result.result(NO_REGRESSION)
    states = replay(m, r.trace, result.initial[0])
    assert any(b.active < a.active for a, b in zip(states[-2].endpoints, states[-1].endpoints))


def test_readings_default_to_ours_and_show_in_the_label_only_when_changed():
    p = Params()
    assert (p.write_deleted, p.check_against) == ("rebuild", "own")
    assert "write deleted" not in p.label and "check against" not in p.label
    q = Params(write_deleted="empty", check_against="applied")
    assert q.label.endswith("write deleted: empty, check against: applied")


def test_writing_a_deleted_plan_rebuilds_or_empties_by_reading():
    # Clean-up first, stale write second: plan 1 is already gone when Enactor A writes it.
    reordered = INCIDENT[:6] + [Write(1, 1, 3), CleanUp(1, 3), Write(0, 0, 1)]
    for fixes in (frozenset(), frozenset({CLEANUP_GUARD})):
        rebuilt = run(Params(fixes=fixes), reordered)[-1].endpoints[0]
        assert rebuilt.active == 1 and rebuilt.live
        emptied = run(Params(fixes=fixes, write_deleted="empty"), reordered)[-1].endpoints[0]
        assert emptied.active == 1 and not emptied.live
    # A plan that was never deleted is written with its records under both readings.
    p = Params(write_deleted="empty")
    assert run(p, INCIDENT[:7])[-1].endpoints[0].live


def test_the_check_compares_with_own_memory_or_with_dns_by_reading():
    # Enactor B applied plan 3 everywhere; the stale Enactor A then puts plan 1 back on the
    # regional endpoint and finishes. Under "own", B (last applied 3) does not retake plan 3;
    # under "applied", B sees plan 1 in DNS and takes plan 3 again.
    trace = INCIDENT[:6] + [Write(1, 1, 3), Write(0, 0, 1), Write(0, 1, 1)]
    own = Params(fixes=frozenset({CLEANUP_GUARD}))
    applied = Params(fixes=frozenset({CLEANUP_GUARD}), check_against="applied")
    s_own, s_applied = run(own, trace + [CleanUp(1, 3)])[-1], run(applied, trace + [CleanUp(1, 3)])[-1]
    assert Take(1, 3) not in actions(own, s_own)
    assert Take(1, 3) in actions(applied, s_applied)


def test_under_the_empty_reading_the_cleanup_guard_alone_lets_the_record_go_empty():
    p = Params(3, 5, 2, 1, frozenset({CLEANUP_GUARD}), write_deleted="empty")
    e = explore(model(p))
    assert e.result(RECORD_NEVER_EMPTY).verdict == VIOLATED
    assert e.result(RECORD_NEVER_EMPTY).trace_length == 9
    assert e.result(PROGRESS).verdict == VIOLATED
    end = replay(model(p), e.result(RECORD_NEVER_EMPTY).trace, e.initial[0])[-1]
    assert not all(ep.live for ep in end.endpoints)
    # Under our reading (rebuild) the same guard keeps the record and progress.
    e = explore(model(Params(3, 5, 2, 1, frozenset({CLEANUP_GUARD}))))
    assert e.result(RECORD_NEVER_EMPTY).verdict == HOLDS
    assert e.result(PROGRESS).verdict == HOLDS
