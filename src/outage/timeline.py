"""The incident timeline: every time AWS's summary states, and the impact windows they bound.

The data lives in `data/timeline.yaml`; this module loads it into frozen dataclasses and checks
it on load, so that a chart or a chapter can trust it:

- every required field is present and well formed;
- UTC = PDT + 7 h (PDT is UTC-7 in October 2025), dates included;
- events are in chronological order (by UTC, then by date for events without a clock time);
- every window's start and end events exist, start is not after end, and each event's
  `opens` / `closes` lists agree with the windows that name it.

Any problem raises `TimelineError` naming the file, the entry id and the field.
Only PyYAML and the standard library are used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from outage.datafile import YAML_LOADER, DataFileError

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "timeline.yaml"

#: PDT is UTC-7 in October 2025, so UTC = PDT + 7 h.
PDT_OFFSET = dt.timedelta(hours=-7)
PDT = dt.timezone(PDT_OFFSET, "PDT")

SUBSYSTEMS: frozenset[str] = frozenset(
    {
        "ddb-dns", "ddb", "ec2", "dwfm", "netmgr", "nlb", "lambda", "containers",
        "connect", "sts", "signin", "redshift", "support", "all",
    }
)

#: Section names of the AWS summary, plus the re:Invent talk.
TALK = "DAT453 talk"
SOURCES: frozenset[str] = frozenset(
    {
        "opening", "DynamoDB", "Amazon EC2", "Network Load Balancer (NLB)",
        "Other AWS Services", "closing remediations", TALK,
    }
)

PRECISIONS: frozenset[str] = frozenset({"minute", "second", "approximate", "date"})

WINDOW_KINDS: frozenset[str] = frozenset(
    {
        "whole-event", "primary-period-1", "primary-period-2", "primary-period-3",
        "service", "sub-window",
    }
)

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_PDT_MINUTE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PDT_SECOND = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")


class TimelineError(DataFileError):
    """The timeline file is missing or malformed; the message names file, entry and field."""


@dataclass(frozen=True)
class Event:
    """One statement of a time (or a date) in the sources."""

    id: str
    date: dt.date  # date in PDT
    pdt: str | None  # "HH:MM" (or "HH:MM:SS" for precision "second"), None without a clock time
    utc: dt.datetime | None  # timezone-aware UTC, None without a clock time
    subsystem: str
    what: str
    source: str  # summary section(s) joined by "; ", or "DAT453 talk"
    opens: tuple[str, ...] = ()
    closes: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    precision: str = "minute"
    note: str | None = None

    @property
    def sections(self) -> tuple[str, ...]:
        """The source sections, split."""
        return tuple(part.strip() for part in self.source.split(";"))

    @property
    def from_talk(self) -> bool:
        """True for details from AWS re:Invent 2025 talk DAT453, not the written summary."""
        return TALK in self.sections

    @property
    def has_clock_time(self) -> bool:
        return self.pdt is not None

    @property
    def pdt_datetime(self) -> dt.datetime | None:
        """The moment as a timezone-aware datetime in PDT, or None."""
        return None if self.utc is None else self.utc.astimezone(PDT)

    @property
    def subsystems(self) -> tuple[str, ...]:
        """The main subsystem followed by the related ones."""
        return (self.subsystem, *self.related)

    def pdt_label(self) -> str:
        """The time as the site writes it, e.g. '11:48 PM PDT, 19 Oct'."""
        if self.pdt is None:
            return f"{self.date.day} {self.date:%b} (no time given)"
        moment = self.pdt_datetime
        assert moment is not None
        clock = moment.strftime("%I:%M:%S %p" if self.precision == "second" else "%I:%M %p")
        return f"{clock.lstrip('0')} PDT, {moment.day} {moment:%b}"


@dataclass(frozen=True)
class Window:
    """An impact window, bounded by two events."""

    id: str
    service: str
    label: str
    subsystem: str
    start_event: str
    end_event: str
    kind: str
    source: str
    start: dt.datetime  # UTC, from the start event
    end: dt.datetime  # UTC, from the end event
    parent: str | None = None
    derived: bool = False
    note: str | None = None

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start

    @property
    def period(self) -> int | None:
        """1, 2 or 3 for the summary's three primary impact periods, else None."""
        if self.kind.startswith("primary-period-"):
            return int(self.kind.rsplit("-", 1)[1])
        return None


