"""The two column sets of the monthly file, and which one a header row uses.

A file uses **today's columns** (``tenant_number``, ``bsn``, ``surname``...) or **the VNG
model's** (``Burgerservicenummer``, ``Achternaam``... as in the data model "DDAS
Vroegsignalering"), never both. Header names are matched without regard to case, spaces,
underscores, hyphens or dots, the ways a rent administration writes a name: ``Huisnummer
toevoeging``, ``huisnummer_toevoeging`` and ``HUISNUMMERTOEVOEGING`` are one column.

A few columns belong to both sets (``Postcode``; and ``tenant_number``, ``arrears_months``,
``phone``, ``email``, which a VNG file may add). A header that names a column only today's
set has *and* one only the VNG set has is refused: which ``bsn`` would count? Errors name a
column the way its set spells it, so the user finds it in the documentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

#: (name as documented, what it holds) -- the holding names are those of ``SignalRow``.
_TODAY = (
    ("tenant_number", "tenant_number"),
    ("bsn", "bsn"),
    ("surname", "surname"),
    ("initials", "initials"),
    ("birth_date", "birth_date"),
    ("street", "street"),
    ("house_number", "house_number"),
    ("postcode", "postcode"),
    ("city", "city"),
    ("arrears_amount", "arrears_amount"),
    ("arrears_months", "arrears_months"),
    ("signal_date", "signal_date"),
    ("phone", "phone"),
    ("email", "email"),
)
_VNG = (
    ("Burgerservicenummer", "bsn"),
    ("Voorletters", "initials"),
    ("Voorvoegsel", "prefix"),
    ("Achternaam", "surname"),
    ("Geboortedatum", "birth_date"),
    ("Straatnaam", "street"),
    ("Huisnummer", "house_number"),
    ("Huisnummertoevoeging", "addition"),
    ("Postcode", "postcode"),
    ("Plaatsnaam", "city"),
    ("bedrag", "arrears_amount"),
    ("ontstaansdatum", "arrears_since"),
    ("signaaldatum", "signal_date"),
    # Not in the model's client and signal, but a rent administration has them: optional.
    ("tenant_number", "tenant_number"),
    ("arrears_months", "arrears_months"),
    ("phone", "phone"),
    ("email", "email"),
)

_SEPARATORS = re.compile(r"[\s_.\-\ufeff]+")


def header_key(name: str) -> str:
    """A header name as compared: ``Huisnummer toevoeging`` -> ``huisnummertoevoeging``."""
    return _SEPARATORS.sub("", name).lower()


@dataclass(frozen=True)
class ColumnSet:
    """One way of writing the file: its columns (in documentation order) and what is required."""

    name: str
    columns: tuple[tuple[str, str], ...]
    required: tuple[str, ...]
    #: header key -> (documented name, holding name)
    by_key: dict[str, tuple[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "by_key", {header_key(doc): (doc, held) for doc, held in self.columns}
        )

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(doc for doc, _held in self.columns if doc not in self.required)

    def label(self, held: str) -> str:
        """The documented name of the column that holds ``held``."""
        return next(doc for doc, h in self.columns if h == held)


TODAY = ColumnSet(
    "today", _TODAY, required=tuple(doc for doc, _ in _TODAY if doc not in ("phone", "email"))
)
VNG = ColumnSet(
    "vng",
    _VNG,
    required=(
        "Burgerservicenummer",
        "Voorletters",
        "Achternaam",
        "Geboortedatum",
        "Straatnaam",
        "Huisnummer",
        "Postcode",
        "Plaatsnaam",
        "bedrag",
        "ontstaansdatum",
        "signaaldatum",
    ),
)
SETS = (TODAY, VNG)
_ONLY_TODAY = set(TODAY.by_key) - set(VNG.by_key)
_ONLY_VNG = set(VNG.by_key) - set(TODAY.by_key)


@dataclass
class Layout:
    """What a header row says: the set, the position of each column it holds, and problems."""

    columns: ColumnSet
    #: cells in the header row: every row has as many
    width: int = 0
    #: holding name -> (position in the row, documented name)
    positions: dict[str, tuple[int, str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    #: (documented column or "", reason) for the header row
    problems: list[tuple[str, Any]] = field(default_factory=list)


def read_header(cells: list[str]) -> Layout:
    """Which set the header row uses, where each column is, and what is wrong with it."""
    keys = [header_key(cell) for cell in cells]
    theirs = [c.strip() for c, k in zip(cells, keys, strict=True) if k in _ONLY_TODAY]
    vng = [c.strip() for c, k in zip(cells, keys, strict=True) if k in _ONLY_VNG]
    layout = Layout(VNG if len(vng) > len(theirs) else TODAY, width=len(cells))
    if theirs and vng:
        layout.problems.append(
            (
                "",
                _l(
                    "de kopregel mengt de twee kolomsets (%(today)s en %(vng)s): "
                    "gebruik de huidige kolommen of die van het VNG-model",
                    today=", ".join(theirs),
                    vng=", ".join(vng),
                ),
            )
        )
        return layout
    known = layout.columns.by_key
    seen: set[str] = set()
    twice: list[str] = []
    for position, (cell, key) in enumerate(zip(cells, keys, strict=True)):
        if key not in known:
            if cell.strip():
                layout.ignored.append(cell.strip())
            continue
        doc, held = known[key]
        if key in seen:
            if doc not in twice:
                twice.append(doc)
            continue
        seen.add(key)
        layout.positions[held] = (position, doc)
    present = {doc for _pos, doc in layout.positions.values()}
    layout.problems += [
        (doc, _l("kolom ontbreekt in de kopregel"))
        for doc in layout.columns.required
        if doc not in present
    ]
    layout.problems += [(doc, _l("kolom staat twee keer in de kopregel")) for doc in twice]
    return layout
