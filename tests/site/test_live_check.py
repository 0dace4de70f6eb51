"""The in-page race checker ("Check it yourself").

Fast tests: what is packed (byte for byte from src/, and enough to run without numpy or
plotly), the panel's limits and messages, the run's report against the command line's, and
the build hook (markers in chapters and notebook cells, left alone elsewhere).
Build tests: the built site carries the packed sources and Pyodide's runtime, and the panel
on the race chapter and the race notebook page.
Browser tests (`@pytest.mark.browser`): nothing of Pyodide loads before Run; runs through the
panel give the command line's verdicts and state counts; a violation draws the step-through
with the command line's trace length; Stop and the budget answer "incomplete"; bad input gets
one line; no request leaves 127.0.0.1; a phone and dark mode work, and axe finds nothing
serious.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from browsing import follow_link
from conftest import ROOT

from outage.race import model as race
from outage.site import live_check

SRC = ROOT / "src"
PYODIDE = ROOT / "node_modules" / "pyodide"
CHAPTER, NOTEBOOK = "race/", "notebooks/race/"
INCIDENT = dict(enactors=3, plans=5, endpoints=2, keep=1)
RUN_TIMEOUT_MS = 180_000  # a cold run loads Pyodide; generous for a loaded CI machine


def load_hook():
    spec = importlib.util.spec_from_file_location("live_check_hook", ROOT / "hooks" / "live_check.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


def cli_check(fix: str, max_states: int | None = None, **size) -> dict:
    size = {**INCIDENT, **size}
    args = [sys.executable, "-m", "outage", "race", "check", "--fix", fix, "--json"]
    for name, value in size.items():
        args += [f"--{name}", str(value)]
    if max_states is not None:
        args += ["--max-states", str(max_states)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode in (0, 1, 3), done.stderr  # holds, violated, incomplete
    return json.loads(done.stdout)


def without_timings(report: dict) -> dict:
    return {k: v for k, v in report.items()
            if k not in ("seconds", "figure", "figure_seconds", "figure_error")}


# --- what is packed ---------------------------------------------------------------------


def test_packed_files_are_the_run_s_imports_and_nothing_that_needs_numpy_or_plotly():
    files = {p.as_posix() for p in live_check.packed_files(SRC)}
    assert {"outage/__init__.py", "outage/checker/explore.py", "outage/checker/progress.py",
            "outage/race/model.py", "outage/race/report.py", "outage/race/figures.py",
            "outage/plotstyle.py", "outage/site/live_check.py"} <= files
    # The Monte Carlo (numpy), the plotting helpers (plotly) and the CLI are not needed.
    assert not files & {"outage/race/montecarlo.py", "outage/plotting.py", "outage/cli.py",
                        "outage/race/cli.py", "outage/site/renderer.py"}


def test_the_zip_holds_src_byte_for_byte():
    archive = zipfile.ZipFile(io.BytesIO(live_check.pack(SRC)))
    names = archive.namelist()
    assert names == [p.as_posix() for p in live_check.packed_files(SRC)]
    for name in names:
        assert archive.read(name) == (SRC / name).read_bytes(), name
    assert live_check.pack(SRC) == live_check.pack(SRC)  # reproducible: same bytes, same hash


def test_the_packed_sources_alone_run_a_check_without_numpy_or_plotly(tmp_path):
    """Python without site-packages (-S -I), with only the unpacked zip on its path: what the
    worker has in Pyodide. The report equals the command line's."""
    zipfile.ZipFile(io.BytesIO(live_check.pack(SRC))).extractall(tmp_path)
    script = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from outage.site import live_check\n"
        "seen = []\n"
        "out = json.loads(live_check.run_json(json.dumps({'enactors': 2, 'plans': 3, 'endpoints': 1,"
        " 'keep': 1, 'fixes': [], 'max_states': 1000}), seen.append))\n"
        "assert 'numpy' not in sys.modules and 'plotly' not in sys.modules, sorted(sys.modules)\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([sys.executable, "-S", "-I", "-c", script], capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    expected = cli_check("none", 1000, enactors=2, plans=3, endpoints=1, keep=1)
    assert without_timings(report) == without_timings(expected)
    assert report["verdict"] == "violated" and len(report["figure"]["frames"]) == report["trace_length"] + 1


