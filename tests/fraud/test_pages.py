"""The "Woonfraude" pages through the web: the owner opens an investigation, adds a house
visit, uploads evidence (a file named .pdf that is no PDF is refused with a clear message),
records the outcome, seals and downloads the court file; a partner that sees the case gets
"not found" on every page and action, and no link to the tab; bad input is a clear 400."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from handover import service as referrals
from handover.fraud.models import CourtFile, FraudInvestigation
from portal.audit.models import AuditEvent
from portal.workdays import local_today

from .conftest import GROUNDS, pdf_bytes


def _upload(browser, url, data: bytes, name: str):
    return browser.post(
        url,
        data={
            "csrf_token": browser.csrf_token(),
            "file": (io.BytesIO(data), name),
            "description": "Bewijs",
        },
        content_type="multipart/form-data",
    )


def test_the_owner_walks_an_investigation(session, client, login, owner, case):
    session.commit()
    browser = login(client, owner)
    base = f"/casussen/{case.id}/woonfraude"
    case_page = browser.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert base in case_page  # the tab
    assert "Onderzoek starten" in browser.get(base).get_data(as_text=True)
    bad = browser.post_form(base, {"suspicion": "sublet", "opened_on": "", "grounds": GROUNDS})
    assert bad.status_code == 400 and "Vul een datum in." in bad.get_data(as_text=True)
    opened = browser.post_form(
        base,
        {"suspicion": "sublet", "opened_on": (local_today() - timedelta(days=3)).isoformat(),
         "grounds": GROUNDS},
    )  # fmt: skip
    assert opened.status_code == 303
    found = session.scalars(select(FraudInvestigation)).one()
    page_url = f"{base}/{found.id}"
    assert opened.headers["Location"].endswith(page_url)
    page = browser.get(page_url).get_data(as_text=True)
    assert GROUNDS in page and "Onderhuur" in page

    visit = browser.post_form(
        f"{page_url}/verslag",
        {"kind": "house_visit", "happened_on": local_today().isoformat(), "text": "Ander gezin."},
    )
    assert visit.status_code == 400 and "Vul dit in." in visit.get_data(as_text=True)
    visit = browser.post_form(
        f"{page_url}/verslag",
        {"kind": "house_visit", "happened_on": local_today().isoformat(),
         "visitors": "S. de Vries", "text": "Ander gezin woont er."},
    )  # fmt: skip
    assert visit.status_code == 303

    fake = _upload(browser, f"{page_url}/bijlagen", b"MZ\x90 this is a program", "bewijs.pdf")
    assert fake.status_code == 400
    assert "Dit bestand is geen PDF, JPEG of PNG" in fake.get_data(as_text=True)
    real = _upload(browser, f"{page_url}/bijlagen", pdf_bytes(), "brief.pdf")
    assert real.status_code == 303
    page = browser.get(page_url).get_data(as_text=True)
    assert "brief.pdf" in page and "Ander gezin woont er." in page

    done = browser.post_form(
        f"{page_url}/uitkomst",
        {"outcome": "court_procedure", "decided_on": local_today().isoformat(),
         "motivation": "Onderhuur aangetoond bij het huisbezoek."},
    )  # fmt: skip
    assert done.status_code == 303
    sealed = browser.post_form(f"{page_url}/dossier")
    assert sealed.status_code == 303
    court_file = session.scalars(select(CourtFile)).one()
    page = browser.get(page_url).get_data(as_text=True)
    assert court_file.record_hash in page and "Zegel intact, actueel" in page
    again = browser.post_form(f"{page_url}/dossier")
    assert again.status_code == 400 and "Er is niets veranderd" in again.get_data(as_text=True)

    download = browser.get(f"{page_url}/dossier/versie-1.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Testpersoon" not in disposition
    assert case.reference in disposition
    assert download.headers["Cache-Control"] == "no-store"
    assert browser.get(f"{page_url}/dossier/versie-2.pdf").status_code == 404
    assert browser.get(f"{page_url}/dossier/versie-99999999999999999999.pdf").status_code == 404
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)))
    assert {
        "fraud.open",
        "fraud.entry",
        "attachment.added",
        "fraud.outcome",
        "fraud.court_file.sealed",
        "fraud.court_file.download",
        "fraud.view",
    } <= actions


def test_a_partner_reaches_none_of_it(session, client, login, owner_actor, partner, case, visited):
    referrals.send(
        session, owner_actor, case, purpose="debt_help",
        recipient_org_id=partner.organisation_id, note=None,
    )  # fmt: skip
    from handover.fraud import courtfile

    courtfile.assemble(session, owner_actor, visited, by_name="S", organisation_name="W")
    session.commit()
    browser = login(client, partner)
    assert browser.get(f"/casussen/{case.id}").status_code == 200  # the case it was referred
    case_page = browser.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "woonfraude" not in case_page.lower()
    base = f"/casussen/{case.id}/woonfraude"
    one = f"{base}/{visited.id}"
    for url in (base, one, f"{one}/dossier/versie-1.pdf"):
        assert browser.get(url).status_code == 404, url
    for action in ("verslag", "bijlagen", "uitkomst", "onderhuurder",
                   "onderhuurder/doorverwijzen", "dossier"):  # fmt: skip
        assert browser.post_form(f"{one}/{action}").status_code == 404, action
    assert browser.post_form(base, {"suspicion": "sublet"}).status_code == 404
    assert "Woonfraude" not in browser.get("/mijn-werk").get_data(as_text=True)


def test_the_owner_sees_it_in_mijn_werk_and_on_the_case(
    session, client, login, owner, case, visited
):
    session.commit()
    browser = login(client, owner)
    work = browser.get("/mijn-werk").get_data(as_text=True)
    assert "Woonfraudeonderzoeken zonder uitkomst" in work and case.reference in work
    case_page = browser.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "onderzoek loopt sinds" in case_page


def test_an_investigation_of_another_case_is_not_found(
    session, client, login, owner, make_case, visited
):
    other = make_case("corporatie", surname="Ander", bsn="123456782")
    session.commit()
    browser = login(client, owner)
    assert browser.get(f"/casussen/{other.id}/woonfraude/{visited.id}").status_code == 404


def test_the_subtenant_is_referred_from_the_page(session, client, login, owner, case, visited):
    session.commit()
    browser = login(client, owner)
    one = f"/casussen/{case.id}/woonfraude/{visited.id}"
    saved = browser.post_form(
        f"{one}/onderhuurder",
        {"surname": "Pietersen", "initials": "R.", "phone": "06 45678901", "note": "Met zoon."},
    )
    assert saved.status_code == 303
    page = browser.get(one).get_data(as_text=True)
    assert "Pietersen" in page and "Casus openen en doorverwijzen" in page
    refused = browser.post_form(f"{one}/onderhuurder/doorverwijzen", {"help": "debt_help:0"})
    assert refused.status_code == 400
    org = next(
        o
        for o in __import__("handover.fraud.subtenant", fromlist=["x"]).help_options(session)
        if o.purpose == "debt_help"
    )
    referred = browser.post_form(f"{one}/onderhuurder/doorverwijzen", {"help": org.value})
    assert referred.status_code == 303
    page = browser.get(one).get_data(as_text=True)
    assert "Doorverwezen naar" in page and org.organisation.name in page
