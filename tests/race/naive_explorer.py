"""A deliberately naive second explorer of the race model, for tests only.

It shares nothing with :mod:`outage.checker` but the model's own rules (``init_states``,
``actions``, ``step``): no symmetry reduction, no state table, no graph arrays. A state is
stored as a JSON text of plain dicts and lists (the deleted plans as a sorted list, not a
bitmask) and decoded back into a model state before each expansion, so a field that the
checker's tuples carry but the encoding drops, or the other way round, shows up as a wrong
count. Breadth-first by levels, so the number of levels is the depth of the deepest state.

Cost: O(V + E) model calls plus a JSON round trip per state; memory O(V) strings. Fine for
the small sizes the tests use (a few thousand states), slow beyond.
"""

import json
from dataclasses import dataclass

from outage.race.model import Endpoint, Enactor, Params, State, actions, init_states, step


def encode(s: State) -> str:
    return json.dumps({
        "newest": s.newest,
        "enactors": [{"phase": e.phase, "plan": e.plan, "at": e.at, "locked": e.locked,
                      "token": e.token} for e in s.enactors],
        "endpoints": [{"active": ep.active, "live": ep.live, "holder": ep.holder,
                       "fence": ep.fence} for ep in s.endpoints],
        "deleted": [g for g in range(s.deleted.bit_length()) if s.deleted >> g & 1],
    }, sort_keys=True)


def decode(text: str) -> State:
    d = json.loads(text)
    return State(
        d["newest"],
        tuple(Enactor(e["phase"], e["plan"], e["at"], e["locked"], e["token"])
              for e in d["enactors"]),
        tuple(Endpoint(ep["active"], ep["live"], ep["holder"], ep["fence"])
              for ep in d["endpoints"]),
        sum(1 << g for g in d["deleted"]),
    )


@dataclass(frozen=True)
class Count:
    states: int
    transitions: int
    depth: int
    empty_states: int  # states in which some endpoint has no records


def explore_naively(p: Params) -> Count:
    """Every state reachable from the initial states of ``p``, counted without symmetry."""
    seen = {encode(s) for s in init_states(p)}
    level = sorted(seen)
    transitions = depth = 0
    while level:
        following = []
        for text in level:
            s = decode(text)
            for a in actions(p, s):
                transitions += 1
                t = encode(step(p, s, a))
                if t not in seen:
                    seen.add(t)
                    following.append(t)
        if following:
            depth += 1
        level = following
    empty = sum(1 for text in seen
                if not all(ep["live"] for ep in json.loads(text)["endpoints"]))
    return Count(len(seen), transitions, depth, empty)
