"""What every loader of a file in `data/` shares: the YAML loader and the error it raises."""

from __future__ import annotations

from pathlib import Path

import yaml

# The C loader when PyYAML has it (several times faster); the pure-Python one otherwise.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataFileError(ValueError):
    """A data file is missing or malformed; the message names the file, the entry and the field."""

    def __init__(self, path: Path | str, entry: str | None, field_name: str | None, problem: str):
        self.path = str(path)
        self.entry = entry
        self.field = field_name
        where = self.path
        if entry is not None:
            where += f": entry {entry!r}"
        if field_name is not None:
            where += f", field {field_name!r}"
        super().__init__(f"{where}: {problem}")
