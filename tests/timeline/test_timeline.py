"""The timeline data: its schema, its arithmetic, and that it says what the AWS summary says."""

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from outage.timeline import DEFAULT_PATH, PDT, TimelineError, load_timeline

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture(scope="module")
def timeline():
    return load_timeline()


@pytest.fixture(scope="module")
def raw():
    return yaml.load(DEFAULT_PATH.read_text(encoding="utf-8"), Loader=_Loader)


# --- The committed data ----------------------------------------------------------------------


def test_events_are_in_chronological_order(timeline):
    timed = [e.utc for e in timeline.events if e.utc is not None]
    assert timed == sorted(timed)
    dates = [e.date for e in timeline.events]
    assert dates == sorted(dates)


def test_utc_is_pdt_plus_seven_hours(timeline):
    for e in timeline.events:
        if e.pdt is None:
            assert e.utc is None, e.id
            continue
        parts = [int(p) for p in e.pdt.split(":")]
        local = dt.datetime(e.date.year, e.date.month, e.date.day, *parts)
        assert e.utc.replace(tzinfo=None) - local == dt.timedelta(hours=7), e.id


def test_anchor_times():
    """The conversions secondary write-ups most often get wrong (facts file, section h)."""
    t = load_timeline()
    assert t.event("T05").utc == dt.datetime(2025, 10, 20, 6, 48, tzinfo=dt.timezone.utc)
    assert t.event("T05").date == dt.date(2025, 10, 19)
    assert t.event("T13").utc.strftime("%H:%M") == "07:38"
    assert t.event("K02").utc.strftime("%H:%M") == "12:38"  # talk: automation disabled
    assert t.event("T54").utc == dt.datetime(2025, 10, 21, 11, 5, tzinfo=dt.timezone.utc)
    assert t.event("T02").pdt == "23:45" and t.event("T03").pdt == "23:47"
    assert t.event("T12").pdt == "23:56"


def test_summary_states_41_clock_times_and_one_date_only_milestone(timeline):
    assert len(timeline.summary_clock_times()) == 41
    date_only = [e for e in timeline.summary_events() if e.precision == "date"]
    assert [e.id for e in date_only] == ["T55"]
    assert date_only[0].date == dt.date(2025, 10, 28)


def test_summary_rows_t01_to_t55_all_present(timeline):
    ids = [e.id for e in timeline.summary_events()]
    assert ids == [f"T{i:02d}" for i in range(1, 56)]


def test_talk_details_are_marked(timeline):
    talk = [e for e in timeline.events if e.from_talk]
    assert {e.id for e in talk} == {"K01", "K02", "K03", "K04", "K05"}
    assert all(e.id.startswith("K") for e in talk)
    assert not any(e.from_talk for e in timeline.summary_events())


def test_every_subsystem_of_the_summary_has_events(timeline):
    for key in ("ddb-dns", "ddb", "ec2", "dwfm", "netmgr", "nlb", "lambda", "containers",
                "connect", "sts", "signin", "redshift", "support", "all"):
        assert timeline.events_for(key), key


def test_windows_are_consistent(timeline):
    for w in timeline.windows:
        start, end = timeline.event(w.start_event), timeline.event(w.end_event)
        assert start.utc <= end.utc, w.id
        assert w.id in start.opens and w.id in end.closes, w.id
        if w.parent:
            parent = timeline.window(w.parent)
            assert parent.start <= w.start and w.end <= parent.end, w.id
    for e in timeline.events:
        for window_id in e.opens:
            assert timeline.window(window_id).start_event == e.id
        for window_id in e.closes:
            assert timeline.window(window_id).end_event == e.id


