"""The chapters agree with the data: every clock time they write is in the timeline, the sentence
around a stated time names what happened then, and the dependency graph cites only services,
windows and events that exist.

"Chapters" here are the pages in docs/, the notices and the glossary; notebook Markdown is checked
too, where a time that is not in the timeline must be in a sentence that says it is the model's."""

import copy
import re
from pathlib import Path

import jupytext
import pytest
import yaml

from outage.dependencies import DEFAULT_PATH as DEPENDENCIES_PATH
from outage.dependencies import DependencyError, load_dependencies
from outage.tables import AssumptionsError, all_assumptions, assumptions_table, load_assumptions, timeline_table
from outage.timeline import SUBSYSTEMS, load_timeline

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "snippets" / "glossary.md"
CHAPTERS = (sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "snippets" / "notices").glob("*.md"))
            + [GLOSSARY])
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))

# "11:48 PM", "11:49:33 PM", "2:48 AM EDT", "06:48 UTC", "2:25–2:40 AM" (both ends).
CLOCK = re.compile(
    r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?!\d)"
    r"(?:\s*[–-]\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})(?!\d))?"
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
                 "sources.md", "methodology.md", "run-it-yourself.md", "claims.md", "glossary.md"):
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


# --- Notebook Markdown, times without AM/PM, and the subject of the sentence around a time ------

FENCED_CODE = re.compile(r"```.*?```", re.S)
INLINE_CODE = re.compile(r"`[^`]*`")

#: What the text around the time of an event must name, for each subsystem the event concerns
#: (its own, its related ones, and those of the windows it opens or closes). Case matters for
#: names ("Connect" the service, not "connect" the verb).
SUBJECTS = {
    "ddb-dns": r"DNS|DynamoDB|[Rr]ecord|Enactor|Planner|automation|trigger|race|empty answer|outage|"
               r"[Cc]lient|resolv|cache",
    "ddb": r"DynamoDB|global.table|replica|period 1|[Cc]lient|resolv|cache",
    "ec2": r"EC2|[Ll]aunch|[Ii]nstance|period 3|throttl",
    "dwfm": r"DWFM|[Ll]ease|droplet|collapse|restart|throttl|time.?out|queue|action",
    "netmgr": r"Network Manager|propagat|network (?:state|configuration|connectivity|change)|connectivity|"
              r"backlog|latency",
    "nlb": r"NLB|[Ll]oad balancer|[Hh]ealth.check|failover|period 2",
    "lambda": r"Lambda|SQS",
    "containers": r"ECS|EKS|Fargate|[Cc]ontainer",
    "connect": r"Connect\b",
    "sts": r"STS",
    "signin": r"[Ss]ign.in|[Cc]onsole",
    "redshift": r"Redshift|cluster",
    "support": r"Support",
    "all": r"[Ee]vent|whole|incident",
}

#: A time in notebook Markdown that is not in the timeline is a model's result or an assumed or
#: chosen time, and the sentence has to say so.
MODEL_WORDS = re.compile(
    r"model|assum|simulat|what-if|calibrat|scenario|would|lab\b|seed|counterfactual|contrast|"
    r"choose|choice|chosen|gives|in these runs|[Ff]luid|discrete-event|knob|slider", re.I)


QUOTED = re.compile(r'"[^"\n]*"')


def prose(text):
    """Text without code blocks, inline code and URLs; quotations stay, since they carry times too."""
    return re.sub(r"https?://\S+", "", INLINE_CODE.sub("", FENCED_CODE.sub("", text)))


def read_text(path):
    """A chapter's Markdown, or the Markdown cells of a notebook's percent-format source."""
    if path.suffix == ".py":
        return "\n\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def paragraphs(text):
    """(heading, sentences) for each paragraph: a table row or a heading stands alone, a list item
    or an admonition starts a new paragraph, and a paragraph's lines are joined and split after
    '.', '!' or '?'. The heading is the nearest one above (a heading's own is itself)."""
    found, lines, heading = [], [], ""

    def flush():
        if lines:
            found.append((heading, re.split(r"(?<=[.!?])\s+(?=[A-Z(*\"“])", " ".join(lines))))
            lines.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("|", "#")):
            flush()
            if stripped.startswith("|"):
                found.append((heading, [stripped]))
            elif stripped.startswith("#"):
                heading = stripped
                found.append((heading, [stripped]))
        elif re.match(r"([-*+]|\d+\.)\s", stripped) or stripped.startswith(("!!!", "===", "*Figure")):
            flush()
            lines.append(stripped)
        else:
            lines.append(stripped)
    flush()
    return found


def sentences(text):
    return [sentence for _, paragraph in paragraphs(text) for sentence in paragraph]


def bare_times(text):
    """Clock times written with neither AM/PM nor UTC ("9:36", "09:36", "7:04 to 11:27 AM")."""
    return [m.group(0).strip() for m in CLOCK.finditer(QUOTED.sub("", prose(text)))
            if not m.group("ampm") and m.group("zone") != "UTC"]


def _events_by_time(timeline):
    by_time = {}
    for e in timeline.events:
        if e.pdt is not None:
            by_time.setdefault(("PDT", e.pdt), []).append(e)
            utc = e.utc.strftime("%H:%M:%S" if e.precision == "second" else "%H:%M")
            by_time.setdefault(("UTC", utc), []).append(e)
    return by_time


