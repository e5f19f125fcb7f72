"""Concurrent acceptances and activations resolve to exactly one active version."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.accounts.models import Organisation, User, UserRole
from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.covenant import policy, service
from portal.covenant.models import CovenantAcceptance
from portal.demo import DEMO_COVENANT, ORGANISATIONS
from portal.extensions import db
from tests.conftest import NEEDS_POSTGRESQL, make_test_config, migrate


def test_the_database_allows_one_active_version(session, load_covenant):
    first = load_covenant()
    second = load_covenant(DEMO_COVENANT.read_bytes() + b"\n# two\n")
    first.status = "active"
    session.flush()
    second.status = "active"
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


@NEEDS_POSTGRESQL
def test_the_last_two_acceptances_at_once_activate_exactly_once(databases, tmp_path):
    url = databases.fresh("postgresql", "covrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    with app.app_context():
        admins = []
        for slug, name in ORGANISATIONS:
            org = Organisation(slug=slug, name=name)
            admin = User(organisation=org, email=f"admin@{slug}.example", display_name=slug)
            admin.role_rows = [UserRole(role="org_admin")]
            db.session.add(admin)
            admins.append(admin)
        db.session.flush()
        version = service.load_version(
            db.session, Actor.system("test"), DEMO_COVENANT.read_bytes()
        ).version
        actors = [
            Actor(
                kind="staff",
                user_id=a.id,
                organisation_id=a.organisation_id,
                roles=frozenset({"org_admin"}),
            )
            for a in admins
        ]
        for actor in actors[:-2]:  # every partner but the last two
            service.accept_version(db.session, actor, version, version.sha256)
        db.session.commit()
        sha256 = version.sha256

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def accept(actor: Actor) -> None:
        try:
            with app.app_context():
                target = policy.get_version(db.session, 1)
                barrier.wait(timeout=10)
                service.accept_version(db.session, actor, target, sha256)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(a,)) for a in actors[-2:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []

    with app.app_context():
        version = policy.get_version(db.session, 1)
        assert version.status == "active" and version.activated_how == "all_accepted"
        assert db.session.scalar(select(func.count(CovenantAcceptance.id))) == len(ORGANISATIONS)
        activations = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "covenant.activate")
        )
        assert activations == 1
    app.extensions["kp_db"].engine.dispose()