@pytest.mark.parametrize(
    "window_id, length",
    [
        ("event", "14:32"), ("p1-ddb", "2:52"), ("ddb-dns-empty", "2:37"), ("ec2", "14:02"),
        ("p3-launch", "8:11"), ("ec2-connectivity", "3:13"), ("dwfm-expiry", "2:36"),
        ("p2-nlb", "8:39"), ("nlb-errors", "4:06"), ("lambda", "14:24"), ("containers", "14:35"),
        ("connect", "13:24"), ("sts-1", "1:28"), ("sts-2", "1:28"), ("signin", "1:34"),
        ("redshift", "2:34"), ("redshift-impaired", "28:18"), ("support", "2:52"),
    ],
)
def test_window_lengths(timeline, window_id, length):
    hours, minutes = (int(x) for x in length.split(":"))
    assert timeline.window(window_id).duration == dt.timedelta(hours=hours, minutes=minutes)


def test_three_primary_periods(timeline):
    periods = {w.period: w for w in timeline.windows if w.period}
    assert sorted(periods) == [1, 2, 3]
    assert periods[1].start_event == "T05" and periods[1].end_event == "T25"
    assert periods[2].start_event == "T33" and periods[2].end_event == "T50"
    assert periods[3].start_event == "T22" and periods[3].end_event == "T43"


def test_twelve_oh_one_is_no_window_boundary(timeline):
    """The EC2 section's 12:01 PM is kept as stated, with a note, and bounds nothing."""
    e = timeline.event("T47")
    assert e.pdt == "12:01" and not e.opens and not e.closes
    assert "10:36" in e.note or "10:37" in e.note


def test_pdt_label(timeline):
    assert timeline.event("T05").pdt_label() == "11:48 PM PDT, 19 Oct"
    assert timeline.event("T54").pdt_label() == "4:05 AM PDT, 21 Oct"
    assert timeline.event("T05").pdt_datetime.tzinfo == PDT


# --- Broken copies: each names the file, the entry and the field ----------------------------


def _write(tmp_path: Path, doc) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False), encoding="utf-8")
    return path


def _event(doc, event_id):
    return next(e for e in doc["events"] if e["id"] == event_id)


def _window(doc, window_id):
    return next(w for w in doc["windows"] if w["id"] == window_id)


def _expect(path: Path, entry, field):
    with pytest.raises(TimelineError) as info:
        load_timeline(path)
    message = str(info.value)
    assert str(path) in message
    if entry is not None:
        assert repr(entry) in message, message
        assert info.value.entry == entry
    if field is not None:
        assert repr(field) in message, message
        assert info.value.field == field
    return message


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    message = _expect(path, None, None)
    assert "not found" in message


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("events: [\n", encoding="utf-8")
    _expect(path, None, None)


def test_missing_section(tmp_path, raw):
    doc = dict(raw)
    del doc["windows"]
    _expect(_write(tmp_path, doc), None, "windows")


@pytest.mark.parametrize("field", ["date", "pdt", "utc", "subsystem", "what", "opens", "closes", "source"])
def test_missing_event_field(tmp_path, raw, field):
    doc = copy.deepcopy(raw)
    del _event(doc, "T21")[field]
    _expect(_write(tmp_path, doc), "T21", field)


@pytest.mark.parametrize(
    "field, value",
    [
        ("date", "20 Oct"),
        ("date", "2025-02-30"),
        ("pdt", "2:25 AM"),
        ("pdt", "25:00"),
        ("pdt", 145),  # what YAML makes of an unquoted 02:25
        ("utc", "2025-10-20T09:25:00"),  # no zone
        ("utc", "2025-10-20T08:25:00Z"),  # PDT + 6 h
        ("utc", "2025-10-20T02:25:00Z"),  # PDT taken as UTC
        ("utc", "not a time"),
        ("subsystem", "dynamo"),
        ("what", ""),
        ("source", "Amazon DynamoDB blog"),
        ("source", "DynamoDB; DAT453 talk"),
        ("opens", "two words"),
        ("opens", ["no-such-window"]),
        ("closes", ["event"]),  # real window, wrong end event
        ("precision", "hourly"),
        ("related", ["ec3"]),
        ("colour", "red"),  # unknown field
    ],
)
def test_malformed_event_field(tmp_path, raw, field, value):
    doc = copy.deepcopy(raw)
    _event(doc, "T21")[field] = value
    _expect(_write(tmp_path, doc), "T21", field)


