"""The explorer on toy models whose answers are known without it."""

import itertools

import pytest

from outage.checker import HOLDS, INCOMPLETE, UNDECIDED, VIOLATED, Model, Property, explore, replay
from checker.toys import GRAPH, counters, die_hard, graph


def test_die_hard_shortest_solution_is_six_steps():
    result = explore(die_hard())
    r = result.result("big jug never holds 4")
    assert r.verdict == VIOLATED
    assert r.trace_length == 6
    states = replay(die_hard(), r.trace)
    assert states[-1][1] == 4
    assert all(s[1] != 4 for s in states[:-1])


def test_die_hard_state_count_matches_brute_force():
    # Independent closure of the jug states by naive fixed-point iteration.
    model = die_hard()
    seen = {(0, 0)}
    while True:
        new = {model.step(s, a) for s in seen for a in model.actions(s)} | seen
        if new == seen:
            break
        seen = new
    result = explore(model)
    assert result.states == len(seen) == 16
    assert result.complete
    assert result.transitions == 16 * 6


def test_die_hard_sometimes_and_progress():
    result = explore(die_hard())
    witness = result.result("both jugs can be full")
    assert witness.verdict == HOLDS and witness.trace_length == 2
    assert result.result("can always empty both").verdict == HOLDS


def test_tiny_graph_counts_order_and_trap():
    order = []

    def seen(s):
        order.append(s)
        return True

    model = graph([
        Property("record visit order", "always", seen),
        Property("never at 3", "always", lambda s: s != 3),
        Property("reaches 4", "sometimes", lambda s: s == 4),
        Property("never reaches 5", "sometimes", lambda s: s == 5),
        Property("can return to 0", "progress", lambda s: s == 0),
    ])
    result = explore(model)
    assert order == [0, 1, 2, 3, 4]  # breadth-first; 5 is unreachable
    assert result.states == 5
    assert result.transitions == sum(len(GRAPH[s]) for s in range(5))
    assert result.depth == 2
    assert result.result("never at 3").trace == (1, 3)
    assert result.result("reaches 4").trace == (2, 4)
    assert result.result("never reaches 5").verdict == VIOLATED  # vacuous sometimes
    progress = result.result("can return to 0")
    assert progress.verdict == VIOLATED and progress.trace == (2, 4)  # 4 is a trap
    assert result.verdict == VIOLATED
    assert result.violated.name == "never at 3"


def test_progress_holds_on_a_cycle_and_fails_on_a_dead_end():
    ring = Model(lambda: [0], lambda s: ((s + 1) % 4,), lambda s, a: a,
                 (Property("back home", "progress", lambda s: s == 0),))
    assert explore(ring).verdict == HOLDS
    line = Model(lambda: [0], lambda s: (s + 1,) if s < 3 else (), lambda s, a: a,
                 (Property("back home", "progress", lambda s: s == 0),))
    result = explore(line)
    assert result.verdict == VIOLATED
    assert result.results[0].trace == (1,)  # the first state that cannot get back


def test_step_properties_find_the_shortest_transition():
    model = graph([
        Property("never 2 to 4", "always-step", lambda s, a, s2: not (s == 2 and s2 == 4)),
        Property("some edge back to 0", "sometimes-step", lambda s, a, s2: s2 == 0),
    ])
    result = explore(model)
    assert result.result("never 2 to 4").trace == (2, 4)
    assert result.result("some edge back to 0").trace == (1, 3, 0)


def test_budget_answers_incomplete_never_holds():
    model = die_hard()
    for budget in range(1, 16):
        result = explore(model, max_states=budget)
        assert not result.complete
        assert result.states == budget
        for r in result.results:
            assert r.verdict != HOLDS or r.kind.startswith("sometimes")
        assert result.verdict in (INCOMPLETE, VIOLATED)
    assert explore(model, max_states=16).complete


def test_budget_keeps_a_violation_found_before_it_runs_out():
    full = explore(die_hard()).result("big jug never holds 4")
    found = []
    for budget in range(1, 16):
        r = explore(die_hard(), max_states=budget).result("big jug never holds 4")
        if r.verdict == VIOLATED:
            found.append(budget)
            assert r.trace_length == full.trace_length  # still the shortest
    assert found and found == list(range(found[0], 16))  # once reached, always reported


def test_bad_budget_is_rejected():
    with pytest.raises(ValueError):
        explore(die_hard(), max_states=0)


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError):
        Property("x", "eventually-maybe", lambda s: True)


@pytest.mark.parametrize("n,limit", [(2, 2), (3, 2), (3, 3)])
def test_symmetry_same_verdicts_fewer_states_replayable_traces(n, limit):
    model = counters(n, limit)
    plain = explore(model, symmetry=False)
    reduced = explore(model, symmetry=True)
    assert reduced.states < plain.states
    assert [r.verdict for r in plain.results] == [r.verdict for r in reduced.results]
    assert [r.trace_length for r in plain.results] == [r.trace_length for r in reduced.results]
    for r in reduced.results:
        if r.trace:
            final = replay(model, r.trace)[-1]
            assert max(final[0]) == limit and min(final[0]) == 0
    # Exact counts: the plain space is every count vector with the lock free, plus one
    # state per counter that may hold the lock.
    vectors = list(itertools.product(range(limit + 1), repeat=n))
    expected = len(vectors) + sum(sum(1 for c in v if c < limit) for v in vectors)
    assert plain.states == expected


def test_replay_rejects_a_disabled_action():
    model = counters(2, 1)
    with pytest.raises(ValueError, match="step 1"):
        replay(model, [("bump", 0)])


def test_stop_at_first_keeps_the_shortest_trace_and_decides_nothing_else():
    full = explore(die_hard())
    first = explore(die_hard(), stop_at_first=True)
    r = first.result("big jug never holds 4")
    assert r.verdict == VIOLATED and r.trace == full.result("big jug never holds 4").trace
    assert first.verdict == VIOLATED and first.violated is r
    assert not first.complete and first.stopped == "first-violation"
    assert first.states < full.states
    # Progress needs the whole graph: undecided, never holds (it holds in the full search).
    assert full.result("can always empty both").verdict == HOLDS
    assert first.result("can always empty both").verdict == UNDECIDED
    # The witness is 2 steps deep and the violation 6, so it was seen before the stop.
    assert first.result("both jugs can be full").verdict == HOLDS


def test_stop_at_first_on_a_safe_model_is_the_full_search():
    model = graph([Property("never at 5", "always", lambda s: s != 5),
                   Property("can return to 0", "progress", lambda s: s == 0)])
    full, first = explore(model), explore(model, stop_at_first=True)
    assert first.complete and first.stopped is None
    assert [(r.verdict, r.trace) for r in first.results] == \
        [(r.verdict, r.trace) for r in full.results]


def test_stop_at_first_ignores_informative_and_sometimes_properties():
    model = graph([Property("never at 1", "always", lambda s: s != 1, required=False),
                   Property("reaches 3", "sometimes", lambda s: s == 3),
                   Property("never at 4", "always", lambda s: s != 4)])
    first = explore(model, stop_at_first=True)
    assert first.result("never at 1").verdict == VIOLATED  # seen, but did not stop the search
    assert first.result("never at 4").verdict == VIOLATED
    assert first.stopped == "first-violation"


def test_time_budget_answers_incomplete_never_holds():
    result = explore(die_hard(), max_seconds=1e-9)
    assert not result.complete and result.stopped == "max-seconds"
    assert result.verdict == INCOMPLETE
    assert {r.verdict for r in result.results} == {INCOMPLETE}
    with pytest.raises(ValueError):
        explore(die_hard(), max_seconds=0)
