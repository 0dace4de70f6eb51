"""The live lab's figures, drawn from the measurements committed in data/lab (no servers needed).

The model's predictions for the tail chart are hand-made ramps, so the test needs no simulation
and every drawn value can be checked.
"""

import math

import pytest

from outage import plotting
from outage.dns.recovery import CurvePoint, RecoveryPrediction
from outage.lab import figures
from outage.lab.report import load_committed


@pytest.fixture(scope="module")
def race():
    return load_committed("race")


@pytest.fixture(scope="module")
def tail():
    return load_committed("tail")


def ramp_prediction(neg_ttl_real_s: float, steps: int = 10) -> RecoveryPrediction:
    """A model prediction rising linearly to 100 % one negative TTL after the fix (real s)."""
    curve = tuple(CurvePoint(neg_ttl_real_s * i / steps, i / steps) for i in range(steps + 1))
    return RecoveryPrediction(curve, neg_ttl_real_s / 2, neg_ttl_real_s, neg_ttl_real_s)


@pytest.fixture(scope="module")
def predictions(tail):
    return {row["neg_ttl_lab_s"]: ramp_prediction(row["neg_ttl_lab_s"] * tail["scale"])
            for row in tail["settings"]}


@pytest.fixture(scope="module")
def all_figures(race, tail, predictions):
    return {"race": figures.race_chart(race), "tail": figures.tail_chart(tail, predictions),
            "load": figures.load_chart(tail)}


@pytest.mark.parametrize("name", ["race", "tail", "load"])
def test_every_figure_keeps_the_site_rules(all_figures, name):
    fig = all_figures[name]
    assert plotting.problems(fig) == []
    assert fig.layout.width is None
    assert not (fig.layout.title and fig.layout.title.text)
    assert fig.layout.legend.orientation is None  # the template's horizontal legend


def test_race_chart_draws_both_replays_and_the_empty_answer(race):
    fig = figures.race_chart(race)
    assert [t.name for t in fig.data] == ["incident (unconditional write)",
                                          "fix (conditional write)",
                                          "empty answer through Unbound"]
    incident, fixed, empty = fig.data
    assert list(incident.x) == list(range(1, 10))
    # The stale write takes the endpoint back from plan 3 to plan 1 at step 7; the fix refuses it.
    assert list(incident.y) == [0, 0, 0, 0, 0, 3, 1, 1, 1]
    assert list(fixed.y) == [0, 0, 0, 0, 0, 3, 3, 3, 3]
    assert incident.line.shape == "hv" and fixed.line.dash == "dash"
    # The empty answer comes with the clean-up at step 9, on plan 1.
    assert list(empty.x) == [9] and list(empty.y) == [1]
    assert "Enactor B cleans up after plan 3" in empty.hovertext[0]
    assert "NOERROR, 0 answers (EMPTY)" in empty.hovertext[0]
    assert "NXRRSET" in fixed.hovertext[6]
    assert "step" in fig.layout.xaxis.title.text
    assert "generation" in fig.layout.yaxis.title.text


def test_race_chart_of_a_variant_that_never_empties_has_no_cross(race):
    fig = figures.race_chart(race, variants={"lock+conditional-write": "lock and fix"})
    assert [t.name for t in fig.data] == ["lock and fix"]
    assert len(fig.data[0].x) == 12


def test_tail_chart_draws_model_lines_and_measured_clients_per_ttl(tail, predictions):
    fig = figures.tail_chart(tail, predictions)
    settings = tail["settings"]
    assert len(fig.data) == 2 * len(settings) + 2
    keys = fig.data[-2:]
    assert [k.name for k in keys] == ["DNS model", "Unbound (measured)"]
    assert [t.showlegend for t in fig.data[:-2]] == [False] * (2 * len(settings))
    for index, row in enumerate(settings):
        model, measured = fig.data[2 * index], fig.data[2 * index + 1]
        assert model.mode == "lines" and measured.mode == "markers"
        assert model.line.color == measured.marker.color
        # Model times in real seconds are drawn in lab seconds.
        assert model.x[-1] == pytest.approx(row["neg_ttl_lab_s"])
        assert list(measured.x) == sorted(c["recovered_s"] for c in row["clients"])
        assert list(measured.y) == pytest.approx(
            [(i + 1) / len(row["clients"]) for i in range(len(row["clients"]))])
    labels = [a.text for a in fig.layout.annotations]
    assert labels == [f"{row['neg_ttl_real_s']} s" for row in settings]
    assert [a.x for a in fig.layout.annotations] == [row["neg_ttl_lab_s"] for row in settings]
    # Labels take the page's text colour, which the site sets per colour scheme.
    assert all(a.font.color is None for a in fig.layout.annotations)
    assert "lab" in fig.layout.xaxis.title.text and "100" in fig.layout.xaxis.title.text
    assert "%" in fig.layout.yaxis.title.text


def test_tail_chart_hover_names_the_cache_and_unbounds_rule(tail, predictions):
    measured = figures.tail_chart(tail, predictions).data[1]
    # The curve runs in order of recovery: its first point is the cache back first.
    first = min(tail["settings"][0]["clients"], key=lambda c: c["recovered_s"])
    assert (f"Unbound cache {first['resolver'] + 1}, negative TTL 300 s<br>back "
            f"{first['recovered_s']:.2f} lab s" in measured.hovertext[0])
    assert f"Unbound's rule: {first['unbound_rule_s']:.2f} s" in measured.hovertext[0]


def test_load_chart_counts_sit_on_the_bars_and_the_log_axis_holds_them(tail):
    fig = figures.load_chart(tail)
    load = tail["load"]
    assert len(fig.data) == 2
    sent, reached = fig.data
    assert list(sent.y) == [load["cached"]["client_queries"], load["uncached"]["client_queries"]]
    assert list(reached.y) == [load["cached"]["authoritative_queries"],
                               load["uncached"]["authoritative_queries"]]
    assert list(reached.text) == [f"{load['cached']['authoritative_queries']:,}",
                                  f"{load['uncached']['authoritative_queries']:,}"]
    for bar in fig.data:
        assert bar.textfont.color == plotting.text_colour_on(bar.marker.color)
    y = fig.layout.yaxis
    assert y.type == "log" and "log" in y.title.text and "queries" in y.title.text
    low, high = (10 ** v for v in y.range)  # Plotly takes a log axis's range in log10 units
    counts = list(sent.y) + list(reached.y)
    assert low <= min(counts) and max(counts) < high < 10 * max(counts)
    assert math.isclose(low, 1.0)
    assert "2 caches each" in fig.layout.xaxis.title.text
