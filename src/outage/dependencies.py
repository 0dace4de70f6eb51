"""The cascade's dependency graph: which service's trouble caused which, as the summary states.

The data lives in `data/dependencies.yaml`. Every edge carries its summary section and the
timeline events and window that evidence it; `load_dependencies` checks all of them against the
timeline, so the graph cannot cite a time the timeline does not hold.
Problems raise `DependencyError`, naming the file, the entry and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from outage.datafile import YAML_LOADER, DataFileError
from outage.timeline import SOURCES, SUBSYSTEMS, TALK, Timeline, load_timeline

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "dependencies.yaml"
BASES = frozenset({"stated", "inferred"})


class DependencyError(DataFileError):
    """The dependency file is missing or malformed; the message names file, entry and field."""


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    subsystem: str | None  # a timeline subsystem key, or None for parts the timeline lacks
    windows: tuple[str, ...]  # timeline window ids, main one first
    note: str | None = None
    short: str | None = None  # a label short enough for a figure

    @property
    def tag(self) -> str:
        return self.short or self.label


@dataclass(frozen=True)
class Edge:
    """`target` depended on `origin`; `origin`'s impairment hurt `target`."""

    origin: str
    target: str
    how: str
    source: str
    basis: str  # "stated" or "inferred"
    window: str | None
    events: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.origin}->{self.target}"


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def upstream(self, node_id: str) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.target == node_id)

    def downstream(self, node_id: str) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.origin == node_id)

    def layers(self) -> dict[str, int]:
        """Longest-path depth of every node from the roots; O(V·E), fine for a few dozen nodes."""
        depth = {n.id: 0 for n in self.nodes}
        for _ in self.nodes:
            changed = False
            for e in self.edges:
                if depth[e.target] < depth[e.origin] + 1:
                    depth[e.target] = depth[e.origin] + 1
                    changed = True
            if not changed:
                return depth
        raise ValueError("the dependency graph has a cycle")


def load_dependencies(path: Path | str = DEFAULT_PATH, timeline: Timeline | None = None) -> Graph:
    """Load and check the graph; every window and event must exist in `timeline`."""
    path = Path(path)
    timeline = timeline or load_timeline()
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except FileNotFoundError:
        raise DependencyError(path, None, None, "file not found") from None
    except yaml.YAMLError as error:
        raise DependencyError(path, None, None, f"not valid YAML: {error}") from None
    if not isinstance(doc, dict):
        raise DependencyError(path, None, None, "expected a mapping with 'nodes' and 'edges'")
    for key in ("nodes", "edges"):
        if not isinstance(doc.get(key), list) or not doc[key]:
            raise DependencyError(path, None, key, "missing or not a non-empty list")
    window_ids = {w.id for w in timeline.windows}
    event_ids = {e.id for e in timeline.events}

    nodes: list[Node] = []
    for index, raw in enumerate(doc["nodes"]):
        entry = _name(raw, "id", f"node #{index + 1}")
        _fields(path, entry, raw, ("id", "label", "subsystem", "windows"), ("note", "short"))
        subsystem = raw["subsystem"]
        if subsystem is not None and subsystem not in SUBSYSTEMS:
            raise DependencyError(path, entry, "subsystem", f"unknown subsystem {subsystem!r}")
        windows = _ids(path, entry, raw, "windows", window_ids, "window")
        if any(n.id == raw["id"] for n in nodes):
            raise DependencyError(path, entry, "id", "duplicate node id")
        nodes.append(Node(_text(path, entry, raw, "id"), _text(path, entry, raw, "label"),
                          subsystem, windows, raw.get("note"), raw.get("short")))

    node_ids = {n.id for n in nodes}
    edges: list[Edge] = []
    for index, raw in enumerate(doc["edges"]):
        entry = f"{raw.get('from')}->{raw.get('to')}" if isinstance(raw, dict) else f"edge #{index + 1}"
        _fields(path, entry, raw, ("from", "to", "how", "source", "basis", "window", "events"), ())
        for name in ("from", "to"):
            if raw[name] not in node_ids:
                raise DependencyError(path, entry, name, f"no node with id {raw[name]!r}")
        if raw["from"] == raw["to"]:
            raise DependencyError(path, entry, "to", "an edge must join two different nodes")
        source = _text(path, entry, raw, "source")
        for part in (p.strip() for p in source.split(";")):
            if part not in SOURCES or part == TALK:
                raise DependencyError(path, entry, "source", f"not a section of the AWS summary: {part!r}")
        if raw["basis"] not in BASES:
            raise DependencyError(path, entry, "basis", f"expected one of {sorted(BASES)}, got {raw['basis']!r}")
        window = raw["window"]
        if window is not None and window not in window_ids:
            raise DependencyError(path, entry, "window", f"no timeline window {window!r}")
        events = _ids(path, entry, raw, "events", event_ids, "event")
        edge = Edge(raw["from"], raw["to"], _text(path, entry, raw, "how"), source,
                    raw["basis"], window, events)
        if any(e.id == edge.id for e in edges):
            raise DependencyError(path, entry, "to", "duplicate edge")
        edges.append(edge)
    graph = Graph(tuple(nodes), tuple(edges))
    try:
        graph.layers()
    except ValueError as error:
        raise DependencyError(path, None, "edges", str(error)) from None
    return graph


def _name(raw: Any, key: str, fallback: str) -> str:
    if isinstance(raw, dict) and isinstance(raw.get(key), str):
        return raw[key]
    return fallback


def _fields(path: Path, entry: str, raw: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    if not isinstance(raw, dict):
        raise DependencyError(path, entry, None, "expected a mapping")
    for name in required:
        if name not in raw:
            raise DependencyError(path, entry, name, "missing")
    for name in raw:
        if name not in required and name not in optional:
            raise DependencyError(path, entry, str(name), "unknown field")


def _text(path: Path, entry: str, raw: dict, name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise DependencyError(path, entry, name, f"expected non-empty text, got {value!r}")
    return value.strip()


def _ids(path: Path, entry: str, raw: dict, name: str, known: set[str], what: str) -> tuple[str, ...]:
    value = raw.get(name)
    if not isinstance(value, list):
        raise DependencyError(path, entry, name, f"expected a list of {what} ids, got {value!r}")
    for item in value:
        if item not in known:
            raise DependencyError(path, entry, name, f"no timeline {what} {item!r}")
    return tuple(value)
