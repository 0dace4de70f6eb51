"""The race's rules on arrays (`outage.race.vectorised`) against the model's readable rules, and
the level-at-a-time search (`outage.checker.levels`) against the one-state-at-a-time search.

The readable model is the reference: on up to 3,000 reachable states of each of many sizes, fixes
and readings, the array rules must give the same successors in the same order, the same symmetry
and the same property answers; and the checker must find the same states, transitions, depth,
verdicts and traces by either path, under every budget.
"""

import dataclasses
import json
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest

from outage.checker import Property, explore
from outage.checker.levels import usable_rules
from outage.race.model import (
    APPLIED_IN_DNS,
    EMPTY,
    FIXES,
    CleanUp,
    Lock,
    Params,
    Publish,
    Take,
    Write,
    model,
    parse_fixes,
    representative,
    write_outcome,
)
from outage.race import vectorised
from outage.race.vectorised import (
    CLEAN,
    LOCK,
    PUBLISH,
    TAKE,
    WRITE_APPLIED,
    WRITE_FENCED,
    WRITE_STALE,
    row_dtype,
    rules,
)
from tests.race.test_packed import PARAMS as PACKED_PARAMS
from tests.race.test_packed import reachable

# The packed-encoding tests' sizes, and more fixes, readings and row widths.
PARAMS = PACKED_PARAMS + [
    Params(fixes=parse_fixes("conditional-write")),
    Params(fixes=parse_fixes("cleanup-guard"), keep=0),
    Params(lock=True, fixes=frozenset(FIXES), plans=4),
    Params(write_deleted=EMPTY),
    Params(check_against=APPLIED_IN_DNS, fixes=parse_fixes("cleanup-guard")),
    Params(write_deleted=EMPTY, check_against=APPLIED_IN_DNS, lock=True, plans=4),
    Params(enactors=2, plans=16, endpoints=1, keep=3),  # rows of 32-bit integers
]


def ids(p: Params) -> str:
    return p.label


def kind_of(p: Params, s, a) -> int:
    """What the array rules call the action ``a`` in ``s``."""
    if isinstance(a, Publish):
        return PUBLISH
    if isinstance(a, Take):
        return TAKE
    if isinstance(a, Lock):
        return LOCK
    if isinstance(a, CleanUp):
        return CLEAN
    assert isinstance(a, Write)
    return {"applied": WRITE_APPLIED, "stale": WRITE_STALE,
            "fenced": WRITE_FENCED}[write_outcome(p, s, a.enactor)]


@pytest.mark.parametrize("p", PARAMS, ids=ids)
def test_rows_keys_and_symmetry_agree_with_the_readable_states(p):
    r = rules(p)
    states = reachable(p, limit=3000)
    rows = r.rows_of(states)
    assert rows.dtype == row_dtype(p)
    keys = r.key(rows)
    assert len(set(keys.tolist())) == len(states)  # a key names one state
    assert (r.rows_of_keys(keys) == rows).all()
    assert [r.state_of(row) for row in rows] == states
    reps = r.rows_of([representative(p, s) for s in states])
    assert (r.canonical(rows) == reps).all()
    assert (r.canonical_key(rows) == r.key(reps)).all()
    assert [r.key_of_state(s, True) for s in states] == r.canonical_key(rows).tolist()
    assert [r.key_of_state(s, False) for s in states] == keys.tolist()


@pytest.mark.parametrize("p", PARAMS, ids=ids)
def test_successors_are_the_models_in_the_models_order(p):
    m, r = model(p), rules(p)
    states = reachable(p, limit=3000)
    parent, children, moves = r.expand(r.rows_of(states))
    want_parent, want_children, want_moves = [], [], []
    for k, s in enumerate(states):
        for a in m.actions(s):
            want_parent.append(k)
            want_children.append(m.step(s, a))
            actor = 0 if isinstance(a, Publish) else 1 + a.enactor
            want_moves.append(8 * actor + kind_of(p, s, a))
    assert parent.tolist() == want_parent
    assert [r.state_of(row) for row in children] == want_children
    assert moves.tolist() == want_moves