# --- the panel's limits and the run -----------------------------------------------------


@pytest.mark.parametrize("values,start", [
    ({"enactors": 5}, "Enactors must be a whole number from 1 to 4 ("),
    ({"enactors": 0}, "Enactors must be a whole number from 1 to 4 ("),
    ({"enactors": "three"}, "Enactors must be a whole number from 1 to 4 ("),
    ({"enactors": True}, "Enactors must be a whole number from 1 to 4 ("),
    ({"plans": 9}, "Plans must be a whole number from 1 to 8 ("),
    ({"endpoints": "2.5"}, "Endpoints must be a whole number from 1 to 4 ("),
    ({"plans": 5, "keep": 5}, "Keep must be a whole number from 0 to 4 ("),
    ({"plans": 2, "keep": -1}, "Keep must be a whole number from 0 to 1 ("),
    ({"max_states": 999}, "State budget must be a whole number from 1,000 to 500,000 ("),
    ({"max_states": 600_000}, "State budget must be a whole number from 1,000 to 500,000 ("),
    ({"fixes": ["retry"]}, "Fixes must be any of conditional-write, cleanup-guard, fencing-token"),
])
def test_a_bad_value_gets_one_line_naming_it_and_its_range(values, start):
    with pytest.raises(live_check.InputError) as caught:
        live_check.validate(values)
    message = str(caught.value)
    assert message.startswith(start) and "\n" not in message
    assert json.loads(live_check.run_json(json.dumps(values))) == {"error": message}


def test_good_values_become_the_model_s_params():
    p, budget = live_check.validate({"enactors": "4", "plans": 6, "endpoints": 3, "keep": "2",
                                     "fixes": ["conditional-write", "fencing-token"],
                                     "lock": True, "max_states": "250,000"})
    assert p == race.Params(4, 6, 3, 2, frozenset({"conditional-write", "fencing-token"}), lock=True)
    assert budget == 250_000
    p, budget = live_check.validate({})
    assert p == race.Params() and budget == live_check.LIMITS["max_states"].default
    p, _ = live_check.validate({"write_deleted": "empty", "check_against": "applied"})
    assert (p.write_deleted, p.check_against) == ("empty", "applied")


def test_every_reading_the_model_accepts_is_offered_and_nothing_else():
    assert set(live_check.READINGS["write_deleted"][1]) == set(race.WRITE_DELETED)
    assert set(live_check.READINGS["check_against"][1]) == set(race.CHECK_AGAINST)
    # Every string field of Params with a fixed set of values is a reading of the panel.
    defaults = race.Params()
    strings = {name for name in race.Params.__dataclass_fields__
               if isinstance(getattr(defaults, name), str)}
    assert strings == set(live_check.READINGS)
    with pytest.raises(live_check.InputError, match="^Writing a plan that clean-up has already deleted must be one of rebuild, empty"):
        live_check.validate({"write_deleted": "vanish"})
    html = live_check.panel_html("x.zip", "p/")
    assert '<select name="write_deleted" data-default="rebuild"><option value="rebuild" selected>' in html
    assert '<select name="check_against" data-default="own"><option value="own" selected>' in html


def test_every_boolean_parameter_of_the_model_is_a_switch():
    assert "lock" in live_check.switches()
    assert set(live_check.switches()) <= {f for f in race.Params.__dataclass_fields__}


@pytest.mark.parametrize("fix,reading", [
    ("none", {}), ("conditional-write", {}), ("cleanup-guard", {}),
    ("cleanup-guard", {"write_deleted": "empty"}), ("none", {"check_against": "applied"}),
])
def test_a_run_reports_what_the_command_line_reports(fix, reading):
    values = dict(enactors=2, plans=3, endpoints=2, keep=1, max_states=100_000,
                  fixes=[] if fix == "none" else [fix], **reading)
    calls = []
    report = live_check.run(values, calls.append)
    assert without_timings(report) == without_timings(
        cli_check(fix, 100_000, enactors=2, plans=3, endpoints=2, keep=1,
                  **{k.replace("_", "-"): v for k, v in reading.items()}))
    if report["verdict"] == "violated":
        figure = report["figure"]
        assert len(figure["frames"]) == report["trace_length"] + 1
        assert len(figure["layout"]["sliders"][0]["steps"]) == report["trace_length"] + 1
        json.dumps(figure)  # plain data, as the worker posts it
    else:
        assert report["figure"] is None


