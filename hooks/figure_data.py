"""Move each figure's data out of its page into a JSON file of its own.

A figure arrives as `<div class="plotly-figure" id="fig-…" data-figure="JSON">` (from
outage.site.renderer), which keeps notebook outputs self-contained. On the site the data is
moved to `figures/fig-….json` and the div points at it with `data-figure-src`, so a page's HTML
stays small and `javascripts/figures.js` fetches only the figures a page shows. Ids are derived
from the figures' content, so a figure shown on two pages is one file.

A figure without a title (most of them: the caption under a figure says what to look at) takes
its accessible name from that caption, the first "Figure N" emphasis that follows it.

Beside the JSON goes `figures/fig-….csv`, every point the figure draws (outage.site.downloads),
and a line under the figure links both, so a reader can take the numbers away.
"""

from __future__ import annotations

import html
import posixpath
import re
import json
from pathlib import Path

from outage.site.downloads import figure_csv

FIGURE_DIV = re.compile(r"<div\b[^>]*\bclass=[\"']plotly-figure[\"'][^>]*>(\s*</div>)?")
DATA = re.compile(r"""\sdata-figure=(?:"([^"]*)"|'([^']*)')""")
DIV_ID = re.compile(r"""\bid=["']([^"']+)["']""")
# The caption under a figure: "*Figure 3 — what to look at.*" in a notebook or a chapter.
CAPTION = re.compile(r"<em>\s*(Figure\s+\d+\s*[.—–:-].*?)</em>", re.S)
CAPTION_REACH = 4000
DATA_THEN_CAPTION = re.compile(
    r'(<p class="figure-data"[^>]*>.*?</p>)((?:\s*<[^>]+>){0,40}?\s*<p><em>\s*Figure\s+\d+.*?</p>)', re.S)
TAG = re.compile(r"<[^>]+>")
FIGURE_DIR = "figures"


def on_post_page(output, page, config):
    page_dir = page.url.rstrip("/") or "."
    target_dir = Path(config["site_dir"]) / FIGURE_DIR

    def externalise(match: re.Match) -> str:
        whole = match.group(0)
        closing = match.group(1) or ""
        tag = whole[: len(whole) - len(closing)]
        data = DATA.search(tag)
        if data is None:
            return whole
        div_id = DIV_ID.search(tag).group(1)
        payload = html.unescape(data.group(1) if data.group(1) is not None else data.group(2))
        target_dir.mkdir(parents=True, exist_ok=True)
        (target_dir / f"{div_id}.json").write_text(payload, encoding="utf-8")
        (target_dir / f"{div_id}.csv").write_text(figure_csv(json.loads(payload)), encoding="utf-8")
        src = posixpath.relpath(f"{FIGURE_DIR}/{div_id}.json", page_dir)
        csv_src = src[: -len(".json")] + ".csv"
        div = tag[: data.start()] + f' data-figure-src="{src}"' + tag[data.end():] + closing
        if "aria-label=" not in tag:
            caption = CAPTION.search(output, match.end(), match.end() + CAPTION_REACH)
            if caption:
                label = " ".join(html.unescape(TAG.sub("", caption.group(1))).split())
                div = div.replace("<div ", f'<div aria-label="{html.escape(label, quote=True)}" ', 1)
        if not closing:
            return div
        links = (
            '<p class="figure-data" data-search-exclude="figure-data">Data behind this figure: '
            f'<a href="{csv_src}" download="{div_id}.csv">values (CSV)</a> · '
            f'<a href="{src}" download="{div_id}.json">figure (Plotly JSON)</a></p>'
        )
        return div + links

    output = FIGURE_DIV.sub(externalise, output)
    # The caption belongs right under its figure: the data line moves below the caption when
    # only markup (no text) stands between them.
    return DATA_THEN_CAPTION.sub(r"\2\1", output)
