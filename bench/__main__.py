"""``python -m bench``: run every benchmark and print the figures."""

from __future__ import annotations

import argparse

from bench import audit, cases, crypto, referrals


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--ops", type=int, default=50_000, help="operations per timing")
    parser.add_argument("--rows", type=int, default=10_000, help="rows read per timing")
    parser.add_argument("--audit-events", type=int, default=1_000_000, help="audit chain length")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases behind the inbox")
    parser.add_argument("--import-rows", type=int, default=10_000, help="signals per import")
    parser.add_argument("--referrals", type=int, default=1_000_000, help="referrals received")
    parser.add_argument("--keep", action="store_true", help="reuse the populated case database")
    args = parser.parse_args()
    crypto.run(ops=args.ops, rows=args.rows)
    audit.run(events=args.audit_events)
    cases.run(cases=args.cases, keep=args.keep, import_rows=args.import_rows)
    referrals.run(referrals=args.referrals, keep=args.keep)


if __name__ == "__main__":
    main()
