"""Figures of the race model: a step-through of one trace, and the Monte Carlo sweep.

The step-through is built in two layers. `step_through_spec` turns the model's records (its
`Params` and a trace of actions) into a plain, JSON-able figure dict using only the standard
library, the model itself and `outage.plotstyle`: the same function can then draw the figure
inside the reader's browser (Pyodide has neither plotly nor numpy). `step_through` wraps that
dict in a `plotly.graph_objects.Figure` for notebooks. Nothing here imports plotly or numpy at
module level; the plotly-only functions import it when called.

Layout of the step-through, one row per actor, one column per plan generation:

    plans       [0] [1] [2] [3] [4] [5]     squares: alive / deleted / not yet published
                             v newest        the Planner's newest plan
    regional     <>                          diamond at the endpoint's active plan ("empty")
    IPv6         <>
    Enactor A    o -> regional               circle at the plan it holds, short state label
    ...
    Step 4 of 9: <what the step did>         wrapped text above the plot, and the four
    never empty ✓ · active kept ✓ ...        properties as ✓/✗ (full wording in hover)

A slider moves through the states, one frame per state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from outage.checker import replay
from outage.plotstyle import text_colour_on, wrap
from outage.race import model as race
from outage.race.report import property_checks

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from outage.race.montecarlo import Estimate

#: Fills of plan squares and endpoint diamonds. Alive and deleted differ in lightness too, so
#: they stay apart without colour vision; the numbers on them take `text_colour_on`.
ALIVE = "#59a14f"
DELETED = "#b03a2e"
NOT_PUBLISHED = "#d9d9d9"
ENACTOR = "#4e79a7"
PLANNER = "#f28e2b"

#: The four properties, as the banner writes them (short, for a phone) and in full (hover).
PROPERTY_WORDS = {
    race.RECORD_NEVER_EMPTY: ("never empty", "every endpoint's record still has its plan's records"),
    race.ACTIVE_NEVER_DELETED: ("active kept", "no endpoint's active plan has been deleted by a clean-up"),
    race.NO_REGRESSION: ("no regression", "no endpoint has gone back to an older plan so far"),
    race.PROGRESS: ("progress", "the newest plan can still reach every endpoint from here"),
}

FONT_PX = 12
LINE_PX = 16  # height of one line of 12-px text
MODE_BAR_PX = 34  # band at the top kept free for Plotly's mode bar
LEFT_MARGIN_PX = 74  # room for the row labels ("Enactor A")
STEP_WRAP = 46  # characters per line of the step description (fits 358 px)
ROW_GAP = 1.0


def _short_endpoint(e: int) -> str:
    return race.ENDPOINT_NAMES[e] if e < len(race.ENDPOINT_NAMES) else f"endpoint {e + 1}"


def _row_label(label: str) -> str:
    """At most about 10 characters a line, so that the label fits the left margin."""
    if len(label) > 10 and "-" in label:
        label = label.replace("-", "- ", 1)
        return wrap(label, 10).replace("- <br>", "-<br>").replace("- ", "-")
    return wrap(label, 10)


def _rows(p: race.Params) -> dict[str, float]:
    """y of each row: the plan store on top, then the endpoints, then the Enactors."""
    rows = {"plans": 0.0}
    for e in range(p.endpoints):
        rows[f"endpoint {e}"] = -ROW_GAP * (1.1 + e)
    top = -ROW_GAP * (1.1 + p.endpoints) - 0.3
    for i in range(p.enactors):
        rows[f"enactor {i}"] = top - 0.85 * i
    return rows


def _side(p: race.Params, x: int) -> str:
    """Text beside a mark goes towards the wider side of the plot, so it never leaves it."""
    return "middle right" if x <= p.plans / 2 else "middle left"


def _plan_status(p: race.Params, s: race.State, g: int) -> str:
    if s.deleted >> g & 1:
        return "deleted"
    return "alive" if g <= s.newest else "not published"


def _enactor_words(p: race.Params, s: race.State, i: int) -> tuple[str, str]:
    """A short label for the mark and the full sentence for hover."""
    en = s.enactors[i]
    name = race.enactor_name(i)
    if en.phase == race.IDLE:
        return "idle", f"{name}: idle, last applied plan {en.plan}"
    if en.phase == race.CLEANING:
        return "cleaning up", f"{name}: has written plan {en.plan} everywhere, cleans up next"
    target = race.endpoint_name(en.at)
    lock = ""
    if p.lock:
        lock = ", holding its lock" if en.locked else ", waiting for its lock"
    if race.write_outcome(p, s, i) == race.BLOCKED and (en.locked or not p.lock):
        return ("blocked", f"{name}: writing plan {en.plan}; its write to the {target} is rejected "
                f"for good (the rollback record would point at a deleted plan)")
    return f"→ {_short_endpoint(en.at)}", f"{name}: writing plan {en.plan}, next the {target}{lock}"


#: The traces each frame redraws, in order (the row labels follow them and never change).
TRACE_NAMES = ("plans", "Planner", "endpoints", "Enactors")


def _traces(p: race.Params, s: race.State, rows: dict[str, float], actor: str | None = None) -> list[dict]:
    """The four traces of one state: plan store, Planner, endpoints, Enactors.

    ``actor`` names who took the step into ``s`` ("Planner", "Enactor B"); its label is bold.
    """

    def bold_if(who: str, text: str) -> str:
        return f"<b>{text}</b>" if who == actor and text else text

    gens = list(range(p.plans + 1))
    status = [_plan_status(p, s, g) for g in gens]
    fills = [{"alive": ALIVE, "deleted": DELETED, "not published": NOT_PUBLISHED}[st] for st in status]
    store = dict(
        type="scatter", name="plans", mode="markers+text",
        x=gens, y=[rows["plans"]] * len(gens),
        marker=dict(symbol="square", size=24, color=fills),
        text=[str(g) for g in gens], textposition="middle center",
        textfont=dict(color=[text_colour_on(f) for f in fills]),
        hovertext=[f"plan {g}: {st}" for g, st in zip(gens, status)], hoverinfo="text",
    )
    planner = dict(
        type="scatter", name="Planner", mode="markers+text",
        x=[s.newest], y=[rows["plans"] + 0.5],
        marker=dict(symbol="triangle-down", size=12, color=PLANNER),
        text=[bold_if("Planner", "newest")], textposition=_side(p, s.newest),
        hovertext=[f"Planner: the newest plan it has published is plan {s.newest}"],
        hoverinfo="text",
    )
    endpoints = dict(
        type="scatter", name="endpoints", mode="markers+text",
        x=[ep.active for ep in s.endpoints],
        y=[rows[f"endpoint {e}"] for e in range(p.endpoints)],
        marker=dict(symbol="diamond", size=20, color=[ALIVE if ep.live else DELETED for ep in s.endpoints]),
        text=["" if ep.live else "empty" for ep in s.endpoints],
        textposition=[_side(p, ep.active) for ep in s.endpoints],
        hovertext=[f"{race.endpoint_name(e)}: active plan {ep.active}"
                   + ("" if ep.live else ", whose records are deleted: the record is EMPTY")
                   for e, ep in enumerate(s.endpoints)],
        hoverinfo="text",
    )
    words = [_enactor_words(p, s, i) for i in range(p.enactors)]
    enactors = dict(
        type="scatter", name="Enactors", mode="markers+text",
        x=[en.plan for en in s.enactors],
        y=[rows[f"enactor {i}"] for i in range(p.enactors)],
        marker=dict(symbol="circle", size=16, color=ENACTOR),
        text=[bold_if(race.enactor_name(i), short) for i, (short, _) in enumerate(words)],
        textposition=[_side(p, en.plan) for en in s.enactors],
        hovertext=[full for _, full in words], hoverinfo="text",
    )
    return [store, planner, endpoints, enactors]


def _step_text(p: race.Params, states, trace, k: int) -> str:
    if k == 0:
        head, body = "Start:", "plan 0 is active on every endpoint; every Enactor is idle"
    else:
        head, body = f"Step {k} of {len(trace)}:", race.describe(p, states[k - 1], trace[k - 1])
    lines = wrap(f"{head} {body}", STEP_WRAP).split("<br>")
    lines[0] = f"<b>{head}</b>{lines[0][len(head):]}"
    return "<br>".join(lines)


def _checks_text(checks: dict[str, bool]) -> str:
    marks = [f"{PROPERTY_WORDS[name][0]} {'✓' if ok else '✗'}" if ok
             else f"<b>{PROPERTY_WORDS[name][0]} ✗</b>" for name, ok in checks.items()]
    return " · ".join(marks[:2]) + "<br>" + " · ".join(marks[2:])


CHECKS_HOVER = "<br>".join(f"{short}: {full}" for short, full in PROPERTY_WORDS.values())


def _row_labels(p: race.Params, rows: dict[str, float]) -> dict:
    """Row labels as text in the left margin: direct labels (the rows are actors, not a
    scale). One trace that no frame touches, so the frames do not repeat it."""
    labels = ["plans"] + [_short_endpoint(e) for e in range(p.endpoints)] + [
        race.enactor_name(i) for i in range(p.enactors)]
    return dict(type="scatter", name="row labels", mode="text", x=[-0.6] * len(rows),
                y=list(rows.values()), text=[_row_label(label) for label in labels],
                textposition="middle left", cliponaxis=False, hoverinfo="skip")


def _annotations(step_text: str, checks_text: str, top_px: int) -> list[dict]:
    """The step and the properties, left-aligned from the figure's left edge, below the band
    that Plotly's mode bar covers when it shows."""
    return [
        dict(xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="top",
             xshift=-LEFT_MARGIN_PX + 6, yshift=top_px - MODE_BAR_PX, align="left",
             text=step_text, showarrow=False),
        dict(xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom",
             xshift=-LEFT_MARGIN_PX + 6, yshift=6, align="left", text=checks_text,
             showarrow=False, hovertext=CHECKS_HOVER),
    ]


