"""The chapters agree with the data: every clock time they write is in the timeline, and the
dependency graph cites only services, windows and events that exist."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from outage.dependencies import DEFAULT_PATH as DEPENDENCIES_PATH
from outage.dependencies import DependencyError, load_dependencies
from outage.tables import AssumptionsError, all_assumptions, assumptions_table, load_assumptions, timeline_table
from outage.timeline import SUBSYSTEMS, load_timeline

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "snippets" / "notices").glob("*.md"))

# "11:48 PM", "11:49:33 PM", "2:48 AM EDT", "06:48 UTC", "2:25–2:40 AM" (both ends).
CLOCK = re.compile(
    r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?"
    r"(?:\s*[–-]\s*(?P<h2>\d{1,2}):(?P<m2>\d{2}))?"
    r"(?:\s*(?P<ampm>AM|PM))?(?:\s+(?P<zone>PDT|EDT|UTC))?"
)


@pytest.fixture(scope="module")
def timeline():
    return load_timeline()


def _known_times(timeline):
    """PDT and UTC clock times of every event, plus times the data's notes mention."""
    pdt, utc = set(), set()
    for e in timeline.events:
        if e.pdt is not None:
            pdt.add(e.pdt)
            utc.add(e.utc.strftime("%H:%M:%S" if e.precision == "second" else "%H:%M"))
    notes = " ".join(e.note or "" for e in timeline.events) + " ".join(w.note or "" for w in timeline.windows)
    for m in CLOCK.finditer(notes):
        if m.group("ampm"):
            pdt.add(_to_24h(m.group("h"), m.group("m"), m.group("s"), m.group("ampm")))
    return pdt, utc


def _to_24h(h, m, s, ampm):
    hour = int(h) % 12 + (12 if ampm == "PM" else 0)
    return f"{hour:02d}:{m}" + (f":{s}" if s else "")


def clock_times(text):
    """(written form, zone, 24-hour value) for each clock time in `text`, outside URLs."""
    text = re.sub(r"https?://\S+", "", text)
    found = []
    for m in CLOCK.finditer(text):
        zone, ampm = m.group("zone"), m.group("ampm")
        if ampm is None and zone != "UTC":
            continue  # not a clock time (or the start of a range handled below)
        if ampm:
            values = [_to_24h(m.group("h"), m.group("m"), m.group("s"), ampm)]
            if m.group("h2"):
                values.append(_to_24h(m.group("h2"), m.group("m2"), None, ampm))
                values[0] = _to_24h(m.group("h"), m.group("m"), m.group("s"), ampm)
            if zone == "EDT":  # EDT = PDT + 3 h
                values = [f"{(int(v[:2]) - 3) % 24:02d}{v[2:]}" for v in values]
                zone = "PDT"
            found.extend((m.group(0).strip(), zone or "PDT", v) for v in values)
        else:
            value = f"{int(m.group('h')):02d}:{m.group('m')}" + (f":{m.group('s')}" if m.group("s") else "")
            found.append((m.group(0).strip(), "UTC", value))
            if m.group("h2"):
                found.append((m.group(0).strip(), "UTC", f"{int(m.group('h2')):02d}:{m.group('m2')}"))
    return found


def test_the_regex_reads_the_forms_the_chapters_use():
    got = [(z, v) for _, z, v in clock_times(
        "11:48 PM and 2:25 AM PDT; 06:48 UTC; 11:49:33 PM; 2:48 AM EDT; 2:25–2:40 AM; 12:38 UTC; "
        "https://example.invalid/12:00 and 14 h 32 min"
    )]
    assert got == [
        ("PDT", "23:48"), ("PDT", "02:25"), ("UTC", "06:48"), ("PDT", "23:49:33"),
        ("PDT", "23:48"), ("PDT", "02:25"), ("PDT", "02:40"), ("UTC", "12:38"),
    ]


def test_chapters_exist():
    names = {p.name for p in CHAPTERS}
    for name in ("overview.md", "timeline.md", "dynamodb-dns.md", "race.md", "ec2.md", "nlb.md",
                 "other-services.md", "dns-caching.md", "remediations.md", "concepts.md",
                 "sources.md", "methodology.md", "run-it-yourself.md"):
        assert name in names


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_every_clock_time_in_a_chapter_is_in_the_timeline(timeline, chapter):
    pdt, utc = _known_times(timeline)
    unknown = [
        written for written, zone, value in clock_times(chapter.read_text(encoding="utf-8"))
        if value not in (utc if zone == "UTC" else pdt)
    ]
    assert not unknown, f"{chapter.name}: times not in the timeline data: {unknown}"


def test_a_wrong_time_is_caught(timeline):
    pdt, utc = _known_times(timeline)
    for text in ("the trigger at 07:48 UTC", "DNS restored at 2:26 AM", "at 11:48 PM EST or 23:48 UTC"):
        assert any(v not in (utc if z == "UTC" else pdt) for _, z, v in clock_times(text)), text


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_no_machine_paths_or_leftover_markers(chapter):
    text = chapter.read_text(encoding="utf-8")
    assert not re.search(r"(?<![\w.])/(work|home|tmp|Users)/", text)
    assert "TODO" not in text and "TBD" not in text


def test_talk_details_are_labelled():
    """Lock, rollback-record and tree details appear only on pages that carry the talk notice."""
    for chapter in CHAPTERS:
        text = chapter.read_text(encoding="utf-8")
        if re.search(r"TXT record|rollback record", text) and chapter.parent.name == "docs":
            assert "notices/talk.md" in text or "talk" in text.lower(), chapter.name


