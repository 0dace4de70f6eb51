"""The race checker in the reader's browser: what is packed, the panel, its limits, and the run.

The panel ("Check it yourself") runs this project's own race model and checker, unmodified,
in Pyodide inside a Web Worker. At build time (hooks/live_check.py) the Python sources the
run needs are packed into one zip, byte for byte as they are in ``src/``; the worker unpacks
it and calls :func:`run_json`. Which files are packed is not a list kept by hand: it is the
closure of the module-level ``outage`` imports of this module (:func:`packed_modules`), so
a new import in the model is packed too, and one Pyodide cannot satisfy (numpy, plotly)
shows up in the tests.

This module therefore has two sides and imports only the standard library and the model at
module level: the build side (:func:`packed_files`, :func:`pack`, :func:`panel_html`) and the
browser side (:func:`validate`, :func:`run`, :func:`run_json`). Both read the same
:data:`LIMITS`, so the panel's input ranges and the worker's checks cannot disagree.
"""

from __future__ import annotations

import ast
import hashlib
import html
import io
import json
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from outage.checker import explore
from outage.race import model as race
from outage.race.figures import step_through_spec
from outage.race.report import Check

#: The module the worker imports; everything it imports from ``outage`` is packed with it.
ENTRY = "outage.site.live_check"
#: The marker a page carries where the panel goes (an HTML comment alone on its line).
MARKER = "<!-- live-check race -->"
#: States explored between two progress messages to the page.
PROGRESS_EVERY = 2_000


@dataclass(frozen=True)
class Limit:
    """An integer input: its range, default, and why the range stops where it does."""

    name: str
    label: str
    low: int
    high: int
    default: int
    why: str

    def message(self, high: int | None = None) -> str:
        top = self.high if high is None else high
        return f"{self.label} must be a whole number from {self.low:,} to {top:,} ({self.why})"


#: The panel's size limits. Every state costs memory in the tab and about 20 µs of Python
#: compiled to WebAssembly; the budget, not the sizes, bounds a run's time.
LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("enactors", "Enactors", 1, 4, 3,
          "AWS runs three, one per Availability Zone; each one more multiplies the states"),
    Limit("plans", "Plans", 1, 8, 5,
          "generations published after plan 0; each one more multiplies the states"),
    Limit("endpoints", "Endpoints", 1, 4, 2,
          "the model names four: regional, IPv6, FIPS, account-specific"),
    Limit("keep", "Keep", 0, 7, 1,
          "generations clean-up keeps behind the applied one; smaller than plans, or clean-up "
          "could never delete a plan"),
    Limit("max_states", "State budget", 1_000, 500_000, 200_000,
          "a browser tab holds about half a million states; a run that reaches the budget "
          "answers incomplete"),
)}

#: The fixes, as the command line names them, with what each changes.
FIX_LABELS = {
    race.CONDITIONAL_WRITE: "conditional write — Route 53 rejects a plan older than the active one",
    race.CLEANUP_GUARD: "clean-up guard — clean-up never deletes a plan that is active",
    race.FENCING_TOKEN: "fencing token — an endpoint rejects a run older than the last it accepted",
}

#: Labels of the model's reading switches (its boolean parameters). A switch missing here is
#: still offered, under its field name.
SWITCH_LABELS = {
    "lock": "the per-endpoint TXT-record lock (AWS talk DAT453)",
}


#: The model's readings of its sources that are not yes/no (string fields of
#: :class:`outage.race.model.Params`): the question each answers, and a label per value.
#: Every value the model accepts must be here (a test checks it); the model's default comes
#: first in the panel.
READINGS: dict[str, tuple[str, dict[str, str]]] = {
    "write_deleted": ("Writing a plan that clean-up has already deleted", {
        race.REBUILD: "rebuilds its records",
        race.EMPTY: "leaves no records",
    }),
    "check_against": ("The one-time check compares the new plan with", {
        race.OWN: "the Enactor's last plan",
        race.APPLIED_IN_DNS: "the plan in DNS",
    }),
}


class InputError(ValueError):
    """A panel value out of range; the message is one line naming the input and its range."""


def switches() -> list[str]:
    """The model's reading switches: the boolean fields of :class:`outage.race.model.Params`."""
    defaults = race.Params()
    return [f.name for f in fields(race.Params) if isinstance(getattr(defaults, f.name), bool)]


# --- browser side -----------------------------------------------------------------------


