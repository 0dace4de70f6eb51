"""The one notebook-execution step, and the drift check that guards its outputs.

    python -m outage.site.notebooks execute [NAME ...]   # run .py sources, write .ipynb + figures
    python -m outage.site.notebooks check                # no execution: inputs and figures in sync

Sources are Jupytext percent-format `notebooks/NAME.py`; execution writes the paired
`notebooks/NAME.ipynb` (reviewed and committed) and exports every cell tagged `figure:FIGNAME`
to `snippets/figures/FIGNAME.html`, for chapters to include. Execution stops at the first error
and names the notebook and the cell. Rendering (mkdocs-jupyter) never executes anything, so the
renderer can be swapped without touching this step.

The `.ipynb` records a digest of its inputs (`metadata.outage.inputs_sha256`); `check` fails when
a source was edited after its outputs were produced, when the paired cells disagree, or when an
exported figure differs from the notebook's output. Whether the outputs still match what the
code computes today is nbval's job (`pytest --nbval`), which re-executes every cell.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK_DIR = ROOT / "notebooks"
FIGURE_DIR = ROOT / "snippets" / "figures"
FIGURE_TAG = "figure:"
CELL_TIMEOUT_S = 600
SITE_BUILD_ENV = "OUTAGE_SITE_BUILD"


class NotebookError(Exception):
    """A notebook failed to execute or is out of sync with its source."""


@dataclass(frozen=True)
class Pair:
    """A notebook source and its executed twin."""

    source: Path

    @property
    def name(self) -> str:
        return self.source.stem

    @property
    def executed(self) -> Path:
        return self.source.with_suffix(".ipynb")


def pairs(names: list[str] | None = None, notebook_dir: Path = NOTEBOOK_DIR) -> list[Pair]:
    """The notebooks to work on: all `*.py` in `notebook_dir`, or those named."""
    found = {path.stem: Pair(path) for path in sorted(notebook_dir.glob("*.py"))}
    if not names:
        return list(found.values())
    unknown = [name for name in names if name not in found]
    if unknown:
        raise NotebookError(f"no notebook named {', '.join(unknown)} in {notebook_dir.name}/")
    return [found[name] for name in names]


def _cell_inputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [
        {
            "cell_type": cell.cell_type,
            "source": cell.source,
            "tags": list(cell.metadata.get("tags", [])),
        }
        for cell in notebook.cells
    ]


def inputs_digest(notebook: nbformat.NotebookNode) -> str:
    """SHA-256 of the cells' types, sources and tags: what the outputs were computed from."""
    text = json.dumps(_cell_inputs(notebook), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _describe_cell(notebook: nbformat.NotebookNode, index: int) -> str:
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    first_line = notebook.cells[index].source.strip().splitlines()[:1]
    number = code_cells.index(index) + 1 if index in code_cells else index + 1
    return f"code cell {number} (`{first_line[0] if first_line else ''}`)"


def _normalise(notebook: nbformat.NotebookNode) -> None:
    """Remove what changes between runs but says nothing about the results."""
    execution_count = 0
    for index, cell in enumerate(notebook.cells):
        # Jupytext gives every cell a random id when it reads a .py file.
        cell.id = f"cell-{index}"
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        execution_count += 1
        cell.execution_count = execution_count
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = execution_count
    notebook.metadata.pop("widgets", None)


def figure_exports(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """The HTML of every cell tagged `figure:NAME`, by NAME."""
    exports: dict[str, str] = {}
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            if not tag.startswith(FIGURE_TAG):
                continue
            name = tag[len(FIGURE_TAG):]
            htmls = [
                output.data["text/html"]
                for output in cell.get("outputs", [])
                if "data" in output and "text/html" in output.data
            ]
            if len(htmls) != 1:
                raise NotebookError(
                    f"cell tagged {tag} must show exactly one figure, it shows {len(htmls)}"
                )
            exports[name] = htmls[0] + "\n"
    return exports


def execute(pair: Pair, figure_dir: Path = FIGURE_DIR) -> None:
    """Execute one notebook from its source; write the `.ipynb` and its tagged figures."""
    notebook = jupytext.read(pair.source)
    try:
        with tempfile.TemporaryDirectory(prefix="outage-kernel-") as sockets:
            # Unix sockets rather than TCP on loopback: nothing to listen on, nothing to warn of.
            kernel = Config(KernelManager={"transport": "ipc", "ip": str(Path(sockets) / "kernel")})
            client = NotebookClient(
                notebook,
                config=kernel,
                timeout=CELL_TIMEOUT_S,
                kernel_name="python3",
                allow_errors=False,
                record_timing=False,
                resources={"metadata": {"path": str(pair.source.parent)}},
            )
            # Cells that measure the machine they run on (the live lab) skip themselves when
            # they see this, so that the published outputs are the same on every build.
            client.execute(env={**os.environ, SITE_BUILD_ENV: "1"})
    except CellExecutionError as error:
        index = next(
            (i for i, cell in enumerate(notebook.cells)
             if any(o.get("output_type") == "error" for o in cell.get("outputs", []))),
            None,
        )
        where = _describe_cell(notebook, index) if index is not None else "a cell"
        summary = f"{error.ename}: {error.evalue}"
        raise NotebookError(f"{pair.source.name}: {where} failed: {summary}") from None
    _normalise(notebook)
    notebook.metadata["outage"] = {"inputs_sha256": inputs_digest(notebook)}
    exports = figure_exports(notebook)
    jupytext.write(notebook, pair.executed, fmt="ipynb")
    figure_dir.mkdir(parents=True, exist_ok=True)
    for name, text in exports.items():
        (figure_dir / f"{name}.html").write_text(text, encoding="utf-8")


def execute_all(selected: list[Pair], jobs: int) -> None:
    """Execute notebooks, `jobs` at a time; stop at the first failure and report it.

    Notebooks are independent (each reads the package and `data/`, writes only its own files),
    so they can run side by side; each kernel is its own process. The largest sources start
    first: they are the ones that compute most, and starting the longest jobs first keeps one
    of them from running alone at the end.
    """
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        running = {}
        for pair in sorted(selected, key=lambda pair: pair.source.stat().st_size, reverse=True):
            running[pool.submit(_execute_and_report, pair)] = pair
        for future in as_completed(running):
            error = future.exception()
            if error is not None:
                for other in running:
                    other.cancel()
                raise error


def _execute_and_report(pair: Pair) -> None:
    name = pair.source.relative_to(ROOT)
    print(f"executing {name}", flush=True)
    start = time.perf_counter()
    execute(pair)
    print(f"executed {name} in {time.perf_counter() - start:.0f} s", flush=True)


def drift(pair: Pair, figure_dir: Path = FIGURE_DIR) -> list[str]:
    """Every way the stored `.ipynb` and its figures disagree with the `.py` source."""
    if not pair.executed.exists():
        return [f"{pair.executed.name} is missing: execute {pair.name}"]
    source = jupytext.read(pair.source)
    stored = nbformat.read(pair.executed, as_version=4)
    problems = []
    if _cell_inputs(source) != _cell_inputs(stored):
        problems.append(f"{pair.executed.name} and {pair.source.name} have different cells")
    recorded = stored.metadata.get("outage", {}).get("inputs_sha256")
    if recorded != inputs_digest(source):
        problems.append(f"{pair.executed.name} outputs were not produced from {pair.source.name}")
    if any(o.get("output_type") == "error" for c in stored.cells for o in c.get("outputs", [])):
        problems.append(f"{pair.executed.name} stores an error output")
    for name, text in figure_exports(stored).items():
        exported = figure_dir / f"{name}.html"
        if not exported.exists() or exported.read_text(encoding="utf-8") != text:
            problems.append(f"{exported.name} is not the figure stored in {pair.executed.name}")
    return [f"{problem}: run `python -m outage.site.notebooks execute {pair.name}`"
            for problem in problems]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outage.site.notebooks")
    parser.add_argument("action", choices=("execute", "check"))
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1,
        help="notebooks executed at once, each in its own kernel (default: one per core)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    try:
        selected = pairs(args.names)
        if args.action == "execute":
            execute_all(selected, jobs=args.jobs)
            return 0
        problems = [problem for pair in selected for problem in drift(pair)]
    except NotebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"drift: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