# --- The dependency graph ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph(timeline):
    return load_dependencies(timeline=timeline)


def test_every_node_is_a_known_service(graph, timeline):
    for node in graph.nodes:
        assert node.subsystem is None or node.subsystem in SUBSYSTEMS, node.id
        for window_id in node.windows:
            timeline.window(window_id)
        if node.subsystem:
            assert all(timeline.window(w).subsystem == node.subsystem for w in node.windows), node.id


def test_every_timeline_service_is_in_the_graph(graph, timeline):
    in_graph = {n.subsystem for n in graph.nodes}
    for key in SUBSYSTEMS - {"all"}:
        assert key in in_graph, key


def test_every_edge_has_a_source_and_known_ends(graph, timeline):
    ids = {n.id for n in graph.nodes}
    for edge in graph.edges:
        assert edge.origin in ids and edge.target in ids
        assert edge.source and edge.how
        assert edge.basis in ("stated", "inferred")
        for event_id in edge.events:
            timeline.event(event_id)
        if edge.window:
            window = timeline.window(edge.window)
            target = graph.node(edge.target)
            main = timeline.window(target.windows[0])
            assert (edge.window in target.windows or window.parent in target.windows
                    or window.service == main.service), edge.id


def test_graph_is_acyclic_and_rooted_at_the_dns_automation(graph):
    layers = graph.layers()
    assert layers["ddb-dns"] == 0 and layers["ddb"] == 1
    assert [e.id for e in graph.edges if e.basis == "inferred"] == ["ec2->containers"]


def _broken(tmp_path, mutate):
    doc = yaml.safe_load(DEPENDENCIES_PATH.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    mutate(doc)
    path = tmp_path / "deps.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate, entry, field",
    [
        (lambda d: d["edges"][0].pop("source"), "ddb-dns->ddb", "source"),
        (lambda d: d["edges"][0].update(source="a blog"), "ddb-dns->ddb", "source"),
        (lambda d: d["edges"][0].update(source="DAT453 talk"), "ddb-dns->ddb", "source"),
        (lambda d: d["edges"][0].update(to="route53"), "ddb-dns->route53", "to"),
        (lambda d: d["edges"][0].update(window="no-such"), "ddb-dns->ddb", "window"),
        (lambda d: d["edges"][0].update(events=["T99"]), "ddb-dns->ddb", "events"),
        (lambda d: d["edges"][0].update(basis="guessed"), "ddb-dns->ddb", "basis"),
        (lambda d: d["nodes"][0].update(subsystem="dns"), "ddb-dns", "subsystem"),
        (lambda d: d["nodes"][0].update(windows=["nope"]), "ddb-dns", "windows"),
    ],
)
def test_malformed_dependency_names_entry_and_field(tmp_path, timeline, mutate, entry, field):
    path = _broken(tmp_path, mutate)
    with pytest.raises(DependencyError) as info:
        load_dependencies(path, timeline)
    assert str(path) in str(info.value)
    assert (info.value.entry, info.value.field) == (entry, field), str(info.value)


def test_cycle_is_rejected(tmp_path, timeline):
    path = _broken(tmp_path, lambda d: d["edges"].append(
        {"from": "connect", "to": "ddb-dns", "how": "x", "source": "DynamoDB", "basis": "stated",
         "window": None, "events": []}))
    with pytest.raises(DependencyError, match="cycle"):
        load_dependencies(path, timeline)


# --- Generated tables ---------------------------------------------------------------------------


def test_timeline_table_has_one_row_per_event(timeline):
    table = timeline_table(timeline).splitlines()
    assert len(table) == 2 + len(timeline.events)
    assert all(line.count("|") - line.count("\\|") == 8 for line in table)


def test_assumptions_table_includes_models_and_timeline(timeline):
    rows = all_assumptions(timeline)
    assert any(model == "timeline" for model, _ in rows)
    assert assumptions_table(rows).count("\n") == len(rows) + 1


@pytest.mark.parametrize(
    "content, entry, field",
    [
        ("assumptions: []\nmodel: x\n", None, "assumptions"),
        ("assumptions:\n  - {name: a, value: 1, unit: s, why: w}\n", None, "model"),
        ("model: x\nassumptions:\n  - {name: a, value: 1, unit: s}\n", "a", "why"),
        ("model: x\nassumptions:\n  - {name: a, unit: s, why: w}\n", "a", "value"),
        ("model: x\nassumptions:\n  - {value: 1, unit: s, why: w}\n", "assumption #1", "name"),
        ("model: x\nassumptions: [\n", None, None),
        ("model: x\nassumptions:\n  - {name: a, value: {k: 1}, unit: s, why: w}\n", "a", "value"),
        ("model: x\nassumptions:\n  - {name: a, value: 1, unit: s, why: true}\n", "a", "why"),
    ],
)
def test_malformed_assumptions_file_names_file_entry_field(tmp_path, content, entry, field):
    (tmp_path / "broken.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(AssumptionsError) as info:
        load_assumptions(tmp_path)
    assert "broken.yaml" in str(info.value)
    assert (info.value.entry, info.value.field) == (entry, field), str(info.value)


def test_assumption_values_may_be_flags_and_lists(tmp_path):
    (tmp_path / "ok.yaml").write_text(
        "model: x\nassumptions:\n  - {name: a, value: true, unit: '', why: w}\n"
        "  - {name: b, value: [1, 2], unit: s, why: w}\n", encoding="utf-8")
    rows = load_assumptions(tmp_path)
    assert [r["value"] for _, r in rows] == ["true", "1, 2"]
