"""A field that cannot be decrypted shows a friendly error page, never garbage or a trace."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select, text

from portal.access import public
from portal.accounts.models import Organisation
from portal.cases.models import Person
from portal.cases.service import create_case
from portal.crypto.fields import decrypt_field
from portal.extensions import db
from tests.conftest import SYSTEM, main_tenant


@pytest.fixture
def broken_app(fresh_app):
    """An app with a page that shows a surname, whose ciphertext was moved to another row."""
    app = fresh_app()

    @app.get("/_test/surname")
    @public
    def _surname():
        person = db.session.scalars(select(Person).order_by(Person.id)).first()
        return str(decrypt_field(person, "surname"))

    with app.app_context():
        org = Organisation(slug="corporatie", name="Woonstichting")
        db.session.add(org)
        db.session.flush()
        create_case(db.session, SYSTEM, org, [main_tenant(surname="Geheimnaam")])
        create_case(db.session, SYSTEM, org, [main_tenant(surname="Anders", bsn="123456782")])
        db.session.commit()
    return app


def test_the_page_works_until_the_data_is_tampered_with(broken_app):
    client = broken_app.test_client()
    assert client.get("/_test/surname").get_data(as_text=True) == "Geheimnaam"
    with broken_app.app_context():
        db.session.execute(
            text(
                "UPDATE person SET surname = (SELECT surname FROM person WHERE id = 2) WHERE id = 1"
            )
        )
        db.session.commit()
    response = client.get("/_test/surname")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Gegevens niet te openen" in html and "niet uw fout" in html
    assert "Traceback" not in html and "DecryptionError" not in html
    assert "Geheimnaam" not in html and "Anders" not in html


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "Data cannot be opened"),
        ("tr", "Veriler açılamıyor"),
        ("ar", "تعذّر فتح البيانات"),
    ],
)
def test_the_message_is_translated(broken_app, lang, title):
    client = broken_app.test_client()
    with broken_app.app_context():
        db.session.execute(text("UPDATE person SET surname = initials WHERE id = 1"))
        db.session.commit()
    client.get(f"/taal/{lang}")
    response = client.get("/_test/surname")
    assert response.status_code == 500 and title in response.get_data(as_text=True)


def test_api_clients_get_json_and_the_log_names_only_the_reason(broken_app):
    with broken_app.app_context():
        db.session.execute(text("UPDATE person SET surname = initials WHERE id = 1"))
        db.session.commit()
    collected: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: collected.append(  # type: ignore[method-assign]
        broken_app.logger.handlers[0].formatter.format(record)
    )
    logging.getLogger("portal").addHandler(handler)
    try:
        response = broken_app.test_client().get(
            "/_test/surname", headers={"Accept": "application/json"}
        )
    finally:
        logging.getLogger("portal").removeHandler(handler)
    assert response.status_code == 500
    assert response.get_json()["error"] == "Gegevens niet te openen"
    errors = [json.loads(line) for line in collected if "decryption" in line]
    assert errors and all(e["error"] == "tampered" for e in errors)
    assert all("Geheimnaam" not in line for line in collected)
