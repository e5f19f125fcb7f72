"""'Mijn werk' shows what needs the organisation now, by deadline, one click from the action:
a referral waiting for an answer, a first contact to make, a case without a contact attempt
past its date, a withdrawal to acknowledge. No personal data: references and dates."""

from __future__ import annotations

from datetime import timedelta

from handover import service as handover
from portal.cases.models import Case
from portal.workdays import local_today


def test_a_referral_waits_for_the_coach_and_then_the_first_contact(session, world, staff):
    referral = world.refer(session, "schuldhulp")
    coach = staff(world.coach)
    page = coach.get("/mijn-werk").get_data(as_text=True)
    assert "Overdrachten die wachten op uw antwoord" in page
    assert world.case.reference in page and f'href="/overdrachten/{referral.id}"' in page
    assert "Yilmaz" not in page  # references, never names
    handover.accept(session, world.actor(world.coach), referral, version=None)
    session.commit()
    page = coach.get("/mijn-werk").get_data(as_text=True)
    assert "Overdrachten die wachten op uw antwoord" not in page
    assert "Eerste contact met de huurder nog te maken" in page
    # Welfare has nothing to do with it.
    assert "Er wacht nu niets op u" in staff(world.welfare).get("/mijn-werk").get_data(as_text=True)


def test_a_case_without_contact_past_its_date_is_on_the_owners_list(session, world, staff):
    case = session.get(Case, world.case.id)
    case.contact_due_on = local_today() - timedelta(days=2)
    session.commit()
    page = staff(world.owner).get("/mijn-werk").get_data(as_text=True)
    assert "Open casussen zonder contactpoging op tijd" in page and "te laat sinds" in page
    assert f"/casussen/{case.id}#contactpogingen" in page


def test_every_action_is_at_the_top_of_the_case_page(session, world, staff):
    """Scenario A from the top: record a contact attempt, hand over, ask consent, open a
    decision; before any section of data. A partner gets only what it may do."""
    referral = world.refer(session, "schuldhulp")
    page = staff(world.owner).get(f"/casussen/{world.case.id}").get_data(as_text=True)
    top = page[page.index('id="summary-heading"') : page.index('id="huishouden"')]
    for action in (
        f'href="/casussen/{world.case.id}/contactpogingen/nieuw"',
        f'href="/casussen/{world.case.id}/overdragen"',
        f'href="/casussen/{world.case.id}/toestemming/vragen"',
        f'href="/casussen/{world.case.id}/besluiten/nieuw"',
    ):
        assert action in top, action
    assert f'href="/overdrachten/{referral.id}"' in top  # the open referral, one click away
    assert "Yilmaz" in top  # the household in one line, through the policy point
    coach = staff(world.coach).get(f"/casussen/{world.case.id}").get_data(as_text=True)
    coach_top = coach[coach.index('id="summary-heading"') : coach.index('id="huishouden"')]
    assert "/overdragen" not in coach_top and "/besluiten/nieuw" not in coach_top
    assert "/toestemming/vragen" not in coach_top


def test_the_timeline_tells_the_referral_and_the_consent(session, world, staff, sms_box, client):
    from tests.consent.conftest import answer, ask, prove

    referral = world.refer(session, "schuldhulp")
    handover.accept(session, world.actor(world.coach), referral, version=None)
    _request, tokens = ask(session, world)
    prove(client, next(iter(tokens.values())), sms_box)
    answer(client, [["household"], []])
    session.commit()
    page = staff(world.owner).get(f"/casussen/{world.case.id}").get_data(as_text=True)
    timeline = page[page.index('id="tijdlijn"') :]
    for step in ("Overdracht verstuurd", "Overdracht geaccepteerd", "Toestemming gegeven"):
        assert step in timeline, step


def test_the_next_partner_reads_why_the_case_came_back(session, world, staff, sender_chooses):
    why = "Drie keer niet bereikt, ook niet bij een huisbezoek."
    first = world.refer(session, "schuldhulp")
    coach = world.actor(world.coach)
    handover.accept(session, coach, first, version=None)
    handover.return_to_sender(session, coach, first, why, version=None)
    second = handover.escalate(
        session, world.actor(world.owner), first,
        recipient_org_id=world.orgs["welzijn"].id, note=None, version=None,
    )  # fmt: skip
    session.commit()
    owner_page = staff(world.owner).get(f"/overdrachten/{second.id}").get_data(as_text=True)
    assert why in owner_page and f'href="/overdrachten/{first.id}"' in owner_page
    welfare_page = staff(world.welfare).get(f"/overdrachten/{second.id}").get_data(as_text=True)
    assert "Teruggegeven met als reden" in welfare_page
    assert f'href="/overdrachten/{first.id}"' not in welfare_page  # not theirs to open: no 404


def test_forms_start_from_what_the_case_says(session, world, staff, sms_box):
    """A handover proposes help (debt help), not the early-signalling report that has its own
    page;
    the consent channel follows what is known of the tenant (a mobile number: a text)."""
    import re

    owner = staff(world.owner)
    send = owner.get(f"/casussen/{world.case.id}/overdragen").get_data(as_text=True)
    assert re.search(r'<option(?=[^>]*value="debt_help")(?=[^>]*selected)', send)
    url = f"/casussen/{world.case.id}/toestemming/vragen?doel=debt_help"
    ask = owner.get(url).get_data(as_text=True)
    assert re.search(r'value="sms"[^>]*checked', ask)
    assert not re.search(r'value="letter"[^>]*checked', ask)


def test_help_ended_has_no_outcome_chosen_for_the_user(app):
    from handover.forms import OutcomeForm

    with app.test_request_context():
        form = OutcomeForm(formdata=None, version=1)
        assert form.outcome.data in ("", None)
