"""Two people acting on one referral at the same moment produce exactly one outcome."""

from __future__ import annotations

import threading

from sqlalchemy import select

from handover import service
from handover.models import ItemCheck, Referral, ReferralEvent
from portal import create_app
from portal.accounts.models import Organisation, User, UserRole
from portal.actor import Actor
from portal.cases.service import create_case
from portal.covenant.service import activate_version, load_version
from portal.demo import DEMO_COVENANT, ORGANISATIONS
from portal.errors import Conflict
from portal.extensions import db
from tests.conftest import PG_URL, SYSTEM, main_tenant, make_test_config, migrate


def _seed(app):
    with app.app_context():
        orgs = {}
        users = {}
        for slug, name in ORGANISATIONS:
            orgs[slug] = Organisation(slug=slug, name=name)
            for n in (1, 2):
                user = User(
                    organisation=orgs[slug], email=f"w{n}@{slug}.example", display_name=slug
                )
                user.role_rows = [UserRole(role="caseworker")]
                db.session.add(user)
                users[(slug, n)] = user
        db.session.flush()
        version = load_version(db.session, SYSTEM, DEMO_COVENANT.read_bytes()).version
        activate_version(
            db.session,
            Actor(kind="staff", roles=frozenset({"covenant_admin"})),
            version,
            "Race test covenant.",
        )
        case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
        sender = users[("corporatie", 1)]
        referral = service.send(
            db.session,
            Actor(
                kind="staff",
                user_id=sender.id,
                organisation_id=sender.organisation_id,
                roles=frozenset({"caseworker"}),
            ),
            case,
            purpose="debt_help",
            recipient_org_id=orgs["schuldhulp"].id,
            note=None,
        )
        db.session.commit()
        coaches = [
            Actor(
                kind="staff",
                user_id=users[("schuldhulp", n)].id,
                organisation_id=orgs["schuldhulp"].id,
                roles=frozenset({"caseworker"}),
            )
            for n in (1, 2)
        ]
        return referral.id, referral.version, coaches


def _race(app, referral_id, actions):
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action):
        with app.app_context():
            referral = db.session.get(Referral, referral_id)
            barrier.wait()
            try:
                action(db.session, referral)
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


if PG_URL:  # row locks are a PostgreSQL matter; SQLite serialises every writer anyway

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
                assert referral.status in ("accepted", "declined")
                kinds = db.session.scalars(
                    select(ReferralEvent.kind).where(ReferralEvent.referral_id == referral_id)
                ).all()
                assert kinds.count("accept") + kinds.count("decline") == 1
        finally:
            app.extensions["kp_db"].engine.dispose()

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
