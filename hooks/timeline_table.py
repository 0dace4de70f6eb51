"""Replace `<!-- timeline-table -->` with every event of the timeline, as one Markdown table.

The data is validated on load (`outage.timeline.load_timeline`); a malformed entry fails the
build with a message naming the file, the entry and the field.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from outage import tables
from outage.timeline import TimelineError, load_timeline

MARKER = "<!-- timeline-table -->"


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    try:
        timeline = load_timeline()
    except TimelineError as error:
        raise PluginError(f"timeline table for {page.file.src_uri}: {error}") from None
    return markdown.replace(MARKER, tables.timeline_table(timeline))