def test_a_violation_whose_figure_cannot_be_built_still_reports_its_verdict(monkeypatch):
    def too_big(*args):
        raise RuntimeError("more than 200,000 states reachable from this state")

    monkeypatch.setattr(live_check, "step_through_spec", too_big)
    report = live_check.run(dict(enactors=2, plans=3, endpoints=1, keep=1))
    assert report["verdict"] == "violated" and report["figure"] is None
    assert report["figure_error"] == "more than 200,000 states reachable from this state"


def test_progress_is_reported_while_the_search_runs():
    calls = []
    report = live_check.run(dict(INCIDENT, fixes=["conditional-write"]), calls.append)
    assert report["states"] == 6987
    assert calls and calls == sorted(calls) and calls[-1] <= report["states"]


def test_a_budget_that_runs_out_answers_incomplete_never_holds():
    report = live_check.run(dict(INCIDENT, fixes=["conditional-write"], max_states=1_000))
    assert report["verdict"] == "incomplete" and report["states"] == 1_000
    assert report["complete"] is False and report["figure"] is None
    assert "holds" not in {p["verdict"] for p in report["properties"] if p["kind"] == "always"}


# --- the panel's HTML and the hook ------------------------------------------------------


def test_the_panel_carries_the_contract_the_page_script_and_tests_use():
    html = live_check.panel_html("live-check/outage-x.zip", "live-check/pyodide-1/")
    assert "\n\n" not in html and '<div class="live-check__panel" data-live-check="race"' in html
    for name, limit in live_check.LIMITS.items():
        assert (f'name="{name}" type="number" inputmode="numeric" min="{limit.low}" '
                f'max="{limit.high}" step="1" value="{limit.default}"') in html
    for fix in race.FIXES:
        assert f'<input type="checkbox" name="fix" value="{fix}">' in html
    assert '<input type="checkbox" name="lock">' in html
    assert "data-run>" in html and "data-stop disabled>" in html
    assert 'data-result data-verdict="" data-states="" data-run-id=""' in html
    assert 'data-pack="live-check/outage-x.zip" data-pyodide="live-check/pyodide-1/"' in html
    # Out of the search index, with a wrapper tag nothing inside it repeats.
    assert html.startswith('<section class="live-check" data-search-exclude>')
    assert html.count("<section") == 1
    # Every input has a label around it.
    assert html.count("<input") + html.count("<select") == html.count("<label")


def page(src_uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), meta={})


def test_hook_replaces_a_marker_line_in_markdown_and_nothing_else():
    hook = load_hook()
    hook.on_pre_build({})
    markdown = "# T\n\nText with `<!-- live-check race -->` in code.\n\n<!-- live-check race -->\n\nAfter.\n"
    out = hook.on_page_markdown(markdown, page("race.md"), {}, None)
    assert out.count('data-live-check="race"') == 1
    assert "Text with `<!-- live-check race -->` in code." in out
    panel = hook._panel()
    assert panel.startswith("<section") and "data-template=" in panel
    assert "\n\n" + panel + "\n\n" in out
    plain = "# T\n\nNo panel here.\n"
    assert hook.on_page_markdown(plain, page("other.md"), {}, None) is plain