def step_through_spec(p: race.Params, trace: Sequence[race.Action],
                      initial: race.State | None = None) -> dict:
    """The step-through of ``trace`` as a plain figure dict: ``{"data", "layout", "frames"}``.

    ``trace`` is a sequence of the model's actions (e.g. a property's shortest counterexample
    from :func:`outage.checker.explore`), replayed from ``initial`` (default: the model's
    initial state). One frame per state, ``len(trace) + 1`` in all, and a slider to move
    between them. Each frame shows the plan store, the Planner's newest plan, each endpoint's
    active plan (and whether its record is empty), each Enactor's plan and what it does next;
    above the plot, what the step did and which of the four properties still hold (progress
    is searched forward from the state, see :func:`outage.race.report.property_checks`).

    Pure Python and JSON-able: runs without plotly and numpy. Cost: one replay plus one
    progress search per state until progress is lost.
    """
    trace = list(trace)
    m = race.model(p)
    start = initial if initial is not None else race.init_states(p)[0]
    states = replay(m, trace, start)
    checks = property_checks(p, states, trace)
    rows = _rows(p)
    step_texts = [_step_text(p, states, trace, k) for k in range(len(states))]
    step_lines = max(text.count("<br>") + 1 for text in step_texts)
    top_px = MODE_BAR_PX + step_lines * LINE_PX + 8 + 2 * LINE_PX + 10
    frames = []
    for k, s in enumerate(states):
        frames.append(dict(
            name=str(k), data=_traces(p, s, rows, trace[k - 1].actor if k else None),
            traces=list(range(len(TRACE_NAMES))),
            layout=dict(annotations=_annotations(step_texts[k], _checks_text(checks[k]), top_px)),
        ))
    plot_px = 44 * len(rows) + 30
    layout = dict(
        height=top_px + plot_px + 150,
        margin=dict(l=LEFT_MARGIN_PX, r=16, t=top_px, b=40),
        font=dict(size=FONT_PX),
        showlegend=False,
        hovermode="closest",
        # Zero lines off here too, not only in the site's template: a page that draws the
        # spec itself (in the browser) has no template.
        xaxis=dict(title=dict(text="plan generation"), range=[-0.6, p.plans + 0.6], dtick=1,
                   zeroline=False, fixedrange=True),
        yaxis=dict(showticklabels=False, showgrid=True, zeroline=False, tickvals=list(rows.values()),
                   range=[min(rows.values()) - 0.5, rows["plans"] + 0.9], fixedrange=True),
        annotations=frames[0]["layout"]["annotations"],
        sliders=[dict(
            active=0, currentvalue=dict(prefix="state "),
            pad=dict(t=50, l=0, r=0), x=0, len=1,
            steps=[dict(label=str(k), method="animate",
                        args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                             transition=dict(duration=0))])
                   for k in range(len(states))],
        )],
    )
    return {"data": frames[0]["data"] + [_row_labels(p, rows)], "layout": layout, "frames": frames}


