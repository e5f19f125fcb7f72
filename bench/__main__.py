"""``python -m bench``: run every benchmark and print the figures."""

from __future__ import annotations

import argparse

from bench import audit, cases, crypto, http, referrals


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--ops", type=int, default=50_000, help="operations per timing")
    parser.add_argument("--rows", type=int, default=10_000, help="rows read per timing")
    parser.add_argument("--audit-events", type=int, default=1_000_000, help="audit chain length")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases behind the inbox")
    parser.add_argument("--import-rows", type=int, default=10_000, help="signals per import")
    parser.add_argument("--referrals", type=int, default=1_000_000, help="referrals received")
    parser.add_argument("--keep", action="store_true", help="reuse the populated case database")
    parser.add_argument("--http-duration", default="15s", help="wrk duration per HTTP run")
    args = parser.parse_args()
    crypto.run(ops=args.ops, rows=args.rows)
    audit.run(events=args.audit_events)
    cases.run(cases=args.cases, keep=args.keep, import_rows=args.import_rows)
    referrals.run(referrals=args.referrals, keep=args.keep)
    http.run(load=http.Load(threads=2, connections=20, duration=args.http_duration, timeout="10s"))


if __name__ == "__main__":
    main()
