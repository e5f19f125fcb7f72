"""Two people ticking one item of a shelter hand-over at the same moment, or referring the family
again after a decline at the same moment: one outcome."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handover import service as referrals
from handover.models import Referral
from handover.shelter import service
from handover.shelter.models import ShelterHandover, ShelterItem
from portal import create_app
from portal.cases.service import create_case
from portal.extensions import db
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import race, seed_partners
from tests.shelter.conftest import approve


def _approved_family() -> tuple[dict, dict, ShelterHandover]:
    """Every partner, and a family with a child whose eviction was approved: its hand-over."""
    orgs, actors = seed_partners(db.session)
    child = main_tenant(
        surname="Kind", bsn=None, phone=None, email=None, birth_date=date(2016, 1, 2),
        is_main_tenant=False, minor=True,
    )  # fmt: skip
    case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant(), child])
    people = {slug: (None, actors[(slug, 1)]) for slug, _org in orgs.items()}
    handover = service.of_decision(db.session, approve(db.session, people, case).id)
    assert handover is not None
    return orgs, actors, handover


@NEEDS_POSTGRESQL
def test_two_at_once_tick_an_item_once(databases, tmp_path):
    url = databases.fresh("postgresql", "shelterrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            _orgs, actors, handover = _approved_family()
            referral = db.session.get_one(Referral, handover.referral_id)
            referrals.accept(db.session, actors[("opvang", 1)], referral, version=None)
            handover_id = handover.id
            db.session.commit()
        both = [actors[("opvang", n)] for n in (1, 2)]
        outcomes = race(
            app,
            lambda session: session.get(ShelterHandover, handover_id),
            [
                lambda s, h, a=a: service.tick(s, a, h, "shelter_arranged", note="Plek geregeld.")
                for a in both
            ],
        )
        assert outcomes == ["conflict", "ok"]
        with app.app_context():
            done = db.session.scalars(
                select(ShelterItem.done_by_id).where(
                    ShelterItem.handover_id == handover_id, ShelterItem.done_at.is_not(None)
                )
            ).all()
            assert len(done) == 1
    finally:
        app.extensions["kp_db"].engine.dispose()


@NEEDS_POSTGRESQL
def test_two_at_once_refer_the_family_again_once(databases, tmp_path):
    url = databases.fresh("postgresql", "shelterreferrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            orgs, actors, handover = _approved_family()
            first = db.session.get_one(Referral, handover.referral_id)
            referrals.decline(db.session, actors[("opvang", 1)], first, "Vol.", version=None)
            handover_id, shelter_id, case_id = handover.id, orgs["opvang"].id, handover.case_id
            db.session.commit()
        both = [actors[("corporatie", n)] for n in (1, 2)]
        outcomes = race(
            app,
            lambda session: session.get(ShelterHandover, handover_id),
            [
                lambda s, h, a=a: service.refer_again(s, a, h, recipient_org_id=shelter_id)
                for a in both
            ],
        )
        assert outcomes == ["conflict", "ok"]
        with app.app_context():
            running = db.session.scalars(
                select(Referral.id).where(
                    Referral.case_id == case_id,
                    Referral.purpose == "shelter",
                    Referral.status == "sent",
                )
            ).all()
            assert len(running) == 1
            assert db.session.get_one(ShelterHandover, handover_id).referral_id == running[0]
    finally:
        app.extensions["kp_db"].engine.dispose()
