"""The DNS caching figures: what they draw from the model's records, and the site's figure rules.

Most tests feed hand-made records (curves, sweep points, amplification points) so that every
drawn value can be checked; one draws a real small run.
"""

import datetime as dt
import math

import numpy as np
import pytest

from outage import plotting
from outage.dns import figures
from outage.dns.amplification import REFERENCE_POINTS, AmplificationPoint
from outage.dns.population import simulate
from outage.dns.recovery import CurvePoint, SweepPoint, recovery_curve
from outage.dns.resolution import OBSERVED_TAIL_S
from outage.timeline import load_timeline

from .conftest import SMALL


def ramp(end_s: float, step_s: float = 60.0, until_s: float = 1080.0) -> list[CurvePoint]:
    """A recovery curve rising linearly from 0 at the fix to 1 at `end_s`."""
    grid = np.arange(0.0, until_s + 1, step_s)
    return [CurvePoint(float(t), float(min(1.0, t / end_s)) if end_s else 1.0) for t in grid]


def as_pdt(ms: float) -> dt.datetime:
    """A position on a Plotly date axis (ms since 1970 on the axis's clock) as a datetime."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=float(ms))


def sweep_points() -> list[SweepPoint]:
    runs = {("soa_ttl_s", 300.0): (320.0, 330.0), ("soa_ttl_s", 900.0): (880.0, 920.0),
            ("client_negative_ttl_s", 0.0): (890.0, 900.0),
            ("client_negative_ttl_s", 900.0): (1790.0, 1810.0),
            ("record_ttl_s", 5.0): (900.0, 910.0)}
    return [SweepPoint(knob, value, seed, None, None, last, abs(last - 900) <= 120)
            for (knob, value), lasts in runs.items() for seed, last in enumerate(lasts)]


def amplification_points() -> list[AmplificationPoint]:
    ratios = {"empty, negative caching": (0.006, 0.006, 0.006),
              "empty, no negative caching": (45.5, 4.2, 6.7),
              "timeout, no failure caching": (136.5, 12.5, 20.2),
              "timeout, failure caching (RFC 9520)": (0.056, 0.055, 0.055)}
    return [AmplificationPoint(setup, retry, 0, ratio, 1.0)
            for setup, row in ratios.items()
            for retry, ratio in zip(("fixed", "backoff", "backoff_jitter"), row)]


def all_figures():
    return {
        "recovery": figures.recovery_chart([ramp(900.0), ramp(800.0)], contrast=ramp(480.0)),
        "ttl": figures.ttl_sensitivity_chart(sweep_points()),
        "amplification": figures.amplification_chart(amplification_points()),
        "features": figures.feature_chart(
            {"as_observed": ramp(900.0), "empty_serve_stale": ramp(900.0),
             "timeout": ramp(30.0), "timeout_failure_caching": ramp(300.0)},
            labels={"as_observed": "empty answer, no feature"}),
    }


@pytest.mark.parametrize("name", sorted(all_figures()))
def test_every_figure_keeps_the_site_rules(name):
    fig = all_figures()[name]
    assert plotting.problems(fig) == []
    assert fig.layout.width is None
    assert not (fig.layout.title and fig.layout.title.text)
    assert fig.layout.legend.orientation is None  # the template's horizontal legend


def test_the_fix_is_the_timelines_2_25_am():
    restored = [e for e in load_timeline().events
                if e.pdt == "02:25" and "DNS information is restored" in e.what]
    assert len(restored) == 1
    assert restored[0].pdt_datetime.replace(tzinfo=None) == figures.FIX_PDT


def test_recovery_chart_draws_seeds_as_one_legend_entry_on_a_pdt_clock():
    fig = figures.recovery_chart([ramp(900.0), ramp(850.0), ramp(800.0)], contrast=ramp(480.0))
    assert len(fig.data) == 4
    assert [t.showlegend for t in fig.data] == [True, False, False, None]
    assert fig.data[0].name == "default assumptions, 3 seeds"
    assert fig.data[3].line.dash == "dash"
    assert as_pdt(fig.data[0].x[0]) == dt.datetime(2025, 10, 20, 2, 25)
    assert as_pdt(fig.data[0].x[-1]) == dt.datetime(2025, 10, 20, 2, 43)
    assert list(fig.data[1].y[:3]) == pytest.approx([0.0, 60 / 850, 120 / 850])
    x = fig.layout.xaxis
    assert x.type == "date" and x.tickformat == plotting.CLOCK_FORMAT
    assert "PDT" in x.title.text and "20 Oct" in x.title.text
    assert "%" in fig.layout.yaxis.title.text
    assert [s.x0 for s in fig.layout.shapes] == ["2025-10-20T02:25:00", "2025-10-20T02:40:00"]
    assert [a.text for a in fig.layout.annotations] == ["records restored",
                                                        "DynamoDB<br>errors end"]


def test_clock_positions_match_the_iso_clock_of_the_event_lines():
    fig = figures.recovery_chart([ramp(900.0, step_s=900.0)])
    lines = [dt.datetime.fromisoformat(shape.x0) for shape in fig.layout.shapes]
    assert [as_pdt(x) for x in fig.data[0].x[:2]] == lines


def test_recovery_chart_hover_says_the_seed_and_the_clock():
    fig = figures.recovery_chart([ramp(900.0), ramp(800.0)])
    assert len(fig.data) == 2
    assert "seed 1" in fig.data[1].hovertemplate
    assert "%{x|%-I:%M:%S %p} PDT" in fig.data[1].hovertemplate


def test_recovery_chart_of_a_real_run():
    run = simulate(SMALL, 0)
    curve = recovery_curve(run, np.arange(0.0, 1081.0, 30.0))
    fig = figures.recovery_chart([curve])
    assert plotting.problems(fig) == []
    assert fig.data[0].name == "default assumptions"
    assert fig.data[0].y[-1] == 1.0


def test_ttl_chart_plots_the_mean_over_seeds_in_minutes_with_zero_on_the_axis():
    fig = figures.ttl_sensitivity_chart(sweep_points())
    assert [t.name for t in fig.data] == ["SOA TTL (negative TTL)", "client negative TTL",
                                          "record (positive) TTL"]
    soa, client, record = fig.data
    assert list(soa.x) == [5.0, 15.0] and list(soa.y) == pytest.approx([325 / 60, 900 / 60])
    # A TTL of 0 s is a point of its own (a log axis would drop it).
    assert list(client.x) == [0.0, 15.0] and fig.layout.xaxis.type is None
    assert "min" in fig.layout.yaxis.title.text and "PDT" in fig.layout.yaxis.title.text
    assert "minutes" in fig.layout.xaxis.title.text
    assert "seeds: 880-920 s" in soa.hovertext[1]
    band = fig.layout.shapes[0]
    assert (band.y0, band.y1) == pytest.approx((13.0, 17.0))
    assert len(record.x) == 1


def test_ttl_chart_leaves_a_gap_where_a_run_never_recovered():
    points = sweep_points() + [SweepPoint("record_ttl_s", 60.0, 0, None, None, None, False)]
    record = figures.ttl_sensitivity_chart(points).data[2]
    assert list(record.y) == [pytest.approx(905 / 60), None]
    assert "not within the run" in record.hovertext[1]


def test_amplification_reference_lines_sit_at_the_values_they_name():
    fig = figures.amplification_chart(amplification_points())
    bars = [t for t in fig.data if t.type == "bar"]
    lines = [t for t in fig.data if t.type == "scatter"]
    assert len(bars) == 3 and len(lines) == 1 + len(REFERENCE_POINTS)
    assert [tuple(t.x) for t in lines] == [(1.0, 1.0), (8.0, 8.0), (100.0, 100.0)]
    assert [t.text[1] for t in lines] == ["normal", "8×", "100×"]
    # Drawn in data units on an axis of their own running 0-1 down the plot.
    assert all(t.yaxis == "y2" and tuple(t.y) == (0, 1) for t in lines)
    assert tuple(fig.layout.yaxis2.range) == (0, 1) and fig.layout.yaxis2.visible is False
    assert "Moura" in lines[1].hovertext[0] and "Cloudflare" in lines[2].hovertext[0]


def test_amplification_log_axis_covers_the_bars_and_the_lines_and_no_more():
    fig = figures.amplification_chart(amplification_points())
    x = fig.layout.xaxis
    assert x.type == "log" and "× normal" in x.title.text and "log" in x.title.text
    low, high = (10 ** v for v in x.range)  # Plotly takes a log axis's range in log10 units
    ratios = [p.ratio for p in amplification_points()]
    assert low < min(ratios) and high > max(ratios + [100.0])
    assert high < 1000  # the old chart's axis ran to 10^108
    # Nothing is placed by value on the log axis with shapes or annotations: Plotly reads an
    # annotation's position there as log10 of the value (a label "at 8" lands at 10^8).
    assert not fig.layout.shapes
    assert all(a.xref == "paper" for a in fig.layout.annotations)


def test_amplification_bars_name_set_ups_and_retries_in_readers_words():
    fig = figures.amplification_chart(amplification_points())
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == ["every 1 s, no backoff", "exponential backoff",
                                      "backoff, full jitter"]
    assert all(b.orientation == "h" for b in bars)
    assert list(bars[0].x) == [0.006, 45.5, 136.5, 0.056]
    assert [a.text for a in fig.layout.annotations] == [
        "empty, negative caching", "empty, no negative caching",
        "timeout, no failure caching", "timeout, failure caching (RFC 9520)"]
    # The first set-up (what happened) on top, and a header band above it for the labels.
    top, bottom = fig.layout.yaxis.range[1], fig.layout.yaxis.range[0]
    assert bottom == 3.5 and top < -0.5
    assert "backoff_jitter" not in " ".join(bars[2].hovertext)
    assert "136× normal load" in bars[0].hovertext[2]


def test_feature_chart_colours_by_feature_and_dashes_the_timeouts():
    fig = figures.feature_chart(
        {"as_observed": ramp(900.0), "empty_serve_stale": ramp(900.0),
         "empty_last_known_good": ramp(0.0), "timeout": ramp(30.0),
         "timeout_serve_stale": ramp(0.0), "timeout_failure_caching": ramp(300.0)},
        labels={"as_observed": "empty answer, no feature", "timeout": "timeout, no feature"})
    assert len(fig.data) == 6
    dashes = [t.line.dash for t in fig.data]
    assert dashes == ["solid", "solid", "solid", "dash", "dash", "dash"]
    colours = [t.line.color for t in fig.data]
    assert colours[0] == colours[3] and colours[1] == colours[4]
    assert len({colours[0], colours[1], colours[2], colours[5]}) == 4
    # Curves without a feature are wide, so one lying exactly on them stays visible.
    assert fig.data[0].line.width > fig.data[1].line.width
    assert fig.data[0].name == "empty answer, no feature"
    assert fig.data[4].name == "timeout serve stale"  # no label given: the name, in words
    assert [a.text for a in fig.layout.annotations] == ["DynamoDB<br>errors end"]
    assert fig.layout.xaxis.tickformat == plotting.CLOCK_FORMAT


def test_event_line_at_the_end_of_the_tail_is_15_minutes_after_the_fix():
    fig = figures.feature_chart({"as_observed": ramp(900.0)})
    end = dt.datetime.fromisoformat(fig.layout.shapes[1].x0)
    assert end - figures.FIX_PDT == dt.timedelta(seconds=OBSERVED_TAIL_S)
    assert math.isclose(OBSERVED_TAIL_S, 900.0)
