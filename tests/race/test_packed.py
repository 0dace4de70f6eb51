"""The packed encoding of race states: a faithful copy of each state, symmetry included, and
the same exploration as the readable states give."""

import dataclasses
import struct

import pytest

from outage.checker import explore
from outage.race.model import (
    APPLIED_IN_DNS,
    EMPTY,
    FIXES,
    Enactor,
    Params,
    model,
    packed_encoding,
    parse_fixes,
    representative,
)

PARAMS = [
    Params(),
    Params(enactors=1, plans=2, endpoints=1),
    Params(enactors=2, plans=4, endpoints=3, keep=2),
    Params(fixes=frozenset(FIXES)),
    Params(fixes=parse_fixes("fencing-token"), endpoints=3),
    Params(lock=True),
    Params(lock=True, fixes=frozenset(FIXES)),
    Params(write_deleted=EMPTY, check_against=APPLIED_IN_DNS),
    Params(enactors=4, plans=3, endpoints=2),
]


def reachable(p: Params, limit: int = 4000) -> list:
    """Up to ``limit`` reachable states, found breadth-first with the readable rules only."""
    m = model(p)
    seen = dict.fromkeys(m.init_states())
    frontier = list(seen)
    while frontier and len(seen) < limit:
        following = []
        for s in frontier:
            for a in m.actions(s):
                s2 = m.step(s, a)
                if s2 not in seen:
                    seen[s2] = None
                    following.append(s2)
        frontier = following
    return list(seen)


@pytest.mark.parametrize("p", PARAMS, ids=lambda p: p.label)
def test_pack_is_a_faithful_copy_and_symmetry_on_it_matches_representative(p):
    pack, unpack, pack_representative = packed_encoding(p)
    states = reachable(p)
    packed = [pack(s) for s in states]
    assert len(set(packed)) == len(states)  # injective on distinct states
    for s, k in zip(states, packed):
        assert unpack(k) == s
        assert pack_representative(s) == pack(representative(p, s))
        assert unpack(pack_representative(s)) == representative(p, s)


def test_a_value_outside_its_field_is_rejected_not_aliased():
    p = Params(plans=3)
    pack, _, _ = packed_encoding(p)
    s = model(p).init_states()[0]
    with pytest.raises(ValueError, match="plan"):
        pack(s._replace(enactors=(Enactor(0, 9, 0, 0, 0),) * 3))
    with pytest.raises(struct.error):
        pack(s._replace(deleted=1 << 40))


def answers(result):
    return (result.states, result.transitions, result.depth, result.complete,
            [(r.name, r.verdict, r.trace) for r in result.results])


SMALL = [Params(plans=3), Params(plans=3, fixes=parse_fixes("conditional-write")),
         Params(lock=True, plans=2), Params(enactors=2, plans=3, fixes=frozenset(FIXES))]


@pytest.mark.parametrize("p", SMALL, ids=lambda p: p.label)
@pytest.mark.parametrize("symmetry", [True, False])
def test_packed_and_readable_storage_explore_alike(p, symmetry):
    packed = model(p)
    packed = dataclasses.replace(packed, vectorised=None)  # the one-state search stores keys
    readable = dataclasses.replace(packed, pack=None, unpack=None, pack_representative=None)
    assert answers(explore(packed, symmetry=symmetry)) == answers(
        explore(readable, symmetry=symmetry))


@pytest.mark.parametrize("budget", [dict(max_states=500), dict(stop_at_first=True)],
                         ids=["max-states", "stop-at-first"])
def test_packed_and_readable_storage_stop_alike(budget):
    packed = model(Params())
    packed = dataclasses.replace(packed, vectorised=None)  # the one-state search stores keys
    readable = dataclasses.replace(packed, pack=None, unpack=None, pack_representative=None)
    a, b = explore(packed, **budget), explore(readable, **budget)
    assert a.stopped == b.stopped is not None
    assert answers(a) == answers(b)
