"""What the browser tests share: which pages the site has, and how to watch and check a page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlparse

from axe_playwright_python.sync_playwright import Axe

from conftest import ROOT

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
KEY_PAGES = ("", "race/", "notebooks/race/", "notebooks/cascade/")
# Only these axe impacts fail the test; "moderate" and "minor" findings are reported, not fatal.
FATAL_IMPACTS = {"serious", "critical"}
FIGURE_TIMEOUT_MS = 15_000


def site_pages(built_site, site_url) -> list[str]:
    """Every page of the sitemap, as a URL on the local server."""
    tree = ET.parse(built_site.site_dir / "sitemap.xml")
    locations = [node.text for node in tree.iter() if node.tag.endswith("loc")]
    return [urljoin(site_url, urlparse(location).path.lstrip("/")) for location in locations]


class PageWatch:
    """Collects console errors, uncaught exceptions and requests to other hosts."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("requestfailed", lambda req: self.errors.append(f"failed: {req.url}"))
        page.on("request", self._request)

    def _request(self, request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host != "127.0.0.1":
            self.foreign.append(request.url)


def _await_new_content(page, old_article) -> None:
    """Material's instant navigation changes the address before it swaps the page's markup:
    wait until the article shown is no longer the one that was there before."""
    page.wait_for_function("old => !old.isConnected", arg=old_article, timeout=FIGURE_TIMEOUT_MS)


def follow_link(page, selector: str, url) -> None:
    """Click a link inside the site and wait until its page is both addressed and shown."""
    old = page.query_selector("article")
    page.click(selector)
    page.wait_for_url(url, wait_until="commit")
    _await_new_content(page, old)


def go_back(page, url) -> None:
    """The browser's Back button, waiting until the previous page is shown again."""
    old = page.query_selector("article")
    page.go_back()
    page.wait_for_url(url, wait_until="commit")
    _await_new_content(page, old)


def wait_for_figures(page) -> list[dict]:
    """Wait until every figure placeholder on show holds a drawn plot; describe each one.

    A figure inside a closed content tab has no width and is drawn when its tab opens
    (figures.js); open the tab and call this again to check it.
    """
    page.wait_for_function(
        """() => [...document.querySelectorAll('div.plotly-figure')]
                 .filter(div => div.clientWidth > 0)
                 .every(div => div.dataset.rendered === 'true')""",
        timeout=FIGURE_TIMEOUT_MS,
    )
    return page.evaluate(
        """() => Promise.all([...document.querySelectorAll('div.plotly-figure')]
                               .filter(div => div.clientWidth > 0).map(async div => {
               const response = await fetch(div.dataset.figureSrc);
               if (!response.ok) throw new Error(`${div.dataset.figureSrc}: ${response.status}`);
               const spec = await response.json();
               return {
                 id: div.id,
                 expectedTraces: spec.data.length,
                 drawnTraces: div._fullData ? div._fullData.length : 0,
                 svgTraces: div.querySelectorAll('svg.main-svg g.trace').length,
                 fontColour: div._fullLayout ? div._fullLayout.font.color : null,
               };
           }))"""
    )


def assert_figures_drawn(figures):
    for figure in figures:
        assert figure["drawnTraces"] == figure["expectedTraces"], figure
        assert figure["svgTraces"] >= 1, figure


def serious_violations(page) -> list[tuple[str, str, int]]:
    results = Axe().run(page)
    return [
        (violation["id"], violation["impact"], len(violation["nodes"]))
        for violation in results.response["violations"]
        if violation["impact"] in FATAL_IMPACTS
    ]
