"""Small-cell suppression for published counts: no figure may single out a household.

A count from 1 to 4 is hidden (primary suppression). That alone is not enough: a table
with its totals is a set of sums, and a hidden cell can be worked out as a total minus the
cells that are shown. So each line (a row or a column with its total) hides no number, or at
least two, and when its total is shown the hidden ones add up to 5 or more; otherwise the
smallest shown count of the line is hidden as well (secondary suppression). Then the sums of
all lines are solved together, as a reader with a spreadsheet would, and any small count they
still pin down gets company, until none is. Zeros stay visible: "nobody" singles out no one.

The result keeps the true numbers for nothing: a ``Cell`` is either a number to show or
``SUPPRESSED``, and pages, CSV files and charts all read the same cells. Every hidden cell
reads the same, "x" (the statistics offices' mark for "confidential"), whether it is small
itself or hides a small one: writing "<5" on a hidden total of 7 would be untrue, and a
separate mark for the larger ones would give them away (a line of 6 with one small and one
large hidden count pins both down: 1 and 5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

#: Counts under this are never shown.
THRESHOLD: Final = 5


class _Suppressed:
    """A hidden count: shown as "x", never a number."""

    def __str__(self) -> str:
        return "x"

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED: Final = _Suppressed()
Cell = int | _Suppressed


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


@dataclass(frozen=True)
class Table:
    """A table of counts with row and column totals, after suppression."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    #: Empty when the rows have no total (their columns are different measures).
    row_totals: Mapping[str, Cell]
    column_totals: Mapping[str, Cell]
    total: Cell

    def cell(self, row: str, column: str) -> Cell:
        return self.cells[(row, column)]


def protect(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Mapping[tuple[str, str], int],
    *,
    row_totals: bool = True,
) -> Table:
    """Suppress ``counts`` (missing cells are 0) so that no count under 5 can be read or
    worked out from the totals. ``row_totals=False`` for tables whose columns do not add up
    (different measures per month): only the columns then carry a total."""
    values = {(r, c): int(counts.get((r, c), 0)) for r in rows for c in columns}
    r_tot = {r: sum(values[(r, c)] for c in columns) for r in rows}
    c_tot = {c: sum(values[(r, c)] for r in rows) for c in columns}
    grand = sum(c_tot.values())
    hidden = {key for key, v in values.items() if is_small(v)}
    hidden |= {("row", r) for r, v in r_tot.items() if row_totals and is_small(v)}
    hidden |= {("col", c) for c, v in c_tot.items() if is_small(v)}
    if is_small(grand):
        hidden.add(("all", ""))

    def number(key: tuple[str, str]) -> int:
        kind, name = key
        if kind == "row":
            return r_tot[name]
        if kind == "col":
            return c_tot[name]
        if kind == "all":
            return grand
        return values[key]

    lines: list[Line] = []
    if row_totals:
        lines += [([(r, c) for c in columns], ("row", r)) for r in rows]
    lines.append(([("col", c) for c in columns], ("all", "")))
    lines += [([(r, c) for r in rows], ("col", c)) for c in columns]
    if row_totals:
        lines.append(([("row", r) for r in rows], ("all", "")))

    while True:
        _hide_per_line(lines, hidden, number)
        # The lines together can still pin a number down (a total worked out from one line,
        # then used in another): solve them as a reader would, and hide more until no small
        # count is pinned down.
        exposed = [k for k in _pinned(lines, hidden, number) if is_small(number(k))]
        if not exposed:
            break
        key = exposed[0]
        line = next(members for members in _members(lines) if key in members)
        _hide_another(line, hidden, number)

    def out(key: tuple[str, str]) -> Cell:
        return SUPPRESSED if key in hidden else number(key)

    return Table(
        tuple(rows),
        tuple(columns),
        {(r, c): out((r, c)) for r in rows for c in columns},
        {r: out(("row", r)) for r in rows} if row_totals else {},
        {c: out(("col", c)) for c in columns},
        out(("all", "")),
    )


Key = tuple[str, str]
Line = tuple[list[Key], Key]


def _members(lines: list[Line]) -> list[list[Key]]:
    return [[*parts, total] for parts, total in lines]


def _hide_another(members: list[Key], hidden: set[Key], number: Callable[[Key], int]) -> None:
    """Hide the smallest shown count of a line (its parts first), or else anything left."""
    shown = [k for k in members if k not in hidden]
    candidates = sorted((number(k), i, k) for i, k in enumerate(shown) if number(k) > 0)
    if candidates:
        hidden.add(candidates[0][2])
    elif shown:
        hidden.add(shown[-1])


def _hide_per_line(lines: list[Line], hidden: set[Key], number: Callable[[Key], int]) -> None:
    """Each line (parts and their total) hides no member, or at least two; and when its total
    is shown, the hidden parts add up to 5 or more."""
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            gone = [k for k in [*parts, total] if k in hidden]
            if not gone:
                continue
            if len(gone) >= 2 and (total in hidden or sum(number(k) for k in gone) >= THRESHOLD):
                continue
            before = len(hidden)
            _hide_another([*parts, total], hidden, number)
            changed = len(hidden) > before


def _pinned(lines: list[Line], hidden: set[Key], number: Callable[[Key], int]) -> set[Key]:
    """The hidden numbers the shown ones and the sums determine exactly (Gauss-Jordan over
    the rationals: the tables are small)."""
    unknowns = sorted(hidden)
    index = {k: i for i, k in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for parts, total in lines:
        row = [Fraction(0)] * (len(unknowns) + 1)
        for key, sign in [*((p, 1) for p in parts), (total, -1)]:
            if key in index:
                row[index[key]] += sign
            else:
                row[-1] -= sign * number(key)
        if any(row[:-1]):
            matrix.append(row)
    lead = 0
    for col in range(len(unknowns)):
        found = next((r for r in range(lead, len(matrix)) if matrix[r][col] != 0), None)
        if found is None:
            continue
        matrix[lead], matrix[found] = matrix[found], matrix[lead]
        matrix[lead] = [x / matrix[lead][col] for x in matrix[lead]]
        for r, row in enumerate(matrix):
            if r != lead and row[col] != 0:
                factor = row[col]
                matrix[r] = [a - factor * b for a, b in zip(row, matrix[lead], strict=True)]
        lead += 1
    pinned = set()
    for row in matrix:
        nonzero = [i for i, x in enumerate(row[:-1]) if x != 0]
        if len(nonzero) == 1:
            pinned.add(unknowns[nonzero[0]])
    return pinned


def protect_list(counts: Mapping[str, int], order: Sequence[str]) -> Table:
    """A single column of counts with its total (e.g. outcomes of early signals)."""
    return protect(order, ("n",), {(k, "n"): v for k, v in counts.items()}, row_totals=False)
