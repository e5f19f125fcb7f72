"""Two people acting on one referral at the same moment produce exactly one outcome."""

from __future__ import annotations

from sqlalchemy import select

from handover import service
from handover.models import ItemCheck, Referral, ReferralEvent
from portal import create_app
from portal.cases.service import create_case
from portal.extensions import db
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import race, seed_partners


def _seed(app):
    """The region, a corporation case referred to the debt coach, and the coach's two
    caseworkers."""
    with app.app_context():
        orgs, actors = seed_partners(db.session)
        case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
        referral = service.send(
            db.session,
            actors[("corporatie", 1)],
            case,
            purpose="debt_help",
            recipient_org_id=orgs["schuldhulp"].id,
            note=None,
        )
        db.session.commit()
        coaches = [actors[("schuldhulp", n)] for n in (1, 2)]
        return referral.id, referral.version, coaches


def _race(app, referral_id, actions):
    return race(app, lambda session: session.get(Referral, referral_id), actions)


@NEEDS_POSTGRESQL
def test_accept_and_decline_at_once_resolve_to_one_outcome(databases, tmp_path):
    url = databases.fresh("postgresql", "refrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        referral_id, version, (first, second) = _seed(app)
        outcomes = _race(
            app,
            referral_id,
            [
                lambda s, r: service.accept(s, first, r, version=version),
                lambda s, r: service.decline(s, second, r, "Niet voor ons", version=version),
            ],
        )
        assert outcomes == ["conflict", "ok"]
        with app.app_context():
            referral = db.session.get(Referral, referral_id)
            # A decline goes on to the next rung at once (the demo covenant's debt help).
            assert referral.status in ("accepted", "escalated")
            kinds = db.session.scalars(
                select(ReferralEvent.kind).where(ReferralEvent.referral_id == referral_id)
            ).all()
            assert kinds.count("accept") + kinds.count("decline") == 1
    finally:
        app.extensions["kp_db"].engine.dispose()


@NEEDS_POSTGRESQL
def test_two_coaches_accepting_at_once_accept_once(databases, tmp_path):
    url = databases.fresh("postgresql", "refrace2")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        referral_id, version, coaches = _seed(app)
        outcomes = _race(
            app,
            referral_id,
            [lambda s, r, a=a: service.accept(s, a, r, version=version) for a in coaches],
        )
        assert outcomes == ["conflict", "ok"]
    finally:
        app.extensions["kp_db"].engine.dispose()


@NEEDS_POSTGRESQL
def test_two_coaches_checking_one_item_at_once_leave_one_verdict(databases, tmp_path):
    url = databases.fresh("postgresql", "refrace3")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        referral_id, version, coaches = _seed(app)
        with app.app_context():
            referral = db.session.get(Referral, referral_id)
            service.accept(db.session, coaches[0], referral, version=version)
            db.session.commit()
            case_id = referral.case_id
        verdicts = [("verified", None), ("disputed", "Bedrag klopt niet.")]
        outcomes = _race(
            app,
            referral_id,
            [
                lambda s, r, a=a, v=v: service.check_item(s, a, r, "arrears", case_id, *v)
                for a, v in zip(coaches, verdicts, strict=True)
            ],
        )
        assert outcomes == ["ok", "ok"]  # the row lock queues the second behind the first
        with app.app_context():
            (check,) = db.session.scalars(select(ItemCheck)).all()
            assert check.status in ("verified", "disputed")
    finally:
        app.extensions["kp_db"].engine.dispose()
