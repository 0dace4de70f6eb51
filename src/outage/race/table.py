"""The fix × property table: every combination of fixes checked against every property."""

from dataclasses import dataclass
from itertools import combinations

from outage.race.model import FIXES, SAFETY, Params, fixes_label
from outage.race.report import Check, check

# Every subset of the fixes, smallest first: none, each alone, each pair, all three.
VARIANTS: tuple[frozenset[str], ...] = tuple(
    frozenset(c) for k in range(len(FIXES) + 1) for c in combinations(FIXES, k))


@dataclass(frozen=True)
class Row:
    fixes: str
    states: int
    complete: bool
    cells: dict[str, tuple[str, int | None]]  # property -> (verdict, shortest trace length)

    def to_json(self) -> dict:
        return {"fixes": self.fixes, "states": self.states, "complete": self.complete,
                "properties": {k: {"verdict": v, "trace_length": n}
                               for k, (v, n) in self.cells.items()}}


def row(c: Check) -> Row:
    e = c.exploration
    return Row(fixes_label(c.params.fixes), e.states, e.complete,
               {name: (e.result(name).verdict, e.result(name).trace_length) for name in SAFETY})


def fix_table(enactors: int = 3, plans: int = 5, endpoints: int = 2, keep: int = 1,
              lock: bool = False, variants=VARIANTS, max_states: int | None = None, *,
              write_deleted: str = "rebuild", check_against: str = "own",
              max_seconds: float | None = None) -> list[Row]:
    """Check every variant at one size and one reading of the sources (see
    :class:`outage.race.model.Params`); ``max_states`` and ``max_seconds`` bound each
    exploration. Cost: one full exploration per variant."""
    return [row(check(Params(enactors, plans, endpoints, keep, v, lock, write_deleted,
                             check_against), max_states=max_states, max_seconds=max_seconds))
            for v in variants]


def cell_text(verdict: str, length: int | None) -> str:
    return f"violated ({length} steps)" if verdict == "violated" and length else verdict


def format_table(rows: list[Row]) -> str:
    """A Markdown table: one row per variant, one column per property."""
    head = ["fix", *SAFETY, "states"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [cell_text(*r.cells[name]) for name in SAFETY]
        lines.append(f"| {r.fixes} | " + " | ".join(cells) + f" | {r.states:,} |")
    return "\n".join(lines)
