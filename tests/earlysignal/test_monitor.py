"""The export for the national monitor: the period's signals in the VNG model's shape, valid
against the schema in the repository, without names or BSN, the same after the referral
closed; a bad period is refused in words; nobody but the receiving municipality exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta

import jsonschema
import pytest
from sqlalchemy import func, select

from handover.earlysignal import monitor, service
from portal.audit.models import AuditEvent
from tests.conftest import Client
from tests.earlysignal.conftest import SENT

PERIOD = {"van": "2027-03-01", "tot": "2027-03-31"}


@pytest.fixture
def signals(session, people, send_signal, make_case):
    """Three signals: two in March 2027 (one crisis, with attempts and an outcome), one in
    April."""
    municipality = people["schuldhulp"][1]
    crisis = send_signal(
        crisis=True,
        case=make_case(
            "corporatie",
            surname="Testpersoon",
            house_number="12-HS",
            postcode="1234 AB",
            arrears_cents=98_765,
        ),
    )
    plain = send_signal(now=SENT + timedelta(days=3))
    send_signal(now=datetime(2027, 4, 2, 9, 0, tzinfo=SENT.tzinfo))
    attempts = [
        service.AttemptData("phone", False, date(2027, 3, 2), at=time(9, 30)),
        service.AttemptData("card", False, date(2027, 3, 2), day_part="afternoon"),
        service.AttemptData("house_visit", True, date(2027, 3, 3), at=time(19, 0)),
    ]
    for data in attempts:
        service.record_attempt(session, municipality, crisis, data, now=SENT + timedelta(days=2))
    service.record_outcome(
        session,
        municipality,
        crisis,
        "follow_up_financial",
        version=crisis.version,
        on=date(2027, 3, 10),
        now=SENT + timedelta(days=9),
    )
    session.commit()
    return crisis, plain


@pytest.fixture
def client_of(app, login, people):
    app.test_client_class = Client
    return lambda slug: login(app.test_client(), people[slug][0])


def test_the_document_fits_the_schema_and_holds_what_the_monitor_asks(
    session, people, signals, client_of
):
    crisis, _plain = signals
    response = client_of("schuldhulp").get("/vroegsignalen/monitor", query_string=PERIOD)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="vroegsignalering-monitor-20270301-20270331.json"'
    )
    doc = json.loads(response.get_data(as_text=True))
    jsonschema.validate(doc, monitor.schema(), format_checker=jsonschema.FormatChecker())
    assert doc["periode"] == {"van": "2027-03-01", "tot_en_met": "2027-03-31"}
    assert [s["signaaldatum"] for s in doc["signalen"]] == ["2027-03-01", "2027-03-04"]
    first = doc["signalen"][0]
    assert first["crisissignaal"] is True and first["warmeOverdracht"] is False
    assert first["bedrag"] == "987.65"
    assert first["signaalpartner"] == {"type": "Huur"}
    assert first["client"] == {
        "geboortedatum": "1980-05-17",
        "postcode": "1234AB",
        "huisnummer": "12",
        "huisnummertoevoeging": "HS",
    }
    assert first["contactpogingen"] == [
        {"soort": "Telefoon", "bereikt": False, "datum": "2027-03-02", "dagdeel": "Ochtend"},
        {"soort": "Kaartje", "bereikt": False, "datum": "2027-03-02", "dagdeel": "Middag"},
        {"soort": "Huisbezoek", "bereikt": True, "datum": "2027-03-03", "dagdeel": "Avond"},
    ]
    assert first["zaak"] == {
        "datum_opgepakt": "2027-03-02",
        "resultaat": "Vervolghulp en/of verwijzing financieel",
    }
    assert doc["signalen"][1]["zaak"] == {"datum_opgepakt": None, "resultaat": None}
    # The closed referral no longer shares the case: the export reads the signal case.
    assert crisis.referral.status == "completed"
    body = response.get_data(as_text=True)
    for personal in ("Testpersoon", "Jansen", "111222333", "Dorpsstraat", "06 12345678"):
        assert personal not in body


def test_csv_has_one_row_per_signal(signals, client_of):
    response = client_of("schuldhulp").get(
        "/vroegsignalen/monitor", query_string={**PERIOD, "formaat": "csv"}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    assert len(rows) == 2
    assert rows[0]["bedrag"] == "987,65"
    assert rows[0]["contactpogingen"] == "3" and rows[0]["contactpogingen_bereikt"] == "1"
    assert rows[0]["eerste_contactpoging"] == "2027-03-02"
    assert "Testpersoon" not in response.get_data(as_text=True)


def test_one_audit_event_names_the_look(session, signals, client_of):
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    client_of("schuldhulp").get("/vroegsignalen/monitor", query_string=PERIOD)
    session.expire_all()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "earlysignal.monitor_export")
    ).all()
    assert len(events) == 1
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1


def test_the_corporation_exports_no_signal_of_the_municipality(signals, client_of):
    response = client_of("corporatie").get("/vroegsignalen/monitor", query_string=PERIOD)
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True))["signalen"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"van": "2027-03-31", "tot": "2027-03-01"}, "De einddatum ligt voor de begindatum."),
        ({"van": "2026-01-01", "tot": "2027-03-01"}, "Kies een periode van hoogstens een jaar."),
        ({"van": "1-3-2027\x00", "tot": "2027-03-01"}, "Van:"),
        ({"van": "2027-03-01", "tot": "99999-01-01"}, "Tot en met:"),
        ({"van": "2027-03-01"}, "Vul een datum in."),
        ({**PERIOD, "formaat": "xlsx"}, "Bestand:"),
    ],
)
def test_a_bad_period_is_refused_in_words(signals, client_of, query, message):
    response = client_of("schuldhulp").get("/vroegsignalen/monitor", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "kp-error-summary" in body and "Er is niets gedownload." in body
    assert message in body


def test_the_form_without_a_period(client_of):
    response = client_of("schuldhulp").get("/vroegsignalen/monitor")
    assert response.status_code == 200
    assert "Export voor de monitor vroegsignalering" in response.get_data(as_text=True)
