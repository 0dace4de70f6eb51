"""Every page of the built site in Chromium: loads cleanly, draws its figures, passes axe-core.

Every page loads without console errors and without a request to any host but 127.0.0.1; every
Plotly figure is drawn as an SVG with its traces; axe-core finds no serious or critical
accessibility violation. Kept apart from test_browser.py so the two run on separate workers.
"""

from __future__ import annotations

import pytest

from browsing import assert_figures_drawn, serious_violations, site_pages, wait_for_figures

pytestmark = pytest.mark.browser


def test_every_page_loads_cleanly_draws_its_figures_and_passes_axe(built_site, site_url, new_page):
    pages = site_pages(built_site, site_url)
    assert len(pages) >= 2
    figure_count = 0
    for url in pages:
        page, watch = new_page()
        page.goto(url, wait_until="load")
        figures = wait_for_figures(page)
        assert_figures_drawn(figures)
        figure_count += len(figures)
        page.wait_for_load_state("networkidle")
        assert watch.errors == [], url
        assert watch.foreign == [], url
        assert serious_violations(page) == [], url
    assert figure_count >= 2
