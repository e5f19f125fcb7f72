"""Accepting and activating covenant versions in the portal, and reading them."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.covenant.models import CovenantAcceptance, CovenantVersion
from portal.demo import DEMO_COVENANT
from tests.covenant.conftest import DEMO_SLUGS


def _accept(client, version: CovenantVersion, sha256: str | None = None, **extra):
    data = {"sha256": sha256 or version.sha256, "confirm": "y", **extra}
    return client.post_form(f"/convenant/versies/{version.number}/aanvaarden", data)


def _activate(client, version: CovenantVersion, reason: str):
    return client.post_form(f"/convenant/versies/{version.number}/activeren", {"reason": reason})


def _acceptances(session, version) -> dict[int, CovenantAcceptance]:
    rows = session.scalars(
        select(CovenantAcceptance).where(CovenantAcceptance.version_id == version.id)
    )
    return {a.organisation_id: a for a in rows}


def _second_source() -> bytes:
    return DEMO_COVENANT.read_bytes() + b"\n# version two\n"


def test_acceptance_by_every_partner_activates(client, login, session, admins, load_covenant):
    version = load_covenant()
    for i, slug in enumerate(DEMO_SLUGS):
        admin = admins[slug]
        login(client, admin)
        page = client.get(f"/convenant/versies/{version.number}").get_data(as_text=True)
        assert 'name="confirm"' in page and version.sha256 in page
        response = _accept(client, version)
        assert response.status_code == 302, response.get_data(as_text=True)
        session.refresh(version)
        accepted = _acceptances(session, version)[admin.organisation_id]
        assert accepted.user_id == admin.id and accepted.sha256 == version.sha256
        assert accepted.accepted_at is not None
        assert version.status == ("active" if i == len(DEMO_SLUGS) - 1 else "draft")
    assert version.activated_how == "all_accepted" and version.activated_at is not None
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("covenant.%")).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["covenant.load"] + ["covenant.accept"] * len(
        DEMO_SLUGS
    ) + ["covenant.activate"]
    assert events[1].user_id == admins["corporatie"].id
    assert events[1].organisation_id == admins["corporatie"].organisation_id
    assert events[-1].detail_dict["how"] == "all_accepted"
    # Once accepted, the form is not offered again.
    page = client.get(f"/convenant/versies/{version.number}").get_data(as_text=True)
    assert 'name="confirm"' not in page


def test_covenant_admin_activates_explicitly_with_a_reason(
    client, login, session, make_user, load_covenant, partners
):
    first = load_covenant()
    admin = make_user("corporatie", ("covenant_admin",))
    login(client, admin)
    response = _activate(client, first, "Alle partners stemden in het overleg in.")
    assert response.status_code == 302
    session.refresh(first)
    assert first.status == "active" and first.activated_how == "explicit"
    assert first.activation_reason == "Alle partners stemden in het overleg in."
    assert first.activated_by_id == admin.id
    second = load_covenant(_second_source())
    assert _activate(client, second, "Nieuwe versie na de evaluatie.").status_code == 302
    session.refresh(first)
    session.refresh(second)
    assert (first.status, second.status) == ("superseded", "active")
    assert first.superseded_at is not None
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "covenant.activate").order_by(AuditEvent.id)
    ).all()[-1]
    assert event.detail_dict == {
        "version": 2,
        "sha256": second.sha256,
        "how": "explicit",
        "superseded": [1],
    }
    # Earlier versions stay readable.
    old = client.get("/convenant/versies/1").get_data(as_text=True)
    assert "Vervangen" in old and first.sha256 in old
    listing = client.get("/convenant/versies").get_data(as_text=True)
    assert "Versie 1" in listing and "Versie 2" in listing
    # An active or superseded version cannot be activated again.
    assert _activate(client, first, "Terug naar de eerste versie.").status_code == 409


def test_activation_needs_a_reason(client, login, session, make_user, load_covenant):
    version = load_covenant()
    login(client, make_user("corporatie", ("covenant_admin",)))
    response = _activate(client, version, "kort")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html and 'id="activate-reason-error"' in html
    assert "Geef een reden van 10 tot 2000 tekens." in html
    session.refresh(version)
    assert version.status == "draft"


def test_org_admin_of_a_non_partner_cannot_accept(client, login, session, make_user, load_covenant):
    version = load_covenant()
    outsider = make_user("elders", ("org_admin",))
    login(client, outsider)
    page = client.get(f"/convenant/versies/{version.number}").get_data(as_text=True)
    assert 'name="confirm"' not in page
    response = _accept(client, version)
    assert response.status_code == 403
    assert _acceptances(session, version) == {}


def test_org_admin_accepts_only_for_their_own_organisation(
    client, login, session, admins, partners, load_covenant
):
    version = load_covenant()
    login(client, admins["schuldhulp"])
    corporatie = partners["corporatie"]
    response = _accept(
        client, version, organisation_id=str(corporatie.id), organisation="corporatie"
    )
    assert response.status_code == 302
    assert set(_acceptances(session, version)) == {partners["schuldhulp"].id}


@pytest.mark.parametrize(
    ("roles", "accept", "activate"),
    [
        (("caseworker",), 403, 403),
        (("team_manager",), 403, 403),
        (("auditor",), 403, 403),
        (("org_admin",), 302, 403),
        (("covenant_admin",), 403, 302),
    ],
)
def test_access_matrix(client, login, make_user, load_covenant, roles, accept, activate):
    version = load_covenant()
    login(client, make_user("corporatie", roles))
    assert client.get(f"/convenant/versies/{version.number}").status_code == 200
    assert _accept(client, version).status_code == accept
    assert _activate(client, version, "Met een goede reden.").status_code == activate


def test_anonymous_requests_are_refused(client, load_covenant):
    version = load_covenant()
    csrf = client.csrf_token()
    for url in (
        "/convenant",
        "/convenant/versies",
        f"/convenant/versies/{version.number}",
        f"/convenant/versies/{version.number}/bron.toml",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/inloggen")
        assert client.get(url, headers={"Accept": "application/json"}).status_code == 401
    for action in ("aanvaarden", "activeren"):
        url = f"/convenant/versies/{version.number}/{action}"
        response = client.post(url, data={"csrf_token": csrf})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/inloggen")


def test_accepting_another_text_than_the_version_is_refused(
    client, login, session, admins, load_covenant
):
    version = load_covenant()
    login(client, admins["zorg"])
    response = _accept(client, version, sha256="a" * 64)
    assert response.status_code == 409
    assert "Het convenant dat u las is niet deze versie." in response.get_data(as_text=True)
    assert _acceptances(session, version) == {}


def test_accepting_twice_is_refused(client, login, session, admins, load_covenant):
    version = load_covenant()
    login(client, admins["zorg"])
    assert _accept(client, version).status_code == 302
    assert _accept(client, version).status_code == 409
    assert len(_acceptances(session, version)) == 1


def test_a_superseded_version_cannot_be_accepted(
    client, login, session, admins, make_user, load_covenant
):
    first = load_covenant()
    second = load_covenant(_second_source())
    login(client, make_user("corporatie", ("covenant_admin",)))
    assert _activate(client, second, "De nieuwe versie gaat voor.").status_code == 302
    session.refresh(first)
    assert first.status == "superseded"
    login(client, admins["welzijn"])
    assert _accept(client, first).status_code == 409


def test_csrf_is_required(client, login, admins, load_covenant):
    version = load_covenant()
    login(client, admins["zorg"])
    url = f"/convenant/versies/{version.number}/aanvaarden"
    response = client.post(url, data={"sha256": version.sha256, "confirm": "y"})
    assert response.status_code == 400


def test_unknown_version_is_404(client, login, admins, load_covenant):
    load_covenant()
    login(client, admins["zorg"])
    assert client.get("/convenant/versies/99").status_code == 404
    assert _accept(client, CovenantVersion(number=99, sha256="0" * 64)).status_code == 404


def test_htmx_accept_answers_with_the_partial(client, login, admins, load_covenant):
    version = load_covenant()
    login(client, admins["zorg"])
    response = client.post(
        f"/convenant/versies/{version.number}/aanvaarden",
        data={"sha256": version.sha256, "confirm": "y"},
        headers={"HX-Request": "true", "X-CSRFToken": client.csrf_token()},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<section id="acceptance"')
    assert "Aanvaard namens uw organisatie." in html and "<html" not in html
    # The version's facts (its status badge) follow out of band: nothing stale above.
    assert '<div id="convenant-feiten" hx-swap-oob="true">' in html


def test_htmx_validation_error_stays_in_the_partial(client, login, admins, load_covenant):
    version = load_covenant()
    login(client, admins["zorg"])
    response = client.post(
        f"/convenant/versies/{version.number}/aanvaarden",
        data={"sha256": version.sha256},
        headers={"HX-Request": "true", "X-CSRFToken": client.csrf_token()},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vink aan dat u deze versie aanvaardt." in html
    assert 'aria-describedby="accept-hash accept-confirm-error"' in html


def test_professional_page_shows_matrix_ladder_rules_and_retention(
    client, login, session, make_user
):
    from portal.demo import load_demo

    load_demo(session)
    login(client, make_user("welzijn", ("caseworker",)))
    response = client.get("/convenant")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Convenant Vroegsignalering en Voorkomen Huisuitzetting" in html
    assert "Wgs art. 3a — vroegsignalering (wet)" in html
    assert '<td class="utrecht-table__cell">Toestemming</td>' in html
    assert "Escalatieladder en termijnen" in html
    assert "Unanimiteit" in html and "Meerderheid" in html
    assert "Betalingsregeling overwogen" in html
    assert "Bewaartermijn per categorie" in html
    assert "Alle partners hebben deze versie aanvaard." in html
    # No inline script or style under the strict CSP.
    assert "<script>" not in html and "style=" not in html


def test_page_without_active_covenant(client, login, make_user, load_covenant):
    login(client, make_user("welzijn", ("caseworker",)))
    html = client.get("/convenant").get_data(as_text=True)
    assert "Er is nog geen actief convenant." in html
    assert "/convenant/versies" not in html.split("<main", 1)[1]
    load_covenant()
    html = client.get("/convenant").get_data(as_text=True)
    assert "/convenant/versies" in html.split("<main", 1)[1]


def test_source_download_matches_the_accepted_hash(client, login, make_user, load_covenant):
    version = load_covenant()
    login(client, make_user("zorg", ("caseworker",)))
    response = client.get(f"/convenant/versies/{version.number}/bron.toml")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert hashlib.sha256(response.data).hexdigest() == version.sha256


@pytest.mark.parametrize(
    ("lang", "direction", "heading", "covenant_text"),
    [
        ("nl", "ltr", "Wie mag wat over u weten, en waarom?", "Gezondheid"),
        ("en", "ltr", "Who may know what about you, and why?", "Health"),
        ("tr", "ltr", "Kim sizin hakkınızda neyi bilebilir ve neden?", "Sağlık"),
        ("ar", "rtl", "من يحق له أن يعرف ماذا عنك، ولماذا؟", "الصحة"),
    ],
)
def test_tenant_summary_in_four_languages(
    client, session, partners, lang, direction, heading, covenant_text
):
    from portal.demo import load_demo

    load_demo(session)
    client.get(f"/taal/{lang}?next=/")
    response = client.get("/convenant/uitleg")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'lang="{lang}"' in html and f'dir="{direction}"' in html
    assert heading in html
    assert covenant_text in html
    # Generated from the document: partners, purposes, bases and retention.
    assert "Woonstichting Demostad" in html and "Regio Demostad" in html
    assert "<script>" not in html and "style=" not in html


def test_tenant_summary_is_generated_from_the_active_covenant(client, session, partners):
    from portal.demo import load_demo

    load_demo(session)
    html = client.get("/convenant/uitleg").get_data(as_text=True)
    assert "Vroegsignalering van betalingsachterstanden" in html
    assert "De wet zegt dat de woningcorporatie een huurachterstand moet doorgeven" in html
    assert "Alleen als u daar zelf ja op zegt." in html
    assert "Gezondheid, Justitiegegevens" in html  # the special categories
    assert (
        "Krijgt u hulp van Zorggroep Demostad (GGZ en beschermd wonen)? Dat vertellen we niet "
        "aan de andere organisaties." in html
    )
    assert "Gezondheid: na 6 maanden" in html and "Identiteit: na 2 jaar" in html
    assert "versie 1" in html and "1 december 2026" in html


def test_tenant_summary_without_active_covenant(client, session):
    html = client.get("/convenant/uitleg").get_data(as_text=True)
    assert "Er zijn nog geen afspraken van kracht." in html