@dataclass(frozen=True)
class Timeline:
    """All events in chronological order, all windows, and the timeline's own assumptions."""

    events: tuple[Event, ...]
    windows: tuple[Window, ...]
    assumptions: tuple[dict[str, str], ...] = ()
    path: str = ""
    _events_by_id: dict[str, Event] = field(default_factory=dict, repr=False, compare=False)
    _windows_by_id: dict[str, Window] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._events_by_id.update({e.id: e for e in self.events})
        self._windows_by_id.update({w.id: w for w in self.windows})

    def event(self, event_id: str) -> Event:
        """The event with this id; KeyError if there is none."""
        return self._events_by_id[event_id]

    def window(self, window_id: str) -> Window:
        """The window with this id; KeyError if there is none."""
        return self._windows_by_id[window_id]

    def events_for(self, subsystem: str) -> tuple[Event, ...]:
        """Events whose main or related subsystem is `subsystem`."""
        return tuple(e for e in self.events if subsystem in e.subsystems)

    def windows_for(self, subsystem: str) -> tuple[Window, ...]:
        return tuple(w for w in self.windows if w.subsystem == subsystem)

    def children(self, window_id: str) -> tuple[Window, ...]:
        return tuple(w for w in self.windows if w.parent == window_id)

    def summary_events(self) -> tuple[Event, ...]:
        """Events from the written summary (not from the talk)."""
        return tuple(e for e in self.events if not e.from_talk)

    def summary_clock_times(self) -> tuple[tuple[dt.date, str], ...]:
        """The distinct (PDT date, PDT time) pairs the summary states, in order."""
        seen: dict[tuple[dt.date, str], None] = {}
        for e in self.summary_events():
            if e.pdt is not None:
                seen.setdefault((e.date, e.pdt), None)
        return tuple(seen)

    def at(self, pdt_date: dt.date, pdt: str) -> tuple[Event, ...]:
        """Events at this PDT date and clock time."""
        return tuple(e for e in self.events if e.date == pdt_date and e.pdt == pdt)


# --------------------------------------------------------------------------------------------
# Loading and validation