def test_hook_finds_the_marker_in_a_notebook_cell_before_comments_are_stripped(tmp_path):
    """mkdocs-jupyter keeps an HTML comment of a Markdown cell; the hook runs before
    hooks/notebook_pages.py (which removes comments), and the panel survives that hook."""
    import nbformat
    from mkdocs_jupyter import convert

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Race\n\nText."),
                      nbformat.v4.new_markdown_cell("Try it here.\n\n<!-- live-check race -->")]
    path = tmp_path / "race.ipynb"
    nbformat.write(notebook, path)
    html = convert.nb2html(str(path), execute=False, theme="light")
    assert live_check.MARKER in html

    hook = load_hook()
    hook.on_pre_build({})
    spec = importlib.util.spec_from_file_location("notebook_pages_hook", ROOT / "hooks" / "notebook_pages.py")
    pages_hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pages_hook)
    assert getattr(hook.on_page_content, "mkdocs_priority", 0) > getattr(
        pages_hook.on_page_content, "mkdocs_priority", 0)

    with_panel = hook.on_page_content(html, page("notebooks/race.ipynb"), {}, None)
    assert live_check.MARKER not in with_panel and with_panel.count('data-live-check="race"') == 1
    for name in ("enactors", "plans", "endpoints", "keep", "fix", "lock", "max_states"):
        assert f'name="{name}"' in with_panel
    assert hook.on_page_content(html, page("race.md"), {}, None) is html


# --- the built site ---------------------------------------------------------------------


def test_the_site_serves_the_pinned_pyodide_and_the_packed_sources(built_site):
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"]
    # Exact, not a range: the runtime's folder is named after it and the lock must agree.
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), pinned
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/pyodide"]
    assert locked["version"] == pinned and locked["integrity"].startswith("sha512-")
    runtime = built_site.site_dir / "live-check" / f"pyodide-{pinned}"
    for name in load_hook().PYODIDE_FILES:
        assert (runtime / name).read_bytes() == (PYODIDE / name).read_bytes(), name
    packs = list((built_site.site_dir / "live-check").glob("outage-*.zip"))
    assert len(packs) == 1
    data = packs[0].read_bytes()
    assert packs[0].name == f"outage-{live_check.digest(data)}.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        assert archive.read(name) == (SRC / name).read_bytes(), f"{name} differs from src/"
    assert archive.namelist() == [p.as_posix() for p in live_check.packed_files(SRC)]


@pytest.mark.parametrize("where", [CHAPTER, NOTEBOOK])
def test_the_race_chapter_and_notebook_have_the_panel_and_stay_light(built_site, where):
    html = (built_site.site_dir / where / "index.html").read_text()
    assert html.count('data-live-check="race"') == 1, f"{where} has no panel: add the marker"
    assert live_check.MARKER not in html
    assert len(html.encode()) <= 150_000
    # The page names the worker's inputs only as data: no script of Pyodide is on the page.
    assert "pyodide.mjs" not in html and "live-check-worker" not in html


# --- in the browser ---------------------------------------------------------------------

RESULT = "[data-live-check=race] [data-result]"
SETTLED = f"""() => {{
  const r = document.querySelector('{RESULT}');
  return r.dataset.runId && r.dataset.verdict && r.dataset.verdict !== 'running';
}}"""


def result_of(page_) -> dict:
    return page_.evaluate(f"""() => {{
      const r = document.querySelector('{RESULT}');
      const rows = [...document.querySelectorAll('[data-live-check=race] tr[data-property]')];
      const fig = document.querySelector('[data-live-check=race] .live-check__figure');
      return {{
        verdict: r.dataset.verdict, states: Number(r.dataset.states), runId: r.dataset.runId,
        text: r.innerText,
        properties: Object.fromEntries(rows.map(tr => [tr.dataset.property, tr.dataset.verdict])),
        figure: fig ? {{
          rendered: fig.dataset.rendered === 'true',
          steps: fig.layout && fig.layout.sliders ? fig.layout.sliders[0].steps.length : null,
          traces: fig._fullData ? fig._fullData.length : 0,
          fontColour: fig._fullLayout ? fig._fullLayout.font.color : null,
        }} : null,
      }};
    }}""")


def set_inputs(page_, fixes=(), budget=None, readings=None, **size):
    for name, (_, labels) in live_check.READINGS.items():
        default = getattr(race.Params(), name)
        page_.select_option(f"[data-live-check=race] select[name={name}]",
                            (readings or {}).get(name, default))
    values = {**INCIDENT, **size}
    if budget is not None:
        values["max_states"] = budget
    for name, value in values.items():
        page_.fill(f"[data-live-check=race] input[name={name}]", str(value))
    for box in page_.locator("[data-live-check=race] input[name=fix]").all():
        box.set_checked(box.get_attribute("value") in fixes)


