"""The site's figure conventions (outage.plotting): each rule of `problems()` on known figures."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from outage import plotting


def good_figure() -> go.Figure:
    fig = go.Figure([
        go.Scatter(x=[1, 2], y=[3, 4], name="first", hovertext=["2:25 AM", "2:40 AM"]),
        go.Bar(x=[1, 2], y=[1, 2], name="second", text=["a", "b"], marker_color="#4e79a7",
               textfont_color=plotting.text_colour_on("#4e79a7")),
    ])
    fig.update_layout(xaxis_title="time (PDT)", yaxis_title="errors per second")
    return fig


def test_a_figure_that_keeps_the_rules_has_no_problems():
    assert plotting.problems(good_figure()) == []


def test_a_missing_axis_title_is_a_problem():
    fig = good_figure().update_layout(yaxis_title=None)
    assert plotting.problems(fig) == ["yaxis has no title (say what it measures and its unit)"]


def test_a_hidden_axis_needs_no_title():
    fig = good_figure().update_layout(yaxis=dict(title=None, showticklabels=False))
    assert plotting.problems(fig) == []


def test_a_vertical_legend_is_a_problem_and_the_template_legend_is_horizontal():
    assert plotting.problems(good_figure().update_layout(legend_orientation="v"))
    assert go.Figure().layout.template.layout.legend.orientation == "h"


def test_a_title_too_long_for_a_phone_is_a_problem():
    fig = good_figure().update_layout(title="A very long title that explains the whole figure in words")
    assert any("title is" in problem for problem in plotting.problems(fig))


@pytest.mark.parametrize("text", ["start: T22", "fig-1c6a7151c2", "see cell-12"])
def test_internal_ids_in_hover_text_are_problems(text):
    fig = good_figure()
    fig.data[0].hovertext = [text, "fine"]
    assert any("internal id" in problem for problem in plotting.problems(fig))


def test_internal_ids_in_animation_frames_are_problems():
    fig = good_figure()
    fig.frames = [go.Frame(data=[go.Scatter(x=[1], y=[1], hovertext=["T05"])])]
    assert any("internal id" in problem for problem in plotting.problems(fig))


def test_text_on_filled_marks_needs_contrast_and_an_explicit_colour():
    fig = good_figure()
    fig.data[1].textfont.color = "#777777"
    fig.data[1].marker.color = "#888888"
    assert any("contrast" in problem for problem in plotting.problems(fig))
    fig.data[1].textfont.color = None
    assert any("explicit colour" in problem for problem in plotting.problems(fig))


def test_text_beside_a_marker_is_not_text_on_a_fill():
    fig = good_figure()
    fig.add_scatter(x=[1], y=[1], mode="markers+text", text=["label"], textposition="middle right",
                    marker_color="#888888", name="third")
    assert plotting.problems(fig) == []


@pytest.mark.parametrize("fill,text", [
    ("#ffffff", "#000000"), ("#000000", "#ffffff"), ("#edc948", "#000000"),  # amber
    ("#e15759", "#000000"), ("#4e79a7", "#000000"), ("#1f3b73", "#ffffff"),
])
def test_text_colour_on_a_fill_reads_at_4_5_to_1(fill, text):
    # Mid-tones (the site colourway's blue) read better in black; either way at least 4.5:1.
    assert plotting.text_colour_on(fill) == text
    assert plotting.contrast_ratio(fill, text) >= plotting.MIN_CONTRAST


def test_contrast_ratio_has_the_wcag_end_points():
    assert plotting.contrast_ratio("#000", "#fff") == pytest.approx(21.0)
    assert plotting.contrast_ratio("rgb(10, 20, 30)", "rgb(10,20,30)") == pytest.approx(1.0)
    with pytest.raises(ValueError, match="colour"):
        plotting.contrast_ratio("teal-ish", "#fff")


def test_clock_is_the_sites_time_format():
    assert plotting.clock(dt.time(2, 25)) == "2:25 AM"
    assert plotting.clock(dt.datetime(2025, 10, 19, 23, 48)) == "11:48 PM"
    assert plotting.clock(dt.time(12, 0)) == "12:00 PM"
    axis = plotting.time_axis()
    assert axis["tickformat"] == "%-I:%M %p" and "PDT" in axis["title"]["text"]


def test_wrap_keeps_words_whole_and_lines_short():
    assert plotting.wrap("Period 1: DynamoDB API errors, no new connections", 20) == (
        "Period 1: DynamoDB<br>API errors, no new<br>connections")