def _whole(name: str, raw: object) -> int:
    limit = LIMITS[name]
    if isinstance(raw, bool):
        raise InputError(limit.message())
    try:
        value = int(str(raw).strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise InputError(limit.message()) from None
    return value


def validate(values: Mapping[str, object]) -> tuple[race.Params, int]:
    """The model parameters and the state budget of one run, from the panel's values.

    ``values`` holds ``enactors``, ``plans``, ``endpoints``, ``keep``, ``max_states``
    (numbers or strings of digits), ``fixes`` (a list of fix names) and each switch as a
    boolean; missing entries take their defaults. Raises :class:`InputError` with one line
    naming the first bad input and its valid range.
    """
    numbers = {}
    for name, limit in LIMITS.items():
        value = _whole(name, values.get(name, limit.default))
        high = limit.high
        if name == "keep":
            high = min(high, numbers["plans"] - 1)
        if not limit.low <= value <= high:
            raise InputError(limit.message(high))
        numbers[name] = value
    fixes = values.get("fixes", [])
    if isinstance(fixes, str):
        fixes = [fixes]
    unknown = [f for f in fixes if f not in race.FIXES]
    if unknown:
        raise InputError(f"Fixes must be any of {', '.join(race.FIXES)} (got {unknown[0]!r})")
    flags = {name: bool(values.get(name, False)) for name in switches()}
    defaults = race.Params()
    readings = {}
    for name, (question, labels) in READINGS.items():
        value = values.get(name, getattr(defaults, name))
        if value not in labels:
            raise InputError(f"{question} must be one of {', '.join(labels)} (got {value!r})")
        readings[name] = value
    max_states = numbers.pop("max_states")
    return race.Params(**numbers, fixes=frozenset(fixes), **flags, **readings), max_states


def run(values: Mapping[str, object],
        on_progress: Callable[[int], None] | None = None) -> dict:
    """Check the race model for the panel's ``values``: the command line's JSON report
    (``python -m outage race check --json``) plus ``figure``, the step-through of the
    shortest counterexample (:func:`outage.race.figures.step_through_spec`) or ``None``,
    and ``figure_seconds`` (``figure_error`` says why a violation has no figure). Raises
    :class:`InputError` for a bad value.

    ``on_progress`` is called with the number of distinct states every
    :data:`PROGRESS_EVERY` states. Cost: one exploration (see :func:`outage.checker.explore`)
    and, for a violation, one step-through.
    """
    p, max_states = validate(values)
    exploration = explore(race.model(p), max_states=max_states, on_progress=on_progress,
                          progress_every=PROGRESS_EVERY)
    out = Check(p, exploration, max_states).to_json()
    violated = exploration.violated
    started = time.perf_counter()
    figure = None
    if violated is not None and violated.trace is not None:
        try:
            figure = step_through_spec(p, violated.trace, exploration.initial[0])
        except RuntimeError as error:  # a progress search from a state beyond its own budget
            out["figure_error"] = str(error)
    out["figure"] = figure
    out["figure_seconds"] = round(time.perf_counter() - started, 3)
    return out


def run_json(request: str, on_progress: Callable[[int], None] | None = None) -> str:
    """:func:`run` for the worker, JSON in and out; a bad value gives ``{"error": line}``."""
    try:
        return json.dumps(run(json.loads(request), on_progress))
    except InputError as error:
        return json.dumps({"error": str(error)})
    except MemoryError:
        return json.dumps({"error": "The browser ran out of memory for this run: lower the "
                                    "size or the state budget"})


# --- build side -------------------------------------------------------------------------


def _module_file(src: Path, module: str) -> Path | None:
    base = src.joinpath(*module.split("."))
    if (base / "__init__.py").exists():
        return base / "__init__.py"
    if base.with_suffix(".py").exists():
        return base.with_suffix(".py")
    return None


def _top_level_imports(tree: ast.Module, package: str) -> set[str]:
    """Modules a module imports when it is imported: statements at module level, in
    ``try``/``if`` blocks too, except ``if TYPE_CHECKING:`` (imports inside functions run
    only when called, and the panel's run does not call the plotly wrappers)."""
    found: set[str] = set()

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


def packed_modules(src: Path) -> list[str]:
    """The ``outage`` modules the panel's run imports, :data:`ENTRY` and the packages
    that contain them included, sorted."""
    seen: set[str] = set()
    todo = [ENTRY]
    while todo:
        module = todo.pop()
        parts = module.split(".")
        for k in range(1, len(parts) + 1):
            name = ".".join(parts[:k])
            path = _module_file(src, name)
            if path is None or name in seen:
                continue
            seen.add(name)
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            for imported in _top_level_imports(ast.parse(path.read_text()), package):
                if imported == "outage" or imported.startswith("outage."):
                    todo.append(imported)
    return sorted(seen)


def packed_files(src: Path) -> list[Path]:
    """The source files packed for the browser, relative to ``src`` (e.g.
    ``outage/checker/explore.py``), sorted."""
    return sorted(_module_file(src, m).relative_to(src) for m in packed_modules(src))


def pack(src: Path) -> bytes:
    """The zip the worker unpacks: each packed file under its path relative to ``src``,
    stored byte for byte. The zip itself is reproducible (fixed timestamps and order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in packed_files(src):
            info = zipfile.ZipInfo(relative.as_posix(), date_time=(2025, 10, 20, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (src / relative).read_bytes())
    return buffer.getvalue()


def digest(data: bytes) -> str:
    """A short content hash, used to name what the browser may cache."""
    return hashlib.sha256(data).hexdigest()[:12]


def _number_input(limit: Limit) -> str:
    return (f'<label class="live-check__field"><span>{html.escape(limit.label)}</span>'
            f'<input name="{limit.name}" type="number" inputmode="numeric" min="{limit.low}" '
            f'max="{limit.high}" step="1" value="{limit.default}" required '
            f'data-why="{html.escape(limit.why)}"></label>')


def _checkbox(name: str, value: str, label: str) -> str:
    value_attr = f' value="{html.escape(value)}"' if value else ""
    return (f'<label class="live-check__check"><input type="checkbox" name="{name}"{value_attr}>'
            f"<span>{html.escape(label)}</span></label>")


def _select(name: str) -> str:
    question, labels = READINGS[name]
    default = getattr(race.Params(), name)
    ordered = [default] + [v for v in labels if v != default]
    options = "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == default else ""}>'
        f'{html.escape(labels[v])}{" (default)" if v == default else ""}</option>' for v in ordered)
    return (f'<label class="live-check__field live-check__reading"><span>{html.escape(question)}'
            f'</span><select name="{name}" data-default="{html.escape(default)}">{options}'
            f"</select></label>")


def panel_html(pack_url: str, pyodide_url: str, template: Mapping | None = None,
               download_bytes: int | None = None) -> str:
    """The panel, as one block of HTML with no blank line (so Markdown passes it through).

    ``pack_url`` and ``pyodide_url`` are relative to the site root: the zip of sources and
    the folder of Pyodide's runtime files. ``template`` is the site's Plotly template as
    plain data (``outage.site.renderer.TEMPLATE``, which needs plotly, so the build passes
    it in): the browser applies it to the step-through, as the notebook's renderer does.
    ``download_bytes``: what the first Run downloads (Pyodide and the sources), told to the
    reader before they press Run. The
    panel loads nothing until Run (``javascripts/live-check.js`` drives it). It is kept out
    of the search index.
    """
    size = "".join(_number_input(LIMITS[n]) for n in ("enactors", "plans", "endpoints", "keep"))
    fixes = "".join(_checkbox("fix", f, FIX_LABELS.get(f, f)) for f in race.FIXES)
    reading = "".join(_checkbox(n, "", SWITCH_LABELS.get(n, n.replace("_", " ")))
                      for n in switches()) + "".join(_select(n) for n in READINGS)
    budget = LIMITS["max_states"]
    size_text = f", about {download_bytes / 1e6:.0f} MB" if download_bytes else ""
    parts = [
        '<section class="live-check" data-search-exclude>',
        f'<div class="live-check__panel" data-live-check="race" data-pack="{html.escape(pack_url)}" '
        f'data-pyodide="{html.escape(pyodide_url)}"'
        + (f' data-template="{html.escape(json.dumps(template, separators=(",", ":")))}"'
           if template else "")
        + (f' data-download="about {download_bytes / 1e6:.0f} MB"' if download_bytes else "")
        + ">",
        '<p class="live-check__title"><strong>Check it yourself.</strong> '
        "Run this site's own race model and model checker in your browser: the same Python "
        "files as <code>python -m outage race check</code>, in Pyodide (Python compiled to "
        f"WebAssembly{size_text}, served by this site and loaded on the first Run).</p>",
        '<form class="live-check__form" novalidate>',
        f'<fieldset class="live-check__sizes"><legend>Size</legend>{size}</fieldset>',
        f'<fieldset><legend>Fixes</legend>{fixes}</fieldset>',
    ]
    if reading:
        parts.append(f'<fieldset><legend>Model reading</legend>{reading}</fieldset>')
    parts += [
        f'<fieldset class="live-check__sizes"><legend>Limit</legend>{_number_input(budget)}'
        f"</fieldset>",
        '<div class="live-check__buttons">'
        '<button type="submit" class="md-button md-button--primary" data-run>Run</button>'
        '<button type="button" class="md-button" data-stop disabled>Stop</button></div>',
        "</form>",
        '<p class="live-check__error" data-error role="alert" hidden></p>',
        '<div class="live-check__result" data-result data-verdict="" data-states="" '
        'data-run-id="" role="status" aria-live="polite"></div>',
        '<div class="live-check__details" data-details></div>',
        "</div>",
        "</section>",
    ]
    return "".join(parts)
