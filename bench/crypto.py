"""Field encryption: encrypt, decrypt and blind-index operations per second, and the cost
of reading rows through the encrypted type against a plain column.

Everything runs against a throw-away SQLite database made by the real migrations, with the
real app, keys and models; nothing is mocked.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from alembic import command
from sqlalchemy import String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal import create_app
from portal.crypto import aead, blind_index
from portal.crypto.context import crypto_for
from portal.crypto.fields import EncryptedRow, EncryptedType, Sealed, decrypt_field, preload_keys
from portal.crypto.service import cipher_for, create_data_key
from portal.extensions import db
from portal.migrate import alembic_config

SURNAME = "van den Berg-Oosterhuis"
HOUSEHOLD = 4  # persons per case in the read benchmark


class BenchBase(DeclarativeBase):
    pass


class PlainRow(BenchBase):
    """A surname in a plain text column: the baseline."""

    __tablename__ = "bench_plain"

    id: Mapped[int] = mapped_column(primary_key=True)
    surname: Mapped[str] = mapped_column(String(200))


class SealedRow(EncryptedRow, BenchBase):
    """The same surname through the encrypted type (plus the row uid and key id it needs)."""

    __tablename__ = "bench_sealed"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_key_id: Mapped[int] = mapped_column()
    surname: Mapped[Sealed | None] = mapped_column(EncryptedType("str"))

    def encryption_key_id(self) -> int | None:
        return self.data_key_id


def rate(n: int, fn: Callable[[], object], repeat: int = 3) -> float:
    """Best of ``repeat`` runs, in operations per second."""
    best = min(_timed(n, fn) for _ in range(repeat))
    return n / best


def _timed(n: int, fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - start


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(ops: int = 50_000, rows: int = 10_000) -> None:
    with tempfile.TemporaryDirectory(prefix="kp-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        command.upgrade(alembic_config(url), "head")
        app = create_app(
            {
                "KP_ENV": "testing",
                "SECRET_KEY": "bench",
                "DATABASE_URL": url,
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "MAIL_BACKEND": "memory",
            }
        )
        try:
            with app.app_context():
                _operations(ops)
            _reads(app, rows)
        finally:
            app.extensions["kp_db"].engine.dispose()


def _operations(ops: int) -> None:
    session = db.session
    key = create_data_key(session)
    cipher = cipher_for(session, key.id)
    assert cipher is not None
    context = aead.row_context("person", "surname", uuid.uuid4())
    plaintext = aead.encode_value("str", SURNAME)
    blob = aead.seal(cipher, key.id, plaintext, context)
    state = crypto_for(session)

    figures = {
        "encrypt (AES-256-GCM, 23-byte string)": rate(
            ops, lambda: aead.seal(cipher, key.id, aead.encode_value("str", SURNAME), context)
        ),
        "decrypt (AES-256-GCM, 23-byte string)": rate(
            ops, lambda: aead.decode_value("str", aead.unseal(cipher, blob, context))
        ),
        "blind index, BSN (normalise + HMAC)": rate(
            ops, lambda: blind_index.digest(state, "bsn", blind_index.normalise_bsn("111222333"))
        ),
        "blind index, HMAC only": rate(ops, lambda: blind_index.digest(state, "bsn", "111222333")),
        "blind index, phone (normalise + HMAC)": rate(
            ops // 10,
            lambda: blind_index.digest(state, "phone", blind_index.normalise_phone("06 12345678")),
        ),
    }
    session.rollback()
    print(f"Field encryption micro-benchmark ({platform.python_version()}, {platform.machine()})")
    print()
    print(f"{'operation':<44} {'ops/s':>12}")
    for name, value in figures.items():
        print(f"{name:<44} {value:>12,.0f}")


def _reads(app, rows: int) -> None:
    keys = max(1, rows // HOUSEHOLD)
    with app.app_context():
        session = db.session
        BenchBase.metadata.create_all(session.connection())
        key_ids = [create_data_key(session).id for _ in range(keys)]
        session.execute(insert(PlainRow), [{"surname": SURNAME} for _ in range(rows)])
        for i in range(rows):
            session.add(SealedRow(data_key_id=key_ids[i % keys], surname=SURNAME))
            if i % 1000 == 999:
                session.flush()
        session.commit()

    def plain() -> None:
        with app.app_context():
            values = [r.surname for r in db.session.scalars(select(PlainRow))]
            assert len(values) == rows

    def ciphertext_only() -> None:
        with app.app_context():
            values = [r.surname for r in db.session.scalars(select(SealedRow))]
            assert len(values) == rows

    def decrypted(preload: bool) -> Callable[[], None]:
        def read() -> None:
            with app.app_context():
                found = db.session.scalars(select(SealedRow)).all()
                if preload:
                    preload_keys(db.session, found, "surname")
                values = [decrypt_field(r, "surname") for r in found]
                assert len(values) == rows and values[0] == SURNAME

        return read

    figures = {
        "plain text column": best_of(plain),
        "encrypted column, ciphertext only": best_of(ciphertext_only),
        "encrypted, decrypted (keys one by one)": best_of(decrypted(False)),
        "encrypted, decrypted (keys preloaded)": best_of(decrypted(True)),
    }
    base = figures["plain text column"]
    print()
    print(f"Reading {rows:,} rows through the ORM, one column; {keys:,} data keys (one per")
    print(f"household of {HOUSEHOLD}), unwrapped in every read (a new request); best of 5:")
    for name, seconds in figures.items():
        extra = "" if seconds == base else f"  {seconds / base:5.2f} x plain"
        print(f"{name:<44} {seconds * 1000:>9.1f} ms{extra}")
    overhead = figures["encrypted, decrypted (keys preloaded)"] - base
    print(f"{'overhead per row (keys preloaded)':<44} {overhead / rows * 1e6:>9.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crypto", description=__doc__)
    parser.add_argument("--ops", type=int, default=50_000, help="operations per timing")
    parser.add_argument("--rows", type=int, default=10_000, help="rows read per timing")
    args = parser.parse_args()
    run(ops=args.ops, rows=args.rows)


if __name__ == "__main__":
    main()