def run(page_, **settings) -> dict:
    before = page_.get_attribute(RESULT, "data-run-id")
    set_inputs(page_, **settings)
    page_.click("[data-live-check=race] [data-run]")
    page_.wait_for_function(f"""() => document.querySelector('{RESULT}').dataset.runId !== {json.dumps(before)}""")
    page_.wait_for_function(SETTLED, timeout=RUN_TIMEOUT_MS)
    return result_of(page_)


def expected_properties(report: dict) -> dict:
    out = {}
    for p in report["properties"]:
        verdict = p["verdict"]
        if not p["required"] and p["kind"].startswith("sometimes") and verdict != "holds":
            verdict = "never" if report["complete"] else "not seen"
        out[p["name"]] = verdict
    return out


def live_requests(page_) -> list[str]:
    requests: list[str] = []
    page_.on("request", lambda r: ("live-check/" in r.url or "live-check-worker" in r.url)
             and requests.append(r.url))
    return requests


@pytest.mark.browser
def test_runs_through_the_panel_match_the_command_line(site_url, new_page):
    page_, watch = new_page()
    loaded = live_requests(page_)
    page_.goto(site_url + CHAPTER)
    page_.wait_for_load_state("networkidle")
    assert loaded == [], "Pyodide or the sources loaded before Run"

    for fix in ("none", "conditional-write"):
        expected = cli_check(fix)
        got = run(page_, fixes=() if fix == "none" else (fix,))
        assert (got["verdict"], got["states"]) == (expected["verdict"], expected["states"]), fix
        assert got["properties"] == expected_properties(expected), fix
        if expected["verdict"] == "violated":
            page_.wait_for_function("() => document.querySelector('.live-check__figure').dataset.rendered === 'true'")
            got = result_of(page_)
            assert got["figure"]["steps"] == expected["trace_length"] + 1
            assert got["figure"]["traces"] >= 4
            assert f"{expected['trace_length']} steps" in got["text"]
        else:
            assert got["figure"] is None
    # A reading of the sources, chosen in the panel, reaches the model: under "a deleted plan
    # written leaves no records" the clean-up guard alone no longer keeps the record.
    expected = cli_check("cleanup-guard", **{"write-deleted": "empty"})
    got = run(page_, fixes=("cleanup-guard",), readings={"write_deleted": "empty"})
    assert expected["verdict"] == "violated"
    assert (got["verdict"], got["states"]) == (expected["verdict"], expected["states"])
    assert got["properties"] == expected_properties(expected)
    assert any(u.endswith("pyodide.asm.wasm") for u in loaded)
    assert any(".zip" in u and "outage-" in u for u in loaded)
    assert watch.foreign == [] and watch.errors == []


@pytest.mark.browser
def test_stop_and_the_budget_answer_incomplete_and_a_new_run_works(site_url, new_page):
    page_, watch = new_page()
    page_.goto(site_url + CHAPTER)
    # A size far beyond the budget; stop it once it reports progress.
    set_inputs(page_, enactors=4, plans=8, endpoints=4, keep=1, budget=500_000)
    page_.click("[data-live-check=race] [data-run]")
    page_.wait_for_function(f"""() => {{
      const r = document.querySelector('{RESULT}');
      return r.dataset.verdict === 'running' && Number(r.dataset.states) > 0;
    }}""", timeout=RUN_TIMEOUT_MS)
    assert page_.is_enabled("[data-live-check=race] [data-stop]")
    page_.click("[data-live-check=race] [data-stop]")
    stopped = result_of(page_)
    assert stopped["verdict"] == "incomplete" and "Stopped" in stopped["text"]
    assert page_.is_enabled("[data-live-check=race] [data-run]")
    page_.wait_for_timeout(500)
    assert result_of(page_)["runId"] == stopped["runId"]  # nothing arrives from the stopped run

    # A budget that runs out: incomplete, never holds.
    got = run(page_, fixes=("conditional-write",), budget=1_000)
    assert got["verdict"] == "incomplete" and got["states"] == 1_000
    assert "holds" not in {v for k, v in got["properties"].items() if k in race.SAFETY[:2]}
    assert watch.foreign == [] and watch.errors == []


