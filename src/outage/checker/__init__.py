"""A small, generic explicit-state model checker.

A model is data (:class:`Model`: initial states, actions, step, properties, an optional
symmetry representative); :func:`explore` walks its reachable states breadth-first and
returns a verdict and the shortest trace for every property; :func:`replay` turns a trace
back into states. Nothing here knows about DNS.
"""

from outage.checker.explore import (
    HOLDS,
    INCOMPLETE,
    UNDECIDED,
    VIOLATED,
    Exploration,
    PropertyResult,
    explore,
    replay,
)
from outage.checker.spec import KINDS, Model, Property

__all__ = [
    "HOLDS",
    "INCOMPLETE",
    "KINDS",
    "UNDECIDED",
    "VIOLATED",
    "Exploration",
    "Model",
    "Property",
    "PropertyResult",
    "explore",
    "replay",
]
