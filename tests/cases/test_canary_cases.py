"""Invariant 1 for the case room: canary values entered through the pages (upload, forms,
search) appear nowhere at rest (the SQLite file, a pg_dump) and nowhere in the logs."""

from __future__ import annotations

import io
import logging
import re
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from portal import create_app
from tests.cases.conftest import csv_bytes, row
from tests.cases.test_jobs import signed_in_client
from tests.conftest import Client, make_test_config, migrate
from tests.crypto.test_canary import Collect, assert_no_canary

CANARIES = {
    "surname": "Merelvleugeltje",
    "street": "Roodborstjeslaan",
    "city": "Vinkenveld aan Zee",
    "email": "merel.vink@example.org",
    "note": "Kanarienotitie over de deurbel",
    "life": "Spreeuwenzorgen in het gezin",
    "debts": "Schuld bij Koolmeesbank",
    "member": "Winterkoninkje",
}
BSN = "734918264"
MEMBER_BSN = "734918276"


def test_no_canary_from_the_case_pages_at_rest_or_in_logs(backend, databases, tmp_path):
    url = databases.fresh(backend, "casecanary")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path / "instance"))
    app.test_client_class = Client
    collect = Collect()
    portal_logger = logging.getLogger("portal")
    old_level = portal_logger.level
    portal_logger.addHandler(collect)
    portal_logger.setLevel(logging.DEBUG)
    try:
        client = signed_in_client(app)
        data = csv_bytes(
            row(
                BSN,
                surname=CANARIES["surname"],
                street=CANARIES["street"],
                city=CANARIES["city"],
                email=CANARIES["email"],
                postcode="9999 ZZ",
                house_number="9173",
                amount="9.876,54",
            )
        )
        token = client.csrf_token("/casussen/import")
        response = client.post(
            "/casussen/import",
            data={"csrf_token": token, "file": (io.BytesIO(data), "signalen.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
        # A refused file: its report shows the row's tenant number and that the name is
        # invalid, never the name itself, and keeps the tenant number nowhere.
        refused = csv_bytes(
            row(
                "734918288",
                tenant_number="H-Kanarie-77",
                surname=CANARIES["surname"] + "\u202e",
                street=CANARIES["street"],
            )
        )
        response = client.post(
            "/casussen/import",
            data={"csrf_token": token, "file": (io.BytesIO(refused), "signalen.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        report = response.get_data(as_text=True)
        assert "<bdi>H-Kanarie-77</bdi>" in report and CANARIES["surname"] not in report
        found = client.post_form("/casussen/zoeken", {"term": BSN}).get_data(as_text=True)
        case_id = re.search(r'href="/casussen/(\d+)"', found)[1]
        case = f"/casussen/{case_id}"
        assert (
            client.post_form(
                f"{case}/contactpogingen/nieuw",
                {
                    "attempted_on": "2026-11-02",
                    "channel": "phone",
                    "outcome": "reached",
                    "note": CANARIES["note"],
                },
            ).status_code
            == 303
        )
        assert (
            client.post_form(
                f"{case}/levenskaart", {"family-status": "worried", "family-note": CANARIES["life"]}
            ).status_code
            == 303
        )
        assert (
            client.post_form(
                f"{case}/financien", {"income_source": "benefit", "debts_note": CANARIES["debts"]}
            ).status_code
            == 303
        )
        assert (
            client.post_form(
                f"{case}/huishouden/nieuw",
                {"surname": CANARIES["member"], "bsn": MEMBER_BSN, "relation": "child"},
            ).status_code
            == 303
        )
        client.post_form("/casussen/zoeken", {"term": "9999 ZZ 9173"})
        page = client.get(case).get_data(as_text=True)
        assert CANARIES["note"] in page and CANARIES["member"] in page
    finally:
        portal_logger.removeHandler(collect)
        portal_logger.setLevel(old_level)
        app.extensions["kp_db"].engine.dispose()

    parsed = make_url(url)
    if backend == "sqlite":
        at_rest = b"".join(
            Path(f"{parsed.database}{suffix}").read_bytes()
            for suffix in ("", "-wal", "-shm")
            if Path(f"{parsed.database}{suffix}").exists()
        )
    else:
        libpq_url = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        at_rest = subprocess.run(
            ["pg_dump", "--no-owner", libpq_url], capture_output=True, check=True
        ).stdout
    assert b"contact_attempt" in at_rest
    needles = [*CANARIES.values(), BSN, MEMBER_BSN, "9876,54", "987654", "H-Kanarie-77"]
    lowered = at_rest.lower()
    for needle in needles:
        assert needle.lower().encode() not in lowered, f"{needle!r} at rest"
    assert_no_canary(at_rest, "the database")
    logs = "\n".join(collect.lines)
    assert collect.lines
    for needle in needles:
        assert needle.lower() not in logs.lower(), f"{needle!r} in the logs"
