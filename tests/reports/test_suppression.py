"""Small-cell suppression: no count under 5 is shown, and none can be worked out from the
totals that are shown. The attacker here solves the table's sums exactly (Gaussian elimination
over the rationals) for every hidden number, as someone with a spreadsheet would."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.reports.suppression import SUPPRESSED, THRESHOLD, protect, protect_list


def _equations(table, row_totals: bool):
    """The sums a reader knows: each row and column adds up to its total."""
    rows, cols = table.rows, table.columns
    lines = [([(r, c) for c in cols], ("row", r)) for r in rows] if row_totals else []
    lines += [([(r, c) for r in rows], ("col", c)) for c in cols]
    lines.append(([("col", c) for c in cols], ("all", "")))
    if row_totals:
        lines.append(([("row", r) for r in rows], ("all", "")))

    def value(key):
        kind, name = key
        if kind == "row":
            return table.row_totals[name]
        if kind == "col":
            return table.column_totals[name]
        if kind == "all":
            return table.total
        return table.cells[key]

    return lines, value


def recoverable(table, row_totals: bool = True) -> set:
    """Every hidden number that the shown numbers and the sums pin down exactly."""
    lines, value = _equations(table, row_totals)
    unknowns = sorted(
        {k for parts, total in lines for k in [*parts, total] if value(k) is SUPPRESSED}
    )
    index = {k: i for i, k in enumerate(unknowns)}
    matrix = []
    for parts, total in lines:
        row = [Fraction(0)] * (len(unknowns) + 1)
        constant = Fraction(0)
        for p in parts:
            if p in index:
                row[index[p]] += 1
            else:
                constant -= value(p)
        if total in index:
            row[index[total]] -= 1
        else:
            constant += value(total)
        row[-1] = constant
        if any(row[:-1]):
            matrix.append(row)
    # Reduced row echelon form: an unknown is pinned down when a row has it alone.
    pivot_row = 0
    for col in range(len(unknowns)):
        found = next((r for r in range(pivot_row, len(matrix)) if matrix[r][col] != 0), None)
        if found is None:
            continue
        matrix[pivot_row], matrix[found] = matrix[found], matrix[pivot_row]
        lead = matrix[pivot_row][col]
        matrix[pivot_row] = [x / lead for x in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [
                    a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)
                ]
        pivot_row += 1
    return {
        unknowns[next(i for i, x in enumerate(row[:-1]) if x != 0)]
        for row in matrix
        if sum(1 for x in row[:-1] if x != 0) == 1
    }


def shown_numbers(table) -> list[int]:
    values = [*table.cells.values(), *table.row_totals.values(), *table.column_totals.values()]
    return [v for v in [*values, table.total] if v is not SUPPRESSED]


def test_a_small_count_is_hidden_and_cannot_be_worked_out():
    counts = {("jan", "declined"): 3, ("jan", "completed"): 20, ("feb", "declined"): 12,
              ("feb", "completed"): 30}  # fmt: skip
    table = protect(("jan", "feb"), ("declined", "completed"), counts)
    assert table.cell("jan", "declined") is SUPPRESSED
    assert str(table.cell("jan", "declined")) == "x"  # the same mark as any other hidden cell
    # Without more hiding, 23 - 20 or 15 - 12 would give the 3 away.
    assert recoverable(table) == set()
    assert all(not 0 < n < THRESHOLD for n in shown_numbers(table))


def test_zeros_and_large_counts_stay_visible():
    table = protect(("a", "b"), ("x", "y"), {("a", "x"): 0, ("a", "y"): 9, ("b", "x"): 7,
                                              ("b", "y"): 11})  # fmt: skip
    assert table.cell("a", "x") == 0 and table.total == 27
    assert recoverable(table) == set()


def test_a_list_with_one_small_count_hides_a_second_one():
    table = protect_list(
        {"picked_up": 40, "refused": 2, "no_contact": 9}, ("picked_up", "refused", "no_contact")
    )
    hidden = [k for k, v in table.cells.items() if v is SUPPRESSED]
    assert len(hidden) >= 2 or table.total is SUPPRESSED
    assert recoverable(table, row_totals=False) == set()


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.lists(st.integers(0, 12), min_size=16, max_size=16),
    st.booleans(),
)
def test_no_table_gives_a_small_count_away(n_rows, n_cols, numbers, row_totals):
    rows = tuple(f"r{i}" for i in range(n_rows))
    cols = tuple(f"c{j}" for j in range(n_cols))
    counts = {(r, c): numbers[i * 4 + j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    table = protect(rows, cols, counts, row_totals=row_totals)
    assert all(not 0 < n < THRESHOLD for n in shown_numbers(table))
    truth = dict(counts)
    for key in recoverable(table, row_totals):
        if key in truth:  # a pinned-down cell must not be a small one
            assert not 0 < truth[key] < THRESHOLD, (key, counts)
