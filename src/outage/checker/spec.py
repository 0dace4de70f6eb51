"""The contract between a model and the explorer.

A model is data: initial states, the actions enabled in a state (in a deterministic order),
the successor of a state under an action, and named properties. The explorer knows nothing
else about it. States and actions must be hashable and immutable (tuples, frozen dataclasses).

Property kinds, in the vocabulary of TLA+ and CTL:

- ``always``: a state predicate true in every reachable state (an invariant, TLA+ ``[]P``).
- ``always-step``: a predicate ``(s, a, s2)`` true on every reachable transition
  (an action property, TLA+ ``[][A]_v``).
- ``sometimes``: a state predicate true in at least one reachable state (CTL ``EF P``);
  a witness that the model is not vacuous.
- ``sometimes-step``: a transition predicate true on at least one reachable transition.
- ``progress``: from every reachable state some state satisfying the predicate is still
  reachable (CTL ``AG EF P``): no reachable state is stuck for good. It is weaker than TLA+
  liveness (``<>P`` on every behaviour), which would also need fairness assumptions.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

KINDS = ("always", "always-step", "sometimes", "sometimes-step", "progress")
STEP_KINDS = ("always-step", "sometimes-step")

State = Hashable
Action = Hashable


@dataclass(frozen=True)
class Property:
    """A named property: ``predicate(s)`` for state kinds, ``predicate(s, a, s2)`` for step kinds.

    ``required=False`` marks an informative property: it is checked and reported, but the
    overall verdict ignores it (for example "this optional mechanism is ever exercised").
    """

    name: str
    kind: str
    predicate: Callable[..., bool]
    description: str = ""
    required: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown property kind {self.kind!r}; expected one of {KINDS}")

    @property
    def on_step(self) -> bool:
        return self.kind in STEP_KINDS


@dataclass(frozen=True)
class Model:
    """A transition system the explorer can check.

    ``representative`` maps a state to the canonical member of its symmetry class (for
    example by sorting identical actors and rewriting every stored actor id). It must commute
    with the dynamics: the successors of equivalent states are equivalent, and every property
    gives the same answer on equivalent states and transitions. ``None`` means no symmetry.

    ``pack``/``unpack`` optionally store states compactly (for example as one integer):
    ``pack`` must be injective and ``unpack(pack(s)) == s``. ``pack_representative``, if
    given, must equal ``pack(representative(s))`` (symmetry computed on the packed form).
    They change what the explorer stores, never what it finds.

    ``vectorised(model)``, if given, returns the same rules as ``model``'s on arrays of states
    (:class:`VectorRules`), or ``None`` for a size they do not cover or a model whose rules are
    not the ones they restate (it is called with the model, so that a model rebuilt with
    another ``step`` can be told apart); the explorer then expands a whole breadth-first level
    per call where numpy is importable. Like ``pack``, it changes how fast the explorer is,
    never what it finds.
    """

    init_states: Callable[[], Iterable[State]]
    actions: Callable[[State], Iterable[Action]]
    step: Callable[[State, Action], State]
    properties: tuple[Property, ...]
    representative: Callable[[State], State] | None = None
    describe: Callable[[State, Action], str] = field(default=lambda s, a: str(a))
    name: str = "model"
    pack: Callable[[State], Hashable] | None = None
    unpack: Callable[[Hashable], State] | None = None
    pack_representative: Callable[[State], Hashable] | None = None
    vectorised: Callable[["Model"], "VectorRules | None"] | None = None

    def __post_init__(self) -> None:
        if (self.pack is None) != (self.unpack is None):
            raise ValueError("pack and unpack come together: give both or neither")
        if self.pack_representative is not None and self.pack is None:
            raise ValueError("pack_representative needs pack and unpack")


@dataclass(frozen=True)
class VectorRules:
    """A model's rules restated on numpy arrays of states, one row per state.

    - ``rows_of(states)`` -> rows; ``state_of(row)`` -> the readable state of one row.
    - ``key(rows)`` -> one int64 per row, distinct for distinct rows (a packed state);
      ``rows_of_keys(keys)`` is its inverse.
    - ``canonical(rows)`` -> the rows of ``representative`` of each state;
      ``canonical_key(rows)`` -> ``key(canonical(rows))``, possibly computed more directly;
      ``key_of_state(state, symmetry)`` -> the same for one readable state, as an ``int``.
    - ``expand(rows)`` -> ``(parent, children, moves)``: every successor of every row, parents
      in row order and each parent's successors in the order of the model's ``actions``;
      ``moves`` is an int64 per successor that step predicates may read (what the action did).
    - ``predicates``: property name -> vectorised predicate, on rows for state kinds and the
      progress goal, on ``(parent_rows, moves, child_rows)`` for step kinds. The explorer uses
      the vectorised path only when every property of the model has one.

    Each must agree with the model's readable rules; the explorer trusts them to.
    """

    rows_of: Callable
    state_of: Callable
    key: Callable
    rows_of_keys: Callable
    canonical: Callable
    canonical_key: Callable
    key_of_state: Callable
    expand: Callable
    predicates: dict
