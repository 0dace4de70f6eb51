"""The progress search without numpy gives the numpy answers, on random graphs and on models.

The reader's browser runs the checker under Pyodide, which has no numpy: there the explorer
uses the pure-Python backward search. Both must agree state by state, and whole explorations
must not change.
"""

import random
import subprocess
import sys
from array import array

import pytest

from outage.checker import Property, explore, progress
from outage.race.model import CLEANUP_GUARD, CONDITIONAL_WRITE, FENCING_TOKEN, Params, model
from checker.toys import die_hard, graph


def csr(adjacency: list[list[int]]) -> tuple[array, array]:
    starts, edges = array("q", [0]), array("q")
    for targets in adjacency:
        edges.extend(targets)
        starts.append(len(edges))
    return starts, edges


@pytest.mark.parametrize("seed", range(25))
def test_pure_python_matches_numpy_on_random_graphs(seed):
    rng = random.Random(seed)
    n = rng.randint(0, 60)
    adjacency = [[rng.randrange(n) for _ in range(rng.randint(0, 3))] for _ in range(n)]
    goal = rng.sample(range(n), rng.randint(0, min(n, 3))) if n else []
    starts, edges = csr(adjacency)
    expected = [bool(x) for x in progress.can_reach_goal_numpy(n, starts, edges, goal)]
    assert progress.can_reach_goal_python(n, starts, edges, goal) == expected


@pytest.mark.parametrize("seed", range(10))
def test_numpy_fixed_point_and_its_fallback_agree_on_long_chains(seed):
    # Chains longer than the fixed point's rounds make the reverse search finish the work;
    # 4-byte edge arrays (what the explorer stores) and 8-byte ones give the same answer.
    rng = random.Random(seed)
    n = rng.randint(20, 80)
    adjacency = [[k + 1] if k + 1 < n and rng.random() < 0.9 else [] for k in range(n)]
    for _ in range(n // 4):
        adjacency[rng.randrange(n)].append(rng.randrange(n))
    goal = [n - 1]
    starts, edges = csr(adjacency)
    expected = progress.can_reach_goal_python(n, starts, edges, goal)
    for rounds in (1, 3, 64):
        got = progress.can_reach_goal_numpy(n, starts, array("i", edges), goal, max_rounds=rounds)
        assert [bool(x) for x in got] == expected


def test_pure_python_on_a_known_graph():
    # 0 -> 1 -> 2 (goal); 3 -> 3 (trap); 4 -> 0 and 4 -> 3.
    starts, edges = csr([[1], [2], [], [3], [0, 3]])
    assert progress.can_reach_goal_python(5, starts, edges, [2]) == [True, True, True, False, True]
    assert progress.can_reach_goal_python(5, starts, edges, []) == [False] * 5


MODELS = [
    ("die hard", die_hard),
    ("graph", lambda: graph([Property("back at 0", "progress", lambda s: s == 0)])),
    ("race, no fix", lambda: model(Params(3, 4, 2, 1))),
    ("race, conditional write", lambda: model(Params(3, 4, 2, 1, frozenset({CONDITIONAL_WRITE})))),
    ("race, cleanup guard, lock", lambda: model(Params(2, 4, 2, 1, frozenset({CLEANUP_GUARD}), lock=True))),
    ("race, fencing token", lambda: model(Params(2, 3, 2, 0, frozenset({FENCING_TOKEN})))),
]


def summary(exploration):
    return (exploration.states, exploration.transitions, exploration.depth, exploration.complete,
            [(r.name, r.verdict, r.trace) for r in exploration.results])


@pytest.mark.parametrize("name,build", MODELS, ids=[name for name, _ in MODELS])
def test_explorations_are_identical_without_numpy(name, build, monkeypatch):
    with_numpy = summary(explore(build()))
    monkeypatch.setattr(progress, "_numpy", lambda: None)
    monkeypatch.setattr(progress, "can_reach_goal_numpy", None)  # must not be called
    without = summary(explore(build()))
    assert without == with_numpy
    assert any(p.kind == "progress" for p in build().properties)


def test_progress_callback_reports_growing_counts_and_changes_nothing():
    calls = []
    m = model(Params(3, 4, 2, 1))
    plain = explore(m)
    watched = explore(m, on_progress=calls.append, progress_every=500)
    assert summary(watched) == summary(plain)
    # Called when the 500th, 1000th, ... state is about to be expanded.
    assert len(calls) == (plain.states - 1) // 500 > 0
    assert calls == sorted(calls) and all(c <= plain.states for c in calls)


def test_progress_callback_can_stop_the_search():
    class Stop(Exception):
        pass

    def stop(count):
        raise Stop(count)

    with pytest.raises(Stop):
        explore(model(Params(3, 4, 2, 1)), on_progress=stop, progress_every=100)


def test_importing_the_checker_does_not_import_numpy():
    # `python -m outage race check --stop-at-first` never decides progress: no numpy to load.
    code = ("import sys; import outage.checker, outage.race.report; "
            "assert 'numpy' not in sys.modules, 'numpy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
