"""Replace `<!-- assumptions-table -->` with every modelling assumption, as one Markdown table.

Rows come from `data/assumptions/*.yaml` (one file per model: `model:` and a list of
`assumptions:` with `name`, `value`, `unit`, `why`) and from the timeline's own `assumptions:`.
A malformed file fails the build with a message naming the file, the entry and the field.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from outage import tables
from outage.timeline import TimelineError, load_timeline

MARKER = "<!-- assumptions-table -->"


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    try:
        rows = tables.all_assumptions(load_timeline())
    except (tables.AssumptionsError, TimelineError) as error:
        raise PluginError(f"assumptions table for {page.file.src_uri}: {error}") from None
    return markdown.replace(MARKER, tables.assumptions_table(rows))
