"""Invariant 1: no plaintext personal data at rest, in the database files or in the logs.

Known canary values go in through the services and the key commands (create, change,
search, rotate); then the raw SQLite files and a ``pg_dump`` of the PostgreSQL database are
searched byte for byte, as text and as hex (how ``pg_dump`` writes bytea). None may appear.
Runs on every configured backend: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import logging
import struct
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal.accounts.models import Organisation
from portal.cases.models import Person
from portal.cases.service import (
    PersonData,
    create_case,
    find_cases_by_address,
    find_cases_by_bsn,
    find_cases_by_email,
    update_person,
)
from portal.crypto.errors import DecryptionError
from portal.crypto.fields import decrypt_field
from portal.extensions import db
from portal.logs import JsonFormatter
from tests.crypto.conftest import SYSTEM, new_key

TENANT = PersonData(
    surname="Zwaluwstaartje",
    initials="Q.X.Z.",
    birth_date=date(1971, 3, 4),
    bsn="734918264",
    phone="06 8734 1926",
    email="Zwaluw.Kanarie@Example.org",
    street="Kanariepieterstraat",
    house_number="9173 qzx",
    postcode="9999 zz",
    city="Kanariedorp aan Zee",
    is_main_tenant=True,
)
CHILD = PersonData(
    surname="Piepkuikentje", initials="W.", birth_date=date(2015, 6, 7), bsn="734918276"
)
NEW_PHONE = "020 345 6789"
ARREARS = 987_654_321

TEXT_NEEDLES = [
    "Zwaluwstaartje",
    "Piepkuikentje",
    "Q.X.Z.",
    "Kanariepieterstraat",
    "Kanariedorp aan Zee",
    "zwaluw.kanarie@example.org",
    "734918264",
    "734918276",
    "687341926",
    "203456789",
    "9173QZX",
    "9173 qzx",
    "9999ZZ",
    "9999 ZZ",
    "1971-03-04",
    "19710304",
    "04-03-1971",
    "2015-06-07",
    "987654321",
    "9876543.21",
    "9876543,21",
]
BINARY_NEEDLES = [struct.pack(">q", ARREARS), struct.pack("<q", ARREARS)]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def write_canaries(app) -> str:
    with app.app_context():
        session = db.session
        org = Organisation(slug="corporatie", name="Woonstichting")
        session.add(org)
        session.flush()
        case = create_case(session, SYSTEM, org, [TENANT, CHILD], arrears_cents=ARREARS)
        session.commit()
        update_person(session, SYSTEM, case.persons[0], phone=NEW_PHONE)
        assert find_cases_by_bsn(session, SYSTEM, "734 918 264") == [case]
        assert find_cases_by_address(session, SYSTEM, "9999ZZ", "9173QZX") == [case]
        assert find_cases_by_email(session, SYSTEM, "zwaluw.kanarie@example.org") == [case]
        assert decrypt_field(case.persons[0], "surname") == "Zwaluwstaartje"
        session.commit()
        return case.reference


def assert_no_canary(haystack: bytes, where: str) -> None:
    lowered = haystack.lower()
    for needle in TEXT_NEEDLES:
        assert needle.lower().encode() not in lowered, f"{needle!r} found in {where}"
        assert needle.encode().hex() not in lowered.decode("latin-1"), f"hex {needle!r} in {where}"
    for needle in BINARY_NEEDLES:
        assert needle not in haystack, f"binary amount found in {where}"
        assert needle.hex().encode() not in lowered, f"hex amount found in {where}"


def test_no_canary_at_rest_or_in_logs(fresh_app, backend):
    master = f"v1:{new_key()}"
    app = fresh_app(KP_MASTER_KEYS=master, KP_INDEX_KEY=new_key())
    rotated = fresh_app(KP_MASTER_KEYS=f"v2:{new_key()},{master}")
    collect = Collect()
    portal_logger = logging.getLogger("portal")
    old_level = portal_logger.level
    for logger in (portal_logger, logging.getLogger()):
        logger.addHandler(collect)
    portal_logger.setLevel(logging.DEBUG)
    try:
        reference = write_canaries(app)
        # A search term in a query string, and a failed decryption: both are logged.
        app.test_client().get("/", query_string={"bsn": "734918264", "q": "Zwaluwstaartje"})
        with app.app_context():
            person = db.session.scalars(select(Person).order_by(Person.id)).first()
            person.surname = person.initials  # a ciphertext in the wrong column
            with pytest.raises(DecryptionError):
                decrypt_field(person, "surname")
        result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
    finally:
        for logger in (portal_logger, logging.getLogger()):
            logger.removeHandler(collect)
        portal_logger.setLevel(old_level)

    url = make_url(fresh_app.url)
    if backend == "sqlite":
        files = [Path(f"{url.database}{suffix}") for suffix in ("", "-wal", "-shm")]
        live = b"".join(f.read_bytes() for f in files if f.exists())
        for made in (app, rotated):
            made.extensions["kp_db"].engine.dispose()  # checkpoint the WAL into the file
        at_rest = live + Path(url.database).read_bytes()
    else:
        libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
        dump = subprocess.run(["pg_dump", "--no-owner", libpq_url], capture_output=True, check=True)
        at_rest = dump.stdout
        assert b"CREATE TABLE public.person" in at_rest
    assert reference.encode() in at_rest, "the dump holds the case (the search is not vacuous)"
    assert_no_canary(at_rest, f"the {backend} database")

    assert collect.lines, "the logs were captured"
    assert_no_canary("\n".join(collect.lines).encode(), "the logs")
