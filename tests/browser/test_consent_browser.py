"""The tenant's consent flow in real Chromium on a phone: Dutch and Arabic (right to left),
accessible on every page (axe), without CSP errors; and the same flow without JavaScript."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consent import service, sms
from consent.models import ConsentRecord
from portal.accounts import mfa
from portal.accounts.models import Organisation, User, UserRole
from portal.accounts.passwords import hash_password
from portal.accounts.service import find_user_by_email, set_totp_secret
from portal.actor import Actor, staff_actor
from portal.cases.service import create_case
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES
from tests.browser.conftest import PHONE, axe_violations, screenshots
from tests.conftest import main_tenant

BIRTH = date(1984, 11, 3)


def _screens(page, name: str) -> None:
    screenshots(page, "consent", name)


def _fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def _checked(page) -> None:
    assert axe_violations(page) == []
    assert _fits_the_screen(page)


@pytest.fixture
def invitation(live_app):
    """A fresh case of the demo corporation and a consent request sent to it by SMS."""
    with live_app.app_context():
        session = db.session
        corporation = session.scalar(select(Organisation).where(Organisation.slug == "corporatie"))
        case = create_case(
            session,
            Actor.system("test"),
            corporation,
            [main_tenant(birth_date=BIRTH, bsn=None, phone="06 11223344")],
        )
        coach = session.scalar(select(Organisation).where(Organisation.slug == "schuldhulp"))
        welfare = session.scalar(select(Organisation).where(Organisation.slug == "welzijn"))
        sanne = find_user_by_email(session, "sanne@corporatie.example")
        _request, tokens = service.request_consent(
            session,
            staff_actor(sanne),
            case,
            person_id=case.persons[0].id,
            purpose="debt_help",
            items=[
                {
                    "role": "debt_coach",
                    "organisation_id": coach.id,
                    "categories": ["household", "contact_history", "life_map"],
                },
                {"role": "welfare", "organisation_id": welfare.id, "categories": ["household"]},
            ],
            channels=["sms"],
            language="nl",
            valid_days=365,
            link_for=lambda token: f"/t/{token}",
        )
        session.commit()
        return {"case_id": case.id, "link": f"/t/{tokens['sms']}"}


def _code(live_app) -> str:
    return re.search(r"\b(\d{6})\b", sms.sent_messages(live_app)[-1][1]).group(1)


TEXTS = {
    "nl": {
        "identify": "Eerst controleren we wie u bent",
        "send": "Stuur mij een code",
        "code": "Code",
        "go": "Doorgaan",
        "intro": "Vraag om uw toestemming",
        "start": "Beginnen",
        "household": "Huishouden",
        "contact_history": "Contactgeschiedenis",
        "next": "Volgende",
        "check": "Controleer uw antwoorden",
        "yes": "Ja, ik geef deze toestemming",
        "done": "Uw toestemming is bewaard",
        "pdf": "Download uw bewijs (PDF)",
        "mine": "Mijn toestemmingen",
        "withdraw": "Intrekken",
        "withdraw_button": "Toestemming intrekken",
        "withdrawn": "U heeft uw toestemming ingetrokken",
        "by_law": "Dit gaat altijd door, ook als u nee zegt",
        "withdrawn_title": "Uw toestemming is ingetrokken",
        "who": "Wie keek naar mijn gegevens?",
        "my_case": "Mijn zaak",
        "who_title": "Wie keek naar uw gegevens?",
        "sign_out": "Uitloggen",
    },
    "tr": {
        "identify": "Önce kim olduğunuzu kontrol ediyoruz",
        "send": "Bana bir kod gönder",
        "code": "Kod",
        "go": "Devam",
        "intro": "Onayınız isteniyor",
        "start": "Başla",
        "household": "Hane",
        "contact_history": "İletişim geçmişi",
        "next": "İleri",
        "check": "Cevaplarınızı kontrol edin",
        "yes": "Evet, bu onayı veriyorum",
        "done": "Onayınız kaydedildi",
        "pdf": "Belgenizi indirin (PDF)",
        "mine": "Onaylarım",
        "withdraw": "Geri çek",
        "withdraw_button": "Onayı geri çek",
        "withdrawn": "Onayınızı geri çektiniz",
        "by_law": "Hayır deseniz bile bu her zaman olur",
        "withdrawn_title": "Onayınız geri çekildi",
        "who": "Verilerime kim baktı?",
        "my_case": "Dosyam",
        "who_title": "Verilerinize kim baktı?",
        "sign_out": "Çıkış yap",
    },
    "ar": {
        "identify": "أولاً نتحقق من هويتك",
        "send": "أرسل لي رمزاً",
        "code": "الرمز",
        "go": "متابعة",
        "intro": "طلب موافقتك",
        "start": "ابدأ",
        "household": "الأسرة",
        "contact_history": "سجل التواصل",
        "next": "التالي",
        "check": "راجع إجاباتك",
        "yes": "نعم، أعطي هذه الموافقة",
        "done": "تم حفظ موافقتك",
        "pdf": "نزّل إثباتك (PDF)",
        "mine": "موافقاتي",
        "withdraw": "سحب",
        "withdraw_button": "سحب الموافقة",
        "withdrawn": "لقد سحبت موافقتك",
        "by_law": "هذا يحدث دائماً، حتى لو قلت لا",
        "withdrawn_title": "تم سحب موافقتك",
        "who": "من اطّلع على بياناتي؟",
        "my_case": "ملفي",
        "who_title": "من اطّلع على بياناتك؟",
        "sign_out": "تسجيل الخروج",
    },
}


@pytest.mark.parametrize("lang", ["nl", "tr", "ar"])
def test_tenant_grants_part_and_withdraws_on_a_phone(page, live_app, invitation, lang):
    text = TEXTS[lang]
    page.goto(invitation["link"])
    if lang != "nl":
        page.get_by_role("link", name=LANGUAGE_NAMES[lang]).click()
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    expect(page.locator("h1")).to_have_text(text["identify"])
    _checked(page)

    page.get_by_role("button", name=text["send"]).click()
    expect(page).to_have_url(re.compile(r"/toestemming/code$"))
    _checked(page)
    page.get_by_label(text["code"], exact=True).fill(_code(live_app))
    page.locator("#day").fill(str(BIRTH.day))
    page.locator("#month").fill(str(BIRTH.month))
    page.locator("#year").fill(str(BIRTH.year))
    page.get_by_role("button", name=text["go"]).click()

    expect(page.locator("h1")).to_have_text(text["intro"])
    # Before she answers: what goes to the debt coach by law, whatever she says.
    expect(page.locator(".kp-law-notice")).to_contain_text(text["by_law"])
    _checked(page)
    _screens(page, f"intro-{lang}")
    page.get_by_role("link", name=text["start"]).click()

    # Question 1: the debt coach gets the household and the contact history, not the life map.
    expect(page).to_have_url(re.compile(r"/toestemming/vraag/1$"))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator(".kp-law-notice")).to_contain_text(text["by_law"])
    page.get_by_label(text["household"]).check()
    page.get_by_label(text["contact_history"]).check()
    _checked(page)
    _screens(page, f"question-{lang}")
    page.get_by_role("button", name=text["next"]).click()
    # Question 2: welfare gets nothing.
    expect(page).to_have_url(re.compile(r"/toestemming/vraag/2$"))
    _checked(page)
    page.get_by_role("button", name=text["next"]).click()

    expect(page.locator("h1")).to_have_text(text["check"])
    expect(page.locator(".kp-law-notice")).to_contain_text(text["by_law"])
    _checked(page)
    _screens(page, f"check-{lang}")
    page.get_by_role("button", name=text["yes"]).click()

    expect(page.locator("h1")).to_have_text(text["done"])
    _checked(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=text["pdf"]).click()
    with open(download.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"

    page.locator("nav").get_by_role("link", name=text["mine"]).click()
    expect(page).to_have_url(re.compile(r"/toestemming/mijn$"))
    _checked(page)
    page.get_by_role("link", name=re.compile("^" + text["withdraw"])).first.click()
    expect(page).to_have_url(re.compile(r"/toestemming/mijn/\d+/intrekken$"))
    _checked(page)
    # Nothing is ticked at first: pressing the button without a choice explains what to do.
    assert page.get_by_label(text["household"]).is_checked() is False
    page.get_by_role("button", name=text["withdraw_button"]).click()
    expect(page.locator("#withdraw-error")).to_be_visible()
    _checked(page)
    page.get_by_label(text["household"]).check()
    page.get_by_role("button", name=text["withdraw_button"]).click()
    expect(page.get_by_role("status").first).to_contain_text(text["withdrawn"])
    # The page after a withdrawal is its receipt: what, for whom, when, and the download.
    expect(page.locator("h1")).to_have_text(text["withdrawn_title"])
    _checked(page)
    _screens(page, f"withdrawn-{lang}")
    with page.expect_download() as download:
        page.get_by_role("link", name=text["pdf"]).click()
    assert "intrekking-" in download.value.suggested_filename
    with open(download.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"
    # Who looked: one entry per organisation and day, with her menu and sign-out kept.
    page.locator("nav").get_by_role("link", name=text["who"]).click()
    expect(page.locator("h1")).to_have_text(text["who_title"])
    assert page.locator(".kp-access").count() >= 1
    assert page.locator("nav").get_by_role("button", name=text["sign_out"]).count() == 1
    _checked(page)
    _screens(page, f"who-looked-{lang}")
    # My case: who helps her now and the steps so far, in her language.
    page.locator("nav").get_by_role("link", name=text["my_case"]).click()
    expect(page.locator("h1")).to_have_text(text["my_case"])
    _checked(page)
    _screens(page, f"my-case-{lang}")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []

    with live_app.app_context():
        record = db.session.scalar(
            select(ConsentRecord).where(ConsentRecord.case_id == invitation["case_id"])
        )
        assert record.categories == ["household", "contact_history"]
        assert record.language == lang


def test_the_flow_works_without_javascript(browser, live_server, live_app, invitation):
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, locale="nl-NL", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(invitation["link"])
        text = TEXTS["nl"]
        page.get_by_role("button", name=text["send"]).click()
        page.get_by_label(text["code"], exact=True).fill(_code(live_app))
        page.locator("#day").fill(str(BIRTH.day))
        page.locator("#month").fill(str(BIRTH.month))
        page.locator("#year").fill(str(BIRTH.year))
        page.get_by_role("button", name=text["go"]).click()
        page.get_by_role("link", name=text["start"]).click()
        page.get_by_label(text["household"]).check()
        page.get_by_role("button", name=text["next"]).click()
        page.get_by_role("button", name=text["next"]).click()
        page.get_by_role("button", name=text["yes"]).click()
        expect(page.locator("h1")).to_have_text(text["done"])
    finally:
        context.close()


def _colleague(live_app) -> tuple[str, str]:
    """A caseworker of the corporation of our own (a demo account's TOTP code works once, and
    other browser tests sign the demo accounts in too)."""
    email = f"consent-{uuid.uuid4().hex[:8]}@corporatie.example"
    secret = mfa.new_secret()
    with live_app.app_context():
        corporation = db.session.scalar(
            select(Organisation).where(Organisation.slug == "corporatie")
        )
        user = User(
            organisation=corporation,
            email=email,
            display_name="Test Consulent",
            password_hash=hash_password(DEMO_PASSWORD),
        )
        user.role_rows = [UserRole(role="caseworker")]
        db.session.add(user)
        db.session.flush()
        set_totp_secret(user, secret, utcnow())
        db.session.commit()
    return email, secret


def test_professional_consent_page_on_a_phone(page, live_app, invitation):
    email, secret = _colleague(live_app)
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw app").fill(mfa.current_code(secret, utcnow()))
    page.get_by_role("button", name="Doorgaan").click()
    page.goto(f"/casussen/{invitation['case_id']}/toestemming")
    assert page.locator("h1").inner_text().startswith("Toestemming")
    assert page.locator("#consent-panel").get_attribute("hx-trigger") == "every 30s"
    expect(page.locator("#consent-panel")).to_contain_text("Open verzoeken: 1")
    assert axe_violations(page) == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