def _subjects(timeline, event):
    windows = [w for w in timeline.windows if event.id in (w.start_event, w.end_event)]
    return {*event.subsystems, *(w.subsystem for w in windows)}


def unnamed_subjects(text, timeline, models_may_differ=False):
    """(time, event ids, sentence) for each time of a stated event when neither its sentence nor
    the sentence before it in the paragraph (which an "it" may point back to) names any subsystem
    of the events at that time.

    With `models_may_differ` (notebook Markdown), a sentence whose context (those two sentences
    and its section's heading) says it is about a model, an assumption or a what-if is not
    checked: a model's time may equal a stated one by chance ("a Network Manager cut at 6:00 AM"
    is not Lambda's 6:00 AM)."""
    by_time, problems = _events_by_time(timeline), []
    for heading, paragraph in paragraphs(prose(text)):
        for i, sentence in enumerate(paragraph):
            around = " ".join(paragraph[max(0, i - 1):i + 1])
            if models_may_differ and MODEL_WORDS.search(f"{heading} {around}"):
                continue
            for written, zone, value in clock_times(sentence):
                events = by_time.get((zone, value), [])
                subjects = {s for e in events for s in _subjects(timeline, e)}
                if events and not any(re.search(SUBJECTS[s], around) for s in subjects):
                    problems.append((written, [e.id for e in events], sentence[:200]))
    return problems


def test_every_subsystem_has_a_subject():
    assert set(SUBJECTS) == set(SUBSYSTEMS)


def test_sentences_and_bare_times_are_read_as_meant():
    text = "A first line\ncontinues here at 9:36 AM. Then 09:36 and 7:04 to 11:27 AM.\n\n| 2:25 AM | row |\n- an item"
    assert sentences(text) == ["A first line continues here at 9:36 AM.", "Then 09:36 and 7:04 to 11:27 AM.",
                               "| 2:25 AM | row |", "- an item"]
    assert bare_times(text) == ["09:36", "7:04"]
    assert bare_times("2:25–2:40 AM, 06:48 UTC, 11:48 PM–2:25 AM, scale 1:100, `09:36`") == []


@pytest.mark.parametrize("path", CHAPTERS + NOTEBOOKS, ids=lambda p: p.name)
def test_every_clock_time_says_am_pm_or_utc(path):
    """A time written as "9:36" or "09:36" could be either half of the day, or UTC."""
    assert bare_times(read_text(path)) == [], path.name


def unmarked_unknown_times(text, timeline):
    """(time, sentence) for each time that is not in the timeline data, in a paragraph that says
    nothing of a model, an assumption or a what-if, and under a heading that does not either."""
    pdt, utc = _known_times(timeline)
    return [
        (written, sentence[:200])
        for heading, paragraph in paragraphs(prose(text))
        for sentence in paragraph
        for written, zone, value in clock_times(sentence)
        if value not in (utc if zone == "UTC" else pdt)
        and not MODEL_WORDS.search(" ".join([heading, *paragraph]))
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_times_are_in_the_timeline_or_said_to_be_the_models(timeline, path):
    """A time no source states (a model's result, an assumed or a what-if time) may appear in a
    notebook only in a paragraph, or under a heading, that says it is about a model."""
    unknown = unmarked_unknown_times(read_text(path), timeline)
    assert not unknown, f"{path.name}: times neither in the timeline nor marked as the model's: {unknown}"


def test_an_unstated_time_is_caught_unless_it_is_the_models(timeline):
    assert unmarked_unknown_times("## Recovery\n\nEngineers restarted DWFM at 4:20 AM PDT.", timeline)
    assert not unmarked_unknown_times("## Recovery\n\nIn the model, every lease is back by 5:27 AM PDT.", timeline)
    assert not unmarked_unknown_times("## Recovery\n\nEngineers restarted DWFM at 4:14 AM PDT.", timeline)


@pytest.mark.parametrize("path", CHAPTERS + NOTEBOOKS, ids=lambda p: p.name)
def test_the_sentence_around_a_stated_time_names_its_subject(timeline, path):
    """A stated time is attached to what happened then: "NLB failover was switched off at 10:36 AM"
    or "the flapping stopped at 9:36 AM" without NLB, its health checks or failover is caught."""
    problems = unnamed_subjects(read_text(path), timeline, models_may_differ=path.suffix == ".py")
    assert not problems, f"{path.name}: the sentence does not name what happened at that time: {problems}"


@pytest.mark.parametrize("text, caught", [
    ("NLB's automatic failover was switched off at 10:36 AM PDT.", True),  # 10:36 is Network Manager and EC2
    ("DWFM hosts were restarted at 9:36 AM PDT.", True),  # 9:36 is NLB
    ("Lambda recovered at 1:25 AM PDT.", True),  # 1:25 is sign-in
    ("The automation was disabled at 12:38 UTC.", False),  # K02, from the talk
    ("Engineers switched NLB's automatic failover off at 9:36 AM PDT.", False),
    ("| 2:25 AM to 10:36 AM | new launches fail |", False),
])
def test_a_time_attached_to_the_wrong_subject_is_caught(timeline, text, caught):
    assert bool(unnamed_subjects(text, timeline)) is caught


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