@pytest.mark.parametrize("p", PARAMS, ids=ids)
def test_every_property_answers_as_the_models(p):
    m, r = model(p), rules(p)
    states = reachable(p, limit=3000)
    rows = r.rows_of(states)
    parent, children, moves = r.expand(rows)
    steps = [(s, a) for s in states for a in m.actions(s)]
    assert {prop.name for prop in m.properties} <= set(r.predicates)
    for prop in m.properties:
        vector = r.predicates[prop.name]
        if prop.on_step:
            got = vector(rows[parent], moves, children)
            want = [prop.predicate(s, a, m.step(s, a)) for s, a in steps]
        else:
            got = vector(rows)
            want = [prop.predicate(s) for s in states]
        assert np.asarray(got, dtype=bool).tolist() == [bool(w) for w in want], prop.name


def answers(result):
    return (result.states, result.transitions, result.depth, result.complete, result.stopped,
            result.initial, [(x.name, x.kind, x.verdict, x.trace) for x in result.results])


def one_state_at_a_time(m):
    return dataclasses.replace(m, vectorised=None)


EXPLORED = [
    Params(),
    Params(fixes=parse_fixes("conditional-write")),
    Params(fixes=frozenset(FIXES)),
    Params(fixes=parse_fixes("fencing-token"), endpoints=3, plans=4),
    Params(lock=True, plans=3),
    Params(lock=True, fixes=parse_fixes("conditional-write,cleanup-guard"), plans=3),
    Params(write_deleted=EMPTY, fixes=parse_fixes("cleanup-guard")),
    Params(check_against=APPLIED_IN_DNS, fixes=parse_fixes("conditional-write")),
    Params(enactors=4, plans=3, endpoints=2),
    Params(enactors=1, plans=4, endpoints=3, keep=2),
]


@pytest.mark.parametrize("p", EXPLORED, ids=ids)
@pytest.mark.parametrize("symmetry", [True, False], ids=["symmetry", "no-symmetry"])
def test_a_level_at_a_time_finds_what_one_state_at_a_time_finds(p, symmetry):
    if not symmetry:  # without symmetry the one-state search is slow: smaller sizes suffice
        p = dataclasses.replace(p, enactors=min(p.enactors, 3), plans=min(p.plans, 3))
    m = model(p)
    assert usable_rules(m) is not None
    assert answers(explore(m, symmetry=symmetry)) == answers(
        explore(one_state_at_a_time(m), symmetry=symmetry))


@pytest.mark.parametrize("budget", [1, 2, 95, 500, 2048, 2049, 7000, 32159, 32160, 40000])
def test_a_state_budget_stops_both_searches_at_the_same_state(budget):
    # Budgets inside a level, at a chunk's edge, and at or past the whole space (32,160).
    m = model(Params())
    a, b = explore(m, max_states=budget), explore(one_state_at_a_time(m), max_states=budget)
    assert answers(a) == answers(b)
    assert a.complete == (budget >= 32160)


def test_progress_reports_are_the_same_counts_at_the_same_moments():
    m = model(Params(3, 5, 2, 1))
    calls, reference = [], []
    explore(m, on_progress=calls.append, progress_every=700)
    explore(one_state_at_a_time(m), on_progress=reference.append, progress_every=700)
    assert calls == reference and len(calls) == (32160 - 1) // 700

    class Stop(Exception):
        pass

    def stop(count):
        raise Stop(count)

    with pytest.raises(Stop):
        explore(m, on_progress=stop, progress_every=1000)


def test_a_time_budget_leaves_the_search_incomplete_not_holding():
    result = explore(model(Params(3, 6, 3, 1, fixes=parse_fixes("conditional-write"))),
                     max_seconds=1e-9)
    assert not result.complete and result.stopped == "max-seconds"
    assert result.verdict == "incomplete"
    assert {r.verdict for r in result.results if r.kind in ("always", "progress")} == {"incomplete"}


