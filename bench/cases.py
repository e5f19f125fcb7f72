"""Cases at scale: importing 10,000 signals, and the inbox at a million cases.

``python -m bench.cases`` (or ``make bench``) prints:

* the time to check and import a file of 10,000 signals (the goal: under 30 s), through
  the same parser and service as the upload page and the CLI, on SQLite and, with
  ``--database-url``, on PostgreSQL;
* the latency of inbox pages at 1,000,000 cases: the full HTTP request through the app
  (signed in, one audit event per name shown), first page, a deep page, each filter, and a
  search by BSN (POST).

The million cases are bulk-inserted with pre-encrypted values (each case its own data key,
its tenant's name sealed and blind-indexed like the service does), once per database file;
``--keep`` reuses it on the next run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from stdnum.nl import bsn as stdnum_bsn

HEADER = (
    "tenant_number;bsn;surname;initials;birth_date;street;house_number;postcode;city;"
    "phone;email;arrears_amount;arrears_months;signal_date"
)
SURNAMES = ("Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer")
STREETS = ("Dorpsstraat", "Kerkweg", "Lindelaan", "Molenstraat", "Stationsplein", "Beukenhof")


def fake_bsns(start: int = 100_000_000) -> Iterator[str]:
    """Fictional BSNs that pass the elfproef, in order."""
    n = start
    while True:
        n += 1
        candidate = f"{n:09d}"
        if stdnum_bsn.is_valid(candidate):
            yield candidate


def signal_file(rows: int, seed: int = 1, signal_date: str = "2026-11-01") -> bytes:
    """An arrears file of ``rows`` valid signals with fictional people."""
    rnd = random.Random(seed)
    bsns = fake_bsns()
    lines = [HEADER]
    for i in range(rows):
        mobile = f"06{rnd.randint(1, 5)}{rnd.randint(0, 9_999_999):07d}"
        phone = mobile if rnd.random() < 0.7 else ""
        email = f"huurder{i}@example.org" if rnd.random() < 0.5 else ""
        lines.append(
            ";".join(
                [
                    f"H-{i:06d}",
                    next(bsns),
                    rnd.choice(SURNAMES),
                    "A.B.",
                    f"19{rnd.randint(40, 99)}-0{rnd.randint(1, 9)}-{rnd.randint(10, 28)}",
                    rnd.choice(STREETS),
                    str(rnd.randint(1, 300)),
                    f"{rnd.randint(1000, 9999)} {rnd.choice(['AB', 'CD', 'EF', 'GH'])}",
                    "Demostad",
                    phone,
                    email,
                    f"{rnd.randint(100, 500_000) / 100:.2f}".replace(".", ","),
                    str(rnd.randint(1, 6)),
                    signal_date,
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode()
