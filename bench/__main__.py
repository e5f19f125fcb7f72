"""``python -m bench``: run every micro-benchmark and print the figures."""

from __future__ import annotations

import argparse

from bench import audit, crypto


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--ops", type=int, default=50_000, help="operations per timing")
    parser.add_argument("--rows", type=int, default=10_000, help="rows read per timing")
    parser.add_argument("--audit-events", type=int, default=1_000_000, help="audit chain length")
    args = parser.parse_args()
    crypto.run(ops=args.ops, rows=args.rows)
    audit.run(events=args.audit_events)


if __name__ == "__main__":
    main()