def test_a_model_without_a_representative_is_searched_without_symmetry():
    m = dataclasses.replace(model(Params(plans=3)), representative=None, pack_representative=None)
    fast = explore(m)
    assert not fast.symmetry and fast.states == 13175
    assert answers(fast) == answers(explore(one_state_at_a_time(m)))


def test_sizes_whose_keys_do_not_fit_63_bits_take_the_one_state_path():
    p = Params(enactors=1, plans=60, endpoints=1, keep=58)  # the deleted mask alone is 61 bits
    assert rules(p) is None and usable_rules(model(p)) is None
    result = explore(model(p))
    assert result.complete and result.states > 60


def test_a_property_without_an_array_predicate_takes_the_one_state_path():
    m = model(Params(plans=3))
    extra = Property("some Enactor is idle", "sometimes", lambda s: any(e.phase == 0 for e in s.enactors))
    widened = dataclasses.replace(m, properties=m.properties + (extra,))
    assert usable_rules(widened) is None
    result = explore(widened)
    assert result.result("some Enactor is idle").verdict == "holds"
    assert answers(explore(m))[:5] == answers(result)[:5]


def test_without_numpy_the_checker_gives_the_same_answers():
    # The reader's browser has no numpy: there the one-state search runs, and must agree.
    code = """
import json, sys
sys.modules["numpy"] = None
from outage.checker import explore
from outage.race.model import Params, model, parse_fixes
r = explore(model(Params(3, 4, 2, 1, parse_fixes("cleanup-guard"))))
assert "numpy" not in sys.modules or sys.modules["numpy"] is None
print(json.dumps([r.states, r.transitions, r.depth,
                  [(x.name, x.verdict, repr(x.trace)) for x in r.results]]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    r = explore(model(Params(3, 4, 2, 1, parse_fixes("cleanup-guard"))))
    assert json.loads(out.stdout) == [r.states, r.transitions, r.depth,
                                      [[x.name, x.verdict, repr(x.trace)] for x in r.results]]


def test_an_edited_rule_is_searched_as_edited():
    # The race notebook's exercise: replace a rule at run time and re-run the checker. The
    # restated rules know nothing of the edit, so the checker must use the readable ones.
    import outage.race.model as race

    def always_conditional(p, s, i):
        e = s.enactors[i]
        ep = s.endpoints[e.at]
        if ep.active > e.plan:
            return race.STALE
        return race.APPLIED if ep.live else race.BLOCKED

    with mock.patch.object(race, "write_outcome", always_conditional):
        assert usable_rules(model(Params())) is None
        edited = explore(model(Params()))
        reference = explore(one_state_at_a_time(model(Params())))
    assert edited.verdict == "holds" and answers(edited) == answers(reference)
    assert usable_rules(model(Params())) is not None  # the patch is gone


def test_the_restated_rules_name_the_text_they_restate(monkeypatch):
    # Changing model.py switches the fast path off until this module and its digest are
    # brought up to date (the tests above check the restatement; then update the digest).
    assert vectorised.model_sha256() == vectorised.MODEL_SHA256, (
        f"outage/race/model.py changed: check outage.race.vectorised against it, then set "
        f"MODEL_SHA256 = {vectorised.model_sha256()!r}")
    monkeypatch.setattr(vectorised, "MODEL_SHA256", "0" * 64)
    assert rules(Params()) is None and usable_rules(model(Params())) is None
    assert explore(model(Params(plans=3))).states == 2585  # still searched, one state at a time


def test_a_model_rebuilt_with_another_rule_is_searched_with_that_rule():
    m = model(Params(plans=3))
    stepped = dataclasses.replace(m, step=lambda s, a: m.step(s, a))
    assert usable_rules(stepped) is None
    narrowed = dataclasses.replace(m, properties=m.properties[:2])
    assert usable_rules(narrowed) is None
    assert usable_rules(dataclasses.replace(m, name="renamed")) is not None
    assert answers(explore(stepped)) == answers(explore(one_state_at_a_time(m)))

