"""Toy models with answers known independently of the checker."""

from dataclasses import dataclass

from outage.checker import Model, Property


@dataclass(frozen=True)
class Jug:
    """Die Hard jugs: a 3-gallon and a 5-gallon jug, a tap and a drain."""

    move: str


JUG_MOVES = tuple(Jug(m) for m in (
    "fill small", "fill big", "empty small", "empty big", "small to big", "big to small"))


def jug_step(s, a):
    small, big = s
    if a.move == "fill small":
        return (3, big)
    if a.move == "fill big":
        return (small, 5)
    if a.move == "empty small":
        return (0, big)
    if a.move == "empty big":
        return (small, 0)
    if a.move == "small to big":
        poured = min(small, 5 - big)
        return (small - poured, big + poured)
    poured = min(big, 3 - small)
    return (small + poured, big - poured)


def die_hard() -> Model:
    return Model(
        init_states=lambda: [(0, 0)],
        actions=lambda s: JUG_MOVES,
        step=jug_step,
        properties=(
            Property("big jug never holds 4", "always", lambda s: s[1] != 4),
            Property("both jugs can be full", "sometimes", lambda s: s == (3, 5)),
            Property("can always empty both", "progress", lambda s: s == (0, 0)),
        ),
        name="die-hard",
    )


# A tiny graph: 0 -> 1, 2; 1 -> 3; 2 -> 3, 4; 3 -> 0; 4 -> 4 (a trap); 5 unreachable.
GRAPH = {0: (1, 2), 1: (3,), 2: (3, 4), 3: (0,), 4: (4,), 5: (0,)}


def graph(properties=()) -> Model:
    return Model(
        init_states=lambda: [0],
        actions=lambda s: GRAPH[s],
        step=lambda s, a: a,
        properties=tuple(properties),
        name="graph",
    )


def counters(n: int, limit: int, symmetric_property: bool = True) -> Model:
    """n identical counters, each incremented up to ``limit``; a lock field stores a counter id.

    A counter takes the lock (if free) before it increments and releases it after, so the
    lock holder's id must be rewritten when counters are permuted.
    """

    def actions(s):
        counts, holder = s
        for i in range(n):
            if holder == -1 and counts[i] < limit:
                yield ("take", i)
            if holder == i:
                yield ("bump", i)

    def step(s, a):
        counts, holder = s
        kind, i = a
        if kind == "take":
            return counts, i
        c = list(counts)
        c[i] += 1
        return tuple(c), -1

    def representative(s):
        counts, holder = s
        order = sorted(range(n), key=lambda i: (counts[i], i != holder))
        new_id = {old: new for new, old in enumerate(order)}
        return tuple(counts[i] for i in order), new_id.get(holder, -1)

    props = [Property("no counter reaches the limit while another is at 0", "always",
                      lambda s: not (max(s[0]) == limit and min(s[0]) == 0))]
    return Model(
        init_states=lambda: [((0,) * n, -1)],
        actions=lambda s: tuple(actions(s)),
        step=step,
        properties=tuple(props),
        representative=representative,
        name="counters",
    )