def step_through(p: race.Params, trace: Sequence[race.Action],
                 initial: race.State | None = None) -> go.Figure:
    """:func:`step_through_spec` as a Plotly figure (for notebooks)."""
    import plotly.graph_objects as go

    import outage.plotting  # noqa: F401  (the site's template and renderer)

    return go.Figure(step_through_spec(p, trace, initial))


def montecarlo(points: Sequence[Estimate]) -> go.Figure:
    """Share of simulated days with an empty record against the back-off tail index, one line
    per Planner cadence, with each point's 95 % Wilson interval as error bars.

    ``points`` are :class:`outage.race.montecarlo.Estimate` records, e.g. from ``sweep``. The
    lines are drawn a little apart along x (the tail indices are the ticks), so that
    intervals of equal points do not hide each other.
    """
    import plotly.graph_objects as go

    import outage.plotting  # noqa: F401  (the site's template and renderer)

    cadences = sorted({e.params.cadence_s for e in points})
    tails = sorted({e.params.tail_index for e in points})
    spread = (tails[-1] - tails[0]) * 0.025 if len(tails) > 1 else 0.02
    fig = go.Figure()
    for n, cadence in enumerate(cadences):
        line = sorted((e for e in points if e.params.cadence_s == cadence),
                      key=lambda e: e.params.tail_index)
        offset = (n - (len(cadences) - 1) / 2) * spread
        fig.add_trace(go.Scatter(
            x=[e.params.tail_index + offset for e in line], y=[e.p for e in line],
            mode="lines+markers", name=f"{cadence:g} s", cliponaxis=False,  # points at 0 % whole
            error_y=dict(type="data", symmetric=False, array=[e.high - e.p for e in line],
                         arrayminus=[e.p - e.low for e in line]),
            hovertext=[f"a plan every {cadence:g} s, back-off tail index {e.params.tail_index:g}:<br>"
                       f"{e.failed_days} of {e.days} days with an empty record ({e.p:.0%}),<br>"
                       f"95 % interval {e.low:.0%} to {e.high:.0%}" for e in line],
            hoverinfo="text",
        ))
    fig.update_layout(
        legend=dict(title=dict(text="a plan every")),
        xaxis=dict(title=dict(text="back-off tail index (no unit)<br>smaller = heavier tail"),
                   tickvals=tails, ticktext=[f"{t:g}" for t in tails]),
        yaxis=dict(title=dict(text="days with an empty record (%)"), range=[0, 1],
                   tickformat=".0%"),
        height=420,
    )
    return fig
