"""A second, naive explorer (no symmetry, states as JSON) reproduces the checker's counts with
symmetry off: the checker neither loses nor invents states."""

import pytest
from race.naive_explorer import decode, encode, explore_naively

from outage.race import manifest
from outage.race.model import (
    CHECK_AGAINST,
    FIXES,
    WRITE_DELETED,
    Params,
    actions,
    init_states,
    parse_fixes,
    record_never_empty,
    step,
)
from outage.race.report import check

ALL = frozenset(FIXES)
SIZES = [
    dict(enactors=2, plans=3, endpoints=1, keep=1),
    dict(enactors=2, plans=3, endpoints=2, keep=1),
    dict(enactors=3, plans=3, endpoints=1, keep=1),
    dict(enactors=2, plans=4, endpoints=2, keep=2),
    dict(enactors=2, plans=3, endpoints=1, keep=0),
]
CASES = [
    *(Params(**size) for size in SIZES),
    *(Params(**SIZES[1], fixes=parse_fixes(fix))
      for fix in ("conditional-write", "cleanup-guard", "fencing-token")),
    Params(**SIZES[0], fixes=ALL, lock=True),
    Params(**SIZES[2], lock=True),
    Params(**SIZES[2], fixes=parse_fixes("fencing-token")),
    *(Params(**SIZES[1], fixes=parse_fixes("cleanup-guard"), write_deleted=w, check_against=c)
      for w in WRITE_DELETED for c in CHECK_AGAINST),
    Params(**SIZES[0], fixes=ALL, lock=True, write_deleted="empty", check_against="applied"),
]


@pytest.mark.parametrize("p", CASES, ids=[p.label for p in CASES])
def test_naive_explorer_reproduces_the_checker_without_symmetry(p):
    e = check(p, max_states=None, symmetry=False).exploration
    naive = explore_naively(p)
    assert e.complete
    assert (naive.states, naive.transitions, naive.depth) == (e.states, e.transitions, e.depth)
    # The invariant read off the JSON encoding agrees with the checker's verdict on it.
    holds = e.result("record never empty").verdict == "holds"
    assert (naive.empty_states == 0) == holds


def test_symmetry_merges_states_the_naive_explorer_keeps_apart():
    p = Params(**SIZES[2])
    assert check(p, max_states=None).exploration.states < explore_naively(p).states


TINY = [e for e in manifest.load()["entries"] if "states_without_symmetry" in e]


@pytest.mark.parametrize("entry", TINY, ids=[e["id"] for e in TINY])
def test_naive_explorer_reproduces_the_manifest_counts_without_symmetry(entry):
    q = entry["params"]
    p = Params(enactors=q["enactors"], plans=q["plans"], endpoints=q["endpoints"], keep=q["keep"],
               fixes=frozenset(q["fixes"]), lock=q["lock"],
               write_deleted=q.get("write_deleted", "rebuild"),
               check_against=q.get("check_against", "own"))
    assert explore_naively(p).states == entry["states_without_symmetry"]


def test_the_encoding_round_trips_every_reachable_state():
    p = Params(**SIZES[0], fixes=ALL, lock=True)
    frontier = list(init_states(p))
    seen = set(frontier)
    while frontier:
        s = frontier.pop()
        assert decode(encode(s)) == s
        for a in actions(p, s):
            t = step(p, s, a)
            if t not in seen:
                seen.add(t)
                frontier.append(t)
    assert all(record_never_empty(s) for s in seen)  # every fix on: never empty
    assert len(seen) > 100