def load_timeline(path: Path | str = DEFAULT_PATH) -> Timeline:
    """Load and validate the timeline file; raise `TimelineError` on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TimelineError(path, None, None, "file not found") from None
    except OSError as error:
        raise TimelineError(path, None, None, f"cannot read file ({error.strerror})") from None
    try:
        doc = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as error:
        raise TimelineError(path, None, None, f"not valid YAML: {error}") from None
    if not isinstance(doc, dict):
        raise TimelineError(path, None, None, "expected a mapping with 'events' and 'windows'")
    for key in ("events", "windows"):
        if not isinstance(doc.get(key), list) or not doc[key]:
            raise TimelineError(path, None, key, "missing or not a non-empty list")

    events = _parse_events(path, doc["events"])
    _check_order(path, events)
    by_id = {e.id: e for e in events}
    windows = _parse_windows(path, doc["windows"], by_id)
    _check_links(path, events, windows)
    assumptions = _parse_assumptions(path, doc.get("assumptions"))
    return Timeline(tuple(events), tuple(windows), assumptions, str(path))


_EVENT_REQUIRED = ("id", "date", "pdt", "utc", "subsystem", "what", "opens", "closes", "source")
_EVENT_OPTIONAL = ("related", "precision", "note")
_WINDOW_REQUIRED = (
    "id", "service", "label", "subsystem", "start_event", "end_event", "kind", "source",
)
_WINDOW_OPTIONAL = ("parent", "derived", "note")


def _entry_id(raw: Any, index: int, kind: str) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return raw["id"]
    return f"{kind} #{index + 1}"


def _check_fields(path: Path, entry: str, raw: Any, required: Iterable[str],
                  optional: Iterable[str]) -> None:
    if not isinstance(raw, dict):
        raise TimelineError(path, entry, None, "expected a mapping")
    for name in required:
        if name not in raw:
            raise TimelineError(path, entry, name, "missing")
    allowed = set(required) | set(optional)
    for name in raw:
        if name not in allowed:
            raise TimelineError(path, entry, str(name), "unknown field")


def _text(path: Path, entry: str, raw: dict, name: str, *, optional: bool = False) -> str | None:
    value = raw.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TimelineError(path, entry, name, f"expected non-empty text, got {value!r}")
    return value.strip()


def _ident(path: Path, entry: str, raw: dict, name: str) -> str:
    value = _text(path, entry, raw, name)
    assert value is not None
    if not _ID.match(value):
        raise TimelineError(path, entry, name, f"not a valid id: {value!r}")
    return value


def _id_list(path: Path, entry: str, raw: dict, name: str) -> tuple[str, ...]:
    value = raw.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and _ID.match(v) for v in value):
        raise TimelineError(path, entry, name, f"expected null or a list of ids, got {value!r}")
    if len(set(value)) != len(value):
        raise TimelineError(path, entry, name, "lists an id twice")
    return tuple(value)


def _subsystem(path: Path, entry: str, value: Any, name: str) -> str:
    if value not in SUBSYSTEMS:
        raise TimelineError(
            path, entry, name, f"unknown subsystem {value!r} (expected one of {sorted(SUBSYSTEMS)})"
        )
    return value


def _source(path: Path, entry: str, raw: dict) -> str:
    value = _text(path, entry, raw, "source")
    assert value is not None
    parts = [part.strip() for part in value.split(";")]
    for part in parts:
        if part not in SOURCES:
            raise TimelineError(
                path, entry, "source", f"unknown source {part!r} (expected one of {sorted(SOURCES)})"
            )
    if TALK in parts and len(parts) > 1:
        raise TimelineError(path, entry, "source", "a talk detail must not also cite the summary")
    return "; ".join(parts)


def _date(path: Path, entry: str, raw: dict) -> dt.date:
    value = raw.get("date")
    if isinstance(value, dt.datetime):
        raise TimelineError(path, entry, "date", f"expected a date, got a datetime {value!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise TimelineError(path, entry, "date", f"expected a date 'YYYY-MM-DD', got {value!r}")


def _parse_events(path: Path, raws: list) -> list[Event]:
    events: list[Event] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        entry = _entry_id(raw, index, "event")
        _check_fields(path, entry, raw, _EVENT_REQUIRED, _EVENT_OPTIONAL)
        event_id = _ident(path, entry, raw, "id")
        if event_id in seen:
            raise TimelineError(path, entry, "id", "duplicate event id")
        seen.add(event_id)
        date = _date(path, entry, raw)

        precision = raw.get("precision") or "minute"
        if precision not in PRECISIONS:
            raise TimelineError(
                path, entry, "precision", f"expected one of {sorted(PRECISIONS)}, got {precision!r}"
            )
        pdt = raw.get("pdt")
        utc_raw = raw.get("utc")
        if precision in ("approximate", "date"):
            if pdt is not None:
                raise TimelineError(path, entry, "pdt", f"must be null for precision {precision!r}")
            if utc_raw is not None:
                raise TimelineError(path, entry, "utc", f"must be null for precision {precision!r}")
            utc = None
        else:
            pattern = _PDT_SECOND if precision == "second" else _PDT_MINUTE
            if not isinstance(pdt, str) or not pattern.match(pdt):
                hint = " (quote it: YAML reads unquoted 06:48 as a number)" if isinstance(pdt, int) else ""
                shape = "HH:MM:SS" if precision == "second" else "HH:MM"
                raise TimelineError(
                    path, entry, "pdt", f"expected a 24-hour time {shape!r}, got {pdt!r}{hint}"
                )
            utc = _utc(path, entry, utc_raw)
            expected = _pdt_to_utc(date, pdt)
            if utc != expected:
                raise TimelineError(
                    path, entry, "utc",
                    f"{utc_raw!r} is not PDT + 7 h; {date} {pdt} PDT is {expected:%Y-%m-%dT%H:%M:%SZ}",
                )

        subsystem = _subsystem(path, entry, raw.get("subsystem"), "subsystem")
        related = raw.get("related") or []
        if not isinstance(related, list):
            raise TimelineError(path, entry, "related", f"expected a list, got {related!r}")
        for item in related:
            _subsystem(path, entry, item, "related")
        what = _text(path, entry, raw, "what")
        note = _text(path, entry, raw, "note", optional=True)
        source = _source(path, entry, raw)
        events.append(
            Event(
                id=event_id, date=date, pdt=pdt, utc=utc, subsystem=subsystem,
                what=what or "", source=source,
                opens=_id_list(path, entry, raw, "opens"),
                closes=_id_list(path, entry, raw, "closes"),
                related=tuple(related), precision=precision, note=note,
            )
        )
    return events


def _utc(path: Path, entry: str, value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):  # YAML may parse an unquoted timestamp itself
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise TimelineError(
                path, entry, "utc", f"expected an ISO datetime like '2025-10-20T06:48:00Z', got {value!r}"
            ) from None
    else:
        raise TimelineError(path, entry, "utc", f"expected an ISO datetime, got {value!r}")
    if moment.tzinfo is None:
        raise TimelineError(path, entry, "utc", f"{value!r} has no zone; end it with 'Z'")
    if moment.utcoffset() != dt.timedelta(0):
        raise TimelineError(path, entry, "utc", f"{value!r} is not in UTC")
    return moment.astimezone(dt.timezone.utc)


def _pdt_to_utc(date: dt.date, pdt: str) -> dt.datetime:
    parts = [int(p) for p in pdt.split(":")]
    local = dt.datetime(date.year, date.month, date.day, *parts, tzinfo=PDT)
    return local.astimezone(dt.timezone.utc)


def _check_order(path: Path, events: list[Event]) -> None:
    """Dates never go back; clock times never go back (events without one are skipped)."""
    last_date: tuple[dt.date, str] | None = None
    last_utc: tuple[dt.datetime, str] | None = None
    for e in events:
        if last_date is not None and e.date < last_date[0]:
            raise TimelineError(
                path, e.id, "date", f"{e.date} is before {last_date[0]} of {last_date[1]!r}: events must be in order"
            )
        last_date = (e.date, e.id)
        if e.utc is not None:
            if last_utc is not None and e.utc < last_utc[0]:
                raise TimelineError(
                    path, e.id, "utc",
                    f"{e.utc:%Y-%m-%dT%H:%M:%SZ} is before {last_utc[1]!r}: events must be in order",
                )
            last_utc = (e.utc, e.id)


def _parse_windows(path: Path, raws: list, events: dict[str, Event]) -> list[Window]:
    windows: list[Window] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        entry = _entry_id(raw, index, "window")
        _check_fields(path, entry, raw, _WINDOW_REQUIRED, _WINDOW_OPTIONAL)
        window_id = _ident(path, entry, raw, "id")
        if window_id in seen or window_id in events:
            raise TimelineError(path, entry, "id", "duplicate id")
        seen.add(window_id)
        bounds = {}
        for name in ("start_event", "end_event"):
            ref = _ident(path, entry, raw, name)
            if ref not in events:
                raise TimelineError(path, entry, name, f"no event with id {ref!r}")
            if events[ref].utc is None:
                raise TimelineError(path, entry, name, f"event {ref!r} has no clock time")
            bounds[name] = events[ref]
        start, end = bounds["start_event"], bounds["end_event"]
        assert start.utc is not None and end.utc is not None
        if start.utc > end.utc:
            raise TimelineError(
                path, entry, "end_event", f"ends ({end.id}) before it starts ({start.id})"
            )
        kind = raw.get("kind")
        if kind not in WINDOW_KINDS:
            raise TimelineError(path, entry, "kind", f"expected one of {sorted(WINDOW_KINDS)}, got {kind!r}")
        derived = raw.get("derived", False)
        if not isinstance(derived, bool):
            raise TimelineError(path, entry, "derived", f"expected true or false, got {derived!r}")
        parent = raw.get("parent")
        if parent is not None and (not isinstance(parent, str) or not _ID.match(parent)):
            raise TimelineError(path, entry, "parent", f"not a valid id: {parent!r}")
        windows.append(
            Window(
                id=window_id,
                service=_text(path, entry, raw, "service") or "",
                label=_text(path, entry, raw, "label") or "",
                subsystem=_subsystem(path, entry, raw.get("subsystem"), "subsystem"),
                start_event=start.id, end_event=end.id, kind=kind,
                source=_source(path, entry, raw), start=start.utc, end=end.utc,
                parent=parent, derived=derived,
                note=_text(path, entry, raw, "note", optional=True),
            )
        )
    by_id = {w.id: w for w in windows}
    for w in windows:
        if w.parent is None:
            continue
        if w.parent not in by_id:
            raise TimelineError(path, w.id, "parent", f"no window with id {w.parent!r}")
        p = by_id[w.parent]
        if w.start < p.start or w.end > p.end:
            raise TimelineError(path, w.id, "parent", f"does not lie within its parent {p.id!r}")
    return windows


def _check_links(path: Path, events: list[Event], windows: list[Window]) -> None:
    """Each window's start event lists it in `opens`, its end event in `closes`, and no more."""
    by_id = {w.id: w for w in windows}
    for e in events:
        for name, ids, attr in (("opens", e.opens, "start_event"), ("closes", e.closes, "end_event")):
            for window_id in ids:
                if window_id not in by_id:
                    raise TimelineError(path, e.id, name, f"no window with id {window_id!r}")
                if getattr(by_id[window_id], attr) != e.id:
                    raise TimelineError(
                        path, e.id, name,
                        f"window {window_id!r} names {getattr(by_id[window_id], attr)!r} as its {attr}",
                    )
    events_by_id = {e.id: e for e in events}
    for w in windows:
        if w.id not in events_by_id[w.start_event].opens:
            raise TimelineError(path, w.id, "start_event", f"event {w.start_event!r} does not list it in 'opens'")
        if w.id not in events_by_id[w.end_event].closes:
            raise TimelineError(path, w.id, "end_event", f"event {w.end_event!r} does not list it in 'closes'")


def _parse_assumptions(path: Path, raws: Any) -> tuple[dict[str, str], ...]:
    if raws is None:
        return ()
    if not isinstance(raws, list):
        raise TimelineError(path, None, "assumptions", "expected a list")
    out = []
    for index, raw in enumerate(raws):
        entry = raw.get("name") if isinstance(raw, dict) and isinstance(raw.get("name"), str) else f"assumption #{index + 1}"
        _check_fields(path, entry, raw, ("name", "value", "why"), ("unit",))
        item = {}
        for name in ("name", "value", "why"):
            value = raw.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "value":
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                raise TimelineError(path, entry, name, f"expected non-empty text, got {value!r}")
            item[name] = value.strip()
        unit = raw.get("unit") or ""
        if not isinstance(unit, str):
            raise TimelineError(path, entry, "unit", f"expected text, got {unit!r}")
        item["unit"] = unit
        out.append(item)
    return tuple(out)
