"""Decision pages through the real app: open, checklist, vote, outcome, PDF, and access."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from handover.decisions import service
from handover.decisions.models import Decision
from tests.conftest import Client
from tests.decisions.conftest import ready_to_vote

WHY = {
    "corporatie": "Wij onthouden ons: wij zijn verhuurder en eisende partij.",
    "crisisteam": "Tegen ontruiming: met begeleid wonen is er nog een kans voor het gezin.",
    "zorg": "Tegen ontruiming: de kinderen hebben stabiliteit nodig; wij bieden begeleiding.",
}


@pytest.fixture
def clients(app, people, login):
    app.test_client_class = Client

    def make(slug):
        client = app.test_client()
        return login(client, people[slug][0])

    return make


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


def _token(html: str) -> str:
    return re.search(r'name="[a-z_-]*csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _post(client, url: str, page_url: str, data: dict, prefix: str, **kwargs):
    html = client.get(page_url).get_data(as_text=True)
    data = {f"{prefix}-{k}": v for k, v in data.items()}
    data[f"{prefix}-csrf_token"] = _token(html)
    return client.post(url, data=data, **kwargs), html


def test_open_a_decision_from_the_case(clients, family_case, session):
    corp = clients("corporatie")
    url = f"/casussen/{family_case.id}/besluiten/nieuw"
    page = corp.get(url)
    assert page.status_code == 200 and "Ontruiming" in page.get_data(as_text=True)
    refused = corp.post_form(url, {"kind": "eviction", "court_status": "judgment"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Kies minstens één grond." in html and "Vul de datum van het vonnis in." in html
    assert 'aria-describedby="judgment_date-error"' in html
    assert session.scalar(select(Decision.id)) is None
    made = corp.post_form(
        url,
        {
            "kind": "eviction",
            "grounds": ["arrears", "nuisance"],
            "court_status": "judgment",
            "judgment_date": "2026-10-01",
            "motivation": "De achterstand loopt op en de overlast gaat door.",
        },
    )
    decision = session.scalar(select(Decision))
    assert made.status_code == 302 and made.location.endswith(f"/besluiten/{decision.id}")
    panel = corp.get(f"/casussen/{family_case.id}/besluiten").get_data(as_text=True)
    assert f"/besluiten/{decision.id}" in panel and "In voorbereiding" in panel


def _groundwork(session, actor, case) -> None:
    """Two calls that did not reach her, a house visit that did, and a broken arrangement."""
    from portal.cases import groundwork

    for day, channel, outcome in (
        (date(2026, 10, 20), "phone", "not_reached"),
        (date(2026, 10, 27), "phone", "not_reached"),
        (date(2026, 10, 29), "house_visit", "reached"),
    ):
        groundwork.add_contact_attempt(
            session, actor, case, groundwork.ContactAttemptData(day, channel, outcome)
        )
    groundwork.add_agreement(
        session, actor, case, groundwork.AgreementData(5_000, date(2026, 11, 1), "broken")
    )
    session.flush()


def test_the_checklist_is_confirmed_with_htmx_and_without(clients, people, family_case, session):
    decision = service.open_decision(
        session, people["corporatie"][1], family_case, kind="eviction", grounds=["arrears"],
        court_status="requested", judgment_date=None, motivation="Achterstand loopt op.",
    )  # fmt: skip
    corp = clients("corporatie")
    page_url = f"/besluiten/{decision.id}"
    # The groundwork the corporation recorded fills the prevention record by itself.
    _groundwork(session, people["corporatie"][1], family_case)
    html = corp.get(page_url).get_data(as_text=True)
    assert "Open stappen: 5 van 5." in html and "Stemming openen" not in html
    assert "Geen gegevens in het portaal over: Contactpogingen per kanaal" not in html
    assert "Telefoon: 2 pogingen, 0 bereikt, van 20 oktober 2026 tot 27 oktober 2026" in html
    assert "Huisbezoek: 1 poging, 1 bereikt" in html
    assert "Betalingsregeling vanaf 1 november 2026: Niet nagekomen" in html
    assert "Geen gegevens in het portaal over: Betalingsregelingen" not in html
    # Voting cannot open yet: the page says why.
    refused, _ = _post(
        corp, f"{page_url}/stemming-openen", page_url, {"version": decision.version}, "open"
    )
    assert refused.status_code == 400 and "niet alle preventiestappen" in refused.get_data(
        as_text=True
    )
    steps = service.covenant_for(session, decision).required_prevention_steps("eviction")
    # htmx: the checklist fragment comes back, with the confirmation in it.
    fragment, _ = _post(
        corp,
        f"{page_url}/preventie/{steps[0]}",
        page_url,
        {"version": decision.version, "motivation": "Zes keer gebeld en twee huisbezoeken."},
        f"step-{steps[0]}",
        headers={"HX-Request": "true"},
    )
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert 'id="decision-checklist"' in body and "Zes keer gebeld" in body
    assert "Open stappen: 4 van 5." in body and "HX-Request" in fragment.headers["Vary"]
    # htmx with a too short motivation: the fragment carries the error.
    bad, _ = _post(
        corp, f"{page_url}/preventie/{steps[1]}", page_url,
        {"version": decision.version, "motivation": "kort"}, f"step-{steps[1]}",
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    # Without JavaScript: a redirect back to the page.
    for step in steps[1:]:
        done, _ = _post(
            corp, f"{page_url}/preventie/{step}", page_url,
            {"version": decision.version, "motivation": "Besproken en vastgelegd in het dossier."},
            f"step-{step}",
        )  # fmt: skip
        assert done.status_code == 302
    html = corp.get(page_url).get_data(as_text=True)
    assert "Alle stappen zijn bevestigd." in html and "Stemming openen" not in html
    # The tenant heard: then the vote can open.
    heard, _ = _post(
        corp, f"{page_url}/gehoord", page_url,
        {"version": decision.version, "how": "in_person", "note": "Gesprek op 2 november."},
        "hearing",
    )  # fmt: skip
    assert heard.status_code == 302
    html = corp.get(page_url).get_data(as_text=True)
    assert "Gesprek op 2 november." in html and "Stemming openen" in html
    opened, _ = _post(
        corp, f"{page_url}/stemming-openen", page_url, {"version": decision.version}, "open"
    )
    assert opened.status_code == 302 and decision.status == "voting"


def _vote(client, decision_id, position, why, htmx=False, conflict=False):
    page_url = f"/besluiten/{decision_id}"
    html = client.get(page_url).get_data(as_text=True)
    data = {
        "vote-voter_version": _field(html, "vote-voter_version"),
        "vote-csrf_token": _token(html),
        "vote-position": position,
        "vote-motivation": why,
    }
    if conflict:
        data["vote-conflict_of_interest"] = "y"
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"{page_url}/stem", data=data, headers=headers)


def test_scenario_c_votes_outcome_seal_and_pdf(clients, people, family_case, session):
    decision = ready_to_vote(session, people, family_case)
    corp, crisis, care = clients("corporatie"), clients("crisisteam"), clients("zorg")
    # Care has no referral, but as a required voter it reads the record.
    care_page = care.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Demir" in care_page and "Stem van" in care_page
    assert "afgeschermd" in care_page  # the arrears are not in care's package
    missing = corp.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert "Nog niet gestemd:" in missing and "nog 9 dagen" in missing
    assert _vote(corp, decision.id, "abstain", WHY["corporatie"]).status_code == 302
    fragment = _vote(crisis, decision.id, "disagree", WHY["crisisteam"], htmx=True)
    assert fragment.status_code == 200 and 'id="decision-vote"' in fragment.get_data(as_text=True)
    assert decision.status == "voting"
    done = _vote(care, decision.id, "disagree", WHY["zorg"], htmx=True)
    html = done.get_data(as_text=True)
    assert decision.status == "decided"
    assert (
        "Afgewezen: Ontruiming." in html and "Wat nu geldt: Laatstekanstraject, 24 maanden" in html
    )
    assert decision.seal_hash in html and "Zegel klopt" in html
    # The outvoted corporation? It abstained: not outvoted, so no dissent form.
    assert "Afwijkend standpunt vastleggen" not in corp.get(f"/besluiten/{decision.id}").get_data(
        as_text=True
    )
    # The PDF for the case file: every motivation, the rule and the seal.
    response = corp.get(f"/besluiten/{decision.id}/besluit.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    for why in WHY.values():
        assert " ".join(why.split()) in flat, why
    assert "Unanimiteit: alle partners moeten instemmen" in flat
    assert decision.seal_hash in flat.replace(" ", "") or decision.seal_hash in text.replace(
        "\n", ""
    )
    assert "Laatstekanstraject" in flat and family_case.reference in flat
    # The corporation records the new conditional tenancy agreement.
    page_url = f"/besluiten/{decision.id}"
    recorded, _ = _post(
        corp, f"{page_url}/huurovereenkomst", page_url,
        {"signed_on": "2026-11-01", "note": "Voorwaardelijke huurovereenkomst getekend."},
        "tenancy",
    )  # fmt: skip
    assert recorded.status_code == 302
    assert decision.trajectory.tenancy_signed_on is not None


def test_pdf_of_a_reader_shows_what_is_withheld(clients, people, family_case, session):
    decision = ready_to_vote(session, people, family_case)
    for slug in ("corporatie", "crisisteam", "zorg"):
        service.cast_vote(
            session, people[slug][1], decision, position="agree", motivation=WHY[slug]
        )
    response = clients("zorg").get(f"/besluiten/{decision.id}/besluit.pdf")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    assert "afgeschermd" in text  # arrears: not in care's package
    assert "Aangenomen" in " ".join(text.split())


def test_the_list_puts_decisions_waiting_for_my_vote_first(
    clients, people, family_case, make_case, session
):
    other = make_case("corporatie", surname="Later")
    waiting = ready_to_vote(session, people, family_case)
    preparing = service.open_decision(
        session, people["corporatie"][1], other, kind="eviction", grounds=["arrears"],
        court_status="none", judgment_date=None, motivation="Achterstand loopt op.",
    )  # fmt: skip
    html = clients("crisisteam").get("/besluiten").get_data(as_text=True)
    first = html.index(f"/besluiten/{waiting.id}")
    assert first < html.index(f"/besluiten/{preparing.id}")
    assert "wacht op uw stem" in html
    assert "/besluiten/" not in clients("welzijn").get("/besluiten").get_data(as_text=True)


def test_a_vote_after_the_deadline_is_refused_on_the_page(clients, people, family_case, session):
    from datetime import timedelta

    from portal.db import utcnow

    decision = ready_to_vote(session, people, family_case)
    crisis = clients("crisisteam")
    html = crisis.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    decision.deadline_at = utcnow() - timedelta(minutes=1)
    session.flush()
    response = crisis.post(
        f"/besluiten/{decision.id}/stem",
        data={
            "vote-voter_version": _field(html, "vote-voter_version"),
            "vote-csrf_token": _token(html),
            "vote-position": "agree",
            "vote-motivation": WHY["crisisteam"],
        },
    )
    assert response.status_code == 400
    assert "De termijn om te stemmen is verstreken." in response.get_data(as_text=True)
    assert decision.voter_for(people["crisisteam"][0].organisation_id).position is None


# --- access ----------------------------------------------------------------------------------

DECISION_URLS = [
    ("get", "/besluiten/{d}"),
    ("get", "/besluiten/{d}/besluit.pdf"),
    ("post", "/besluiten/{d}/preventie/contact_attempts"),
    ("post", "/besluiten/{d}/traject"),
    ("post", "/besluiten/{d}/gehoord"),
    ("post", "/besluiten/{d}/stemming-openen"),
    ("post", "/besluiten/{d}/stem"),
    ("post", "/besluiten/{d}/afwijkend-standpunt"),
    ("post", "/besluiten/{d}/tijdlijn"),
    ("post", "/besluiten/{d}/huurovereenkomst"),
    ("post", "/besluiten/{d}/deurwaarder"),
    ("post", "/besluiten/{d}/intrekken"),
    ("get", "/casussen/{c}/besluiten"),
    ("get", "/casussen/{c}/besluiten/nieuw"),
    ("post", "/casussen/{c}/besluiten/nieuw"),
]


def test_every_decision_url_is_in_the_access_matrix(app):
    rules = {
        re.sub(r"<[^>]+>", "x", r.rule)
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("decisions.") and r.rule != "/besluiten"
    }
    listed = {
        re.sub(r"\{[a-z]\}", "x", url).replace("contact_attempts", "x") for _, url in DECISION_URLS
    }
    assert rules == listed


@pytest.mark.parametrize("slug", ["welzijn", "schuldhulp"])
@pytest.mark.parametrize(("method", "url"), DECISION_URLS)
def test_unrelated_organisations_get_404_everywhere(
    clients, people, single_case, session, slug, method, url
):
    """Organisations that neither own nor vote on the decision cannot tell it exists."""
    decision = ready_to_vote(session, people, single_case)
    for position, org in (("agree", "corporatie"), ("agree", "crisisteam")):
        service.cast_vote(session, people[org][1], decision, position=position, motivation=WHY[org])
    client = clients(slug)
    target = url.format(d=decision.id, c=single_case.id)
    response = client.get(target) if method == "get" else client.post_form(target, {})
    assert response.status_code == 404


def test_a_voter_cannot_do_what_only_the_owner_does(clients, people, family_case, session):
    from handover.decisions.service import open_decision

    decision = open_decision(
        session, people["corporatie"][1], family_case, kind="eviction", grounds=["arrears"],
        court_status="none", judgment_date=None, motivation="Achterstand loopt op.",
    )  # fmt: skip
    crisis = clients("crisisteam")
    page = f"/besluiten/{decision.id}"
    html = crisis.get(page).get_data(as_text=True)
    assert "Stap bevestigen" not in html
    response, _ = _post(
        crisis, f"{page}/preventie/contact_attempts", page,
        {"version": decision.version, "motivation": "Wij bevestigen dit niet zelf."},
        "step-contact_attempts",
    )  # fmt: skip
    assert response.status_code == 403
    assert decision.confirmation("contact_attempts") is None


@pytest.mark.parametrize("roles", [("org_admin",), ("auditor",), ("covenant_admin",)])
def test_roles_without_case_work_get_no_decision(
    app, people, family_case, session, make_user, login, roles
):
    """An admin or auditor of the owning organisation sees neither the page nor the PDF:
    both show names and BSNs, which the covenant's roles decide on, not the portal's."""
    decision = ready_to_vote(session, people, family_case)
    for slug in ("corporatie", "crisisteam", "zorg"):
        service.cast_vote(
            session, people[slug][1], decision, position="agree", motivation=WHY[slug]
        )
    assert decision.is_sealed  # so the PDF exists for whoever may read it
    app.test_client_class = Client
    other = login(app.test_client(), make_user("corporatie", roles=roles))
    assert other.get(f"/besluiten/{decision.id}").status_code == 403
    assert other.get(f"/besluiten/{decision.id}/besluit.pdf").status_code == 403
    assert other.get(f"/casussen/{family_case.id}/besluiten").status_code == 403
    assert other.get("/besluiten").status_code == 403
    assert other.post_form(f"/besluiten/{decision.id}/afwijkend-standpunt", {}).status_code == 403
    assert "Besluiten" not in other.get("/mijn-werk").get_data(as_text=True)


def test_the_decision_page_in_english(clients, people, family_case, session):
    decision = ready_to_vote(session, people, family_case)
    crisis = clients("crisisteam")
    with crisis.session_transaction() as sess:
        sess["lang"] = "en"
    html = crisis.get(f"/besluiten/{decision.id}").get_data(as_text=True)
    assert '<html lang="en"' in html
    for text in (
        "Eviction",
        "Prevention: what was done to prevent an eviction?",
        "The partners' votes",
        "Cast vote",
        "Unanimity: every partner must agree",
        "Timeline of the eviction case",
    ):
        assert text in html.replace("&#39;", "'"), text
