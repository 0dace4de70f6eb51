"""Screenshots of the pages a first-time reader meets, for before/after comparisons.

    .venv/bin/python benchmarks/screenshots.py SITE_DIR LABEL

Serves a built site (`mkdocs build --site-dir SITE_DIR`) on a free loopback port and saves the
first screen of the home page, the race chapter and the race and cascade notebooks at 390 px
(a phone) and 1280 px, in light and dark mode, as `benchmarks/screenshots/LABEL/PAGE-WIDTH-SCHEME.jpg`
(first screen only, JPEG, so that a set stays well under 2 MB). Prints each page's document
width: more than the viewport means the page scrolls sideways.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = ("", "race/", "notebooks/race/", "notebooks/cascade/")
SIZES = ((390, 844), (1280, 900))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
OUT = Path(__file__).resolve().parent / "screenshots"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    site, label = Path(argv[0]), argv[1]
    if not (site / "index.html").exists():
        print(f"error: {site} holds no built site (index.html missing)", file=sys.stderr)
        return 2
    out = OUT / label
    out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for path in PAGES:
                for width, height in SIZES:
                    for scheme in ("light", "dark"):
                        context = browser.new_context(viewport={"width": width, "height": height},
                                                      color_scheme=scheme)
                        page = context.new_page()
                        page.goto(base + path, wait_until="load")
                        page.wait_for_function(
                            "[...document.querySelectorAll('div.plotly-figure')]"
                            ".every(d => d.dataset.rendered === 'true')", timeout=20_000)
                        page.wait_for_timeout(300)
                        name = f"{path.strip('/').replace('/', '-') or 'home'}-{width}-{scheme}"
                        page.screenshot(path=str(out / f"{name}.jpg"), type="jpeg", quality=55)
                        print(f"{name}: document {page.evaluate('document.documentElement.scrollWidth')} px wide")
                        context.close()
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
