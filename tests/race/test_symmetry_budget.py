"""Symmetry reduction keeps every answer; a state budget never answers "holds"."""

import itertools

import pytest

from outage.checker import HOLDS, INCOMPLETE, VIOLATED, explore, replay
from outage.race import manifest
from outage.race.model import FIXES, Params, model, parse_fixes, representative

COMMITTED = {e["id"]: e for e in manifest.load()["entries"]}


def answers(result):
    return [(r.name, r.verdict, r.trace_length) for r in result.results]


@pytest.mark.parametrize("case", [c for c in manifest.CASES if c.without_symmetry],
                         ids=lambda c: c.id)
def test_same_verdicts_and_trace_lengths_fewer_states(case):
    m = model(case.params)
    plain = explore(m, symmetry=False)
    reduced = explore(m, symmetry=True)
    assert answers(plain) == answers(reduced)
    assert reduced.states < plain.states
    assert plain.states == COMMITTED[case.id]["states_without_symmetry"]
    for r in reduced.results:
        if r.trace:
            replay(m, r.trace, reduced.initial[0])


@pytest.mark.slow
def test_symmetry_with_three_enactors_and_locks():
    m = model(Params(plans=3, endpoints=2, lock=True))
    plain, reduced = explore(m, symmetry=False), explore(m, symmetry=True)
    assert answers(plain) == answers(reduced)
    assert reduced.states * 5 < plain.states  # close to 3! = 6 for three Enactors


def test_representative_is_idempotent_and_permutation_invariant():
    p = Params(lock=True, fixes=frozenset(FIXES))
    m = model(p)
    seen = frontier = list(m.init_states())
    for _ in range(7):
        frontier = [m.step(x, a) for x in frontier for a in m.actions(x)][:200]
        seen += frontier
    for s in seen:
        c = representative(p, s)
        assert representative(p, c) == c
        for perm in itertools.permutations(range(p.enactors)):
            new_id = {old: new for new, old in enumerate(perm)}
            permuted = s._replace(
                enactors=tuple(s.enactors[i] for i in perm),
                endpoints=tuple(ep._replace(holder=new_id[ep.holder - 1] + 1) if ep.holder
                                else ep for ep in s.endpoints))
            assert representative(p, permuted) == c


def test_every_budget_below_the_full_count_is_incomplete_for_a_fixed_variant():
    p = Params(enactors=2, plans=3, endpoints=1, keep=1, fixes=parse_fixes("conditional-write"))
    full = explore(model(p))
    assert full.verdict == HOLDS
    for budget in range(1, full.states):
        result = explore(model(p), max_states=budget)
        assert result.verdict == INCOMPLETE, budget
        assert all(r.verdict != HOLDS for r in result.results if r.kind in ("always", "progress"))
    assert explore(model(p), max_states=full.states).verdict == HOLDS


def test_a_budget_that_reaches_the_violation_reports_it_with_the_same_length():
    p = Params(enactors=2, plans=3, endpoints=1, keep=1)
    full = explore(model(p)).result("record never empty")
    verdicts = set()
    for budget in range(1, 157):
        r = explore(model(p), max_states=budget).result("record never empty")
        verdicts.add(r.verdict)
        assert r.verdict in (VIOLATED, INCOMPLETE)
        if r.verdict == VIOLATED:
            assert r.trace_length == full.trace_length
    assert verdicts == {VIOLATED, INCOMPLETE}