def test_event_out_of_order(tmp_path, raw):
    doc = copy.deepcopy(raw)
    events = doc["events"]
    i = next(k for k, e in enumerate(events) if e["id"] == "T28")
    events[i], events[i + 1] = events[i + 1], events[i]  # T29 (4:40 AM) before T28 (4:14 AM)
    _expect(_write(tmp_path, doc), "T28", "utc")


def test_date_out_of_order(tmp_path, raw):
    doc = copy.deepcopy(raw)
    _event(doc, "T55")["date"] = "2025-10-20"
    _expect(_write(tmp_path, doc), "T55", "date")


def test_duplicate_event_id(tmp_path, raw):
    doc = copy.deepcopy(raw)
    _event(doc, "T22")["id"] = "T21"
    with pytest.raises(TimelineError) as info:
        load_timeline(_write(tmp_path, doc))
    assert info.value.field == "id" and info.value.entry == "T21"


def test_event_without_id_is_named_by_position(tmp_path, raw):
    doc = copy.deepcopy(raw)
    del doc["events"][2]["id"]
    _expect(_write(tmp_path, doc), "event #3", "id")


def test_time_given_for_date_only_event(tmp_path, raw):
    doc = copy.deepcopy(raw)
    _event(doc, "T55")["pdt"] = "12:00"
    _expect(_write(tmp_path, doc), "T55", "pdt")


@pytest.mark.parametrize("field", ["service", "label", "subsystem", "start_event", "end_event", "kind", "source"])
def test_missing_window_field(tmp_path, raw, field):
    doc = copy.deepcopy(raw)
    del _window(doc, "p3-launch")[field]
    _expect(_write(tmp_path, doc), "p3-launch", field)


@pytest.mark.parametrize(
    "field, value",
    [
        ("start_event", "T99"),  # no such event
        ("start_event", "T55"),  # an event without a clock time
        ("end_event", "T22"),  # listed in closes of T43, not T22
        ("kind", "outage"),
        ("parent", "no-such-window"),
        ("parent", "p1-ddb"),  # p3 does not lie within period 1
        ("derived", "yes"),
        ("subsystem", "ec-2"),
    ],
)
def test_malformed_window_field(tmp_path, raw, field, value):
    doc = copy.deepcopy(raw)
    _window(doc, "p3-launch")[field] = value
    with pytest.raises(TimelineError) as info:
        load_timeline(_write(tmp_path, doc))
    assert str(tmp_path / "broken.yaml") in str(info.value)
    # A bad end event may be reported from either side of the link.
    assert (info.value.entry, info.value.field) in {
        ("p3-launch", field), ("T43", "closes"), ("T22", "opens"),
    }, str(info.value)


def test_window_ending_before_it_starts(tmp_path, raw):
    doc = copy.deepcopy(raw)
    w = _window(doc, "sts-2")
    w["start_event"], w["end_event"] = w["end_event"], w["start_event"]
    _expect(_write(tmp_path, doc), "sts-2", "end_event")


def test_window_missing_from_opens(tmp_path, raw):
    doc = copy.deepcopy(raw)
    _event(doc, "T40")["opens"] = None
    _expect(_write(tmp_path, doc), "sts-2", "start_event")


def test_malformed_assumption(tmp_path, raw):
    doc = copy.deepcopy(raw)
    del doc["assumptions"][0]["why"]
    _expect(_write(tmp_path, doc), doc["assumptions"][0]["name"], "why")


def test_error_is_a_value_error():
    assert issubclass(TimelineError, ValueError)


def test_no_machine_paths_in_data():
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert not re.search(r"/(work|home|tmp|Users)/", text)