@pytest.mark.browser
def test_a_bad_value_gets_one_line_and_runs_nothing(site_url, new_page):
    page_, watch = new_page()
    loaded = live_requests(page_)
    page_.goto(site_url + CHAPTER)
    error = page_.locator("[data-live-check=race] [data-error]")
    for settings, start in (
        (dict(enactors=9), "Enactors must be a whole number from 1 to 4 ("),
        (dict(plans=5, keep=5), "Keep must be a whole number from 0 to 4 ("),
        (dict(budget=10), "State budget must be a whole number from 1,000 to 500,000 ("),
        (dict(endpoints=""), "Endpoints must be a whole number from 1 to 4 ("),
    ):
        set_inputs(page_, **settings)
        page_.click("[data-live-check=race] [data-run]")
        assert error.is_visible()
        text = error.inner_text()
        assert text.startswith(start) and "\n" not in text and "Traceback" not in text
        assert page_.get_attribute(RESULT, "data-verdict") == ""
        set_inputs(page_, budget=200_000)
    # From the keyboard: Enter in a field runs the form; the bad field is marked and focused.
    page_.fill("[data-live-check=race] input[name=plans]", "0")
    page_.focus("[data-live-check=race] input[name=enactors]")
    page_.keyboard.press("Enter")
    assert error.inner_text().startswith("Plans must be a whole number from 1 to 8 (")
    assert page_.evaluate("() => document.activeElement.name") == "plans"
    assert page_.get_attribute("[data-live-check=race] input[name=plans]", "aria-invalid") == "true"
    assert loaded == [] and watch.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_violation_on_a_phone_fits_follows_the_scheme_and_passes_axe(site_url, browser, scheme):
    from browsing import SCREENSHOTS, PageWatch, serious_violations

    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme,
                                  is_mobile=True, has_touch=True, device_scale_factor=1)
    try:
        page_ = context.new_page()
        watch = PageWatch(page_)
        page_.goto(site_url + CHAPTER)
        got = run(page_)
        assert got["verdict"] == "violated"
        page_.wait_for_function("() => document.querySelector('.live-check__figure').dataset.rendered === 'true'")
        page_.wait_for_timeout(300)
        got = result_of(page_)
        text_colour = page_.evaluate("""() => {
          const probe = document.createElement('span');
          probe.style.color = 'var(--md-default-fg-color)';
          document.body.appendChild(probe);
          const colour = getComputedStyle(probe).color;
          probe.remove();
          return colour;
        }""")
        assert got["figure"]["fontColour"] == text_colour
        layout = page_.evaluate("""() => ({
          scroll: document.documentElement.scrollWidth, viewport: window.innerWidth,
          panel: document.querySelector('[data-live-check=race]').getBoundingClientRect().right,
        })""")
        assert layout["scroll"] <= layout["viewport"] and layout["panel"] <= layout["viewport"]
        assert serious_violations(page_) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page_.locator("[data-live-check=race]").screenshot(path=SCREENSHOTS / f"live-check-phone-{scheme}.png")
        assert watch.foreign == [] and watch.errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_the_notebook_page_s_panel_works_after_instant_navigation_and_reuses_python(site_url, new_page):
    page_, watch = new_page()
    page_.goto(site_url + CHAPTER, wait_until="networkidle")
    first = run(page_, fixes=("conditional-write",))
    assert (first["verdict"], first["states"]) == ("holds", 6987)
    page_.evaluate("window.__sameDocument = true")
    follow_link(page_, f'a.md-nav__link[href$="{NOTEBOOK}"]', f"**/{NOTEBOOK}")
    page_.wait_for_selector("[data-live-check=race]")
    assert page_.evaluate("window.__sameDocument === true"), "the link caused a full page load"
    loaded = live_requests(page_)
    second = run(page_, fixes=("conditional-write",))
    assert (second["verdict"], second["states"]) == ("holds", 6987)
    assert "Python started" not in second["text"] and loaded == []  # the worker was kept
    assert watch.foreign == [] and watch.errors == []
