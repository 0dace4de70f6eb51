"""The in-page race checker: its panel on the pages that ask for it, and what it loads on Run.

* A page asks for the panel with the marker `<!-- live-check race -->` on a line of its own:
  in a chapter's Markdown, or in a notebook's Markdown cell (mkdocs-jupyter keeps the comment
  in the rendered cell). The marker is replaced by the panel's HTML
  (`outage.site.live_check.panel_html`), which carries the site's Plotly template for the
  counterexample figure; a page without the marker is left as it was.
* After the build, the site gets `live-check/`: the zip of the Python sources the run imports,
  packed byte for byte from `src/` (`outage.site.live_check.pack`), and Pyodide's runtime
  files copied from `node_modules/pyodide` (installed by `npm ci` from package-lock.json) into
  a folder named after its version. Nothing of it is loaded until a reader presses Run.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from outage.site import live_check, renderer

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PYODIDE = ROOT / "node_modules" / "pyodide"
#: What a module Web Worker needs to start Python with the standard library and no packages.
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
MARKDOWN_MARKER = re.compile(r"^[ \t]*" + re.escape(live_check.MARKER) + r"[ \t]*$", re.MULTILINE)
HTML_MARKER = re.compile(re.escape(live_check.MARKER))

_state: dict[str, object] = {}


def _pyodide_version() -> str:
    package = PYODIDE / "package.json"
    if not package.exists():
        raise PluginError("node_modules/pyodide is missing: run scripts/setup (it runs npm ci)")
    return json.loads(package.read_text())["version"]


def on_pre_build(config):
    data = live_check.pack(SRC)
    _state["pack"] = data
    _state["pack_url"] = f"live-check/outage-{live_check.digest(data)}.zip"
    _state["pyodide_url"] = f"live-check/pyodide-{_pyodide_version()}/"
    _state["template"] = renderer.TEMPLATE.to_plotly_json()
    _state["download_bytes"] = len(data) + sum(
        (PYODIDE / name).stat().st_size for name in PYODIDE_FILES if (PYODIDE / name).exists())


def _panel() -> str:
    return live_check.panel_html(_state["pack_url"], _state["pyodide_url"], _state["template"],
                                 _state["download_bytes"])


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.endswith(".ipynb") or live_check.MARKER not in markdown:
        return markdown
    return MARKDOWN_MARKER.sub(lambda _: "\n" + _panel() + "\n", markdown)


# Before hooks/notebook_pages.py, which removes every HTML comment from notebook pages.
@event_priority(50)
def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb") or live_check.MARKER not in html:
        return html
    return HTML_MARKER.sub(lambda _: _panel(), html)


def on_post_build(config):
    target = Path(config["site_dir"]) / "live-check"
    target.mkdir(parents=True, exist_ok=True)
    (Path(config["site_dir"]) / _state["pack_url"]).write_bytes(_state["pack"])
    runtime = Path(config["site_dir"]) / _state["pyodide_url"]
    runtime.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        source = PYODIDE / name
        if not source.exists():
            raise PluginError(f"{source} is missing: run scripts/setup (it runs npm ci)")
        destination = runtime / name
        if not destination.exists() or destination.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, destination)
