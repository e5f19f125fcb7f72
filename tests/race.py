"""Helpers for race tests: a region of partners on a fresh database, and calls that start at
the same moment in threads of their own (each its own session, as two requests would)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User, UserRole
from portal.actor import Actor
from portal.covenant.service import activate_version, load_version
from portal.demo import DEMO_COVENANT, ORGANISATIONS
from portal.errors import Conflict
from portal.extensions import db
from tests.conftest import SYSTEM


def seed_partners(session: Session) -> tuple[dict[str, Organisation], dict[tuple[str, int], Actor]]:
    """Every demo partner with two caseworkers each (actors keyed ``(slug, 1 | 2)``), under the
    demo covenant in force."""
    orgs, users = {}, {}
    for slug, name in ORGANISATIONS:
        orgs[slug] = Organisation(slug=slug, name=name)
        for n in (1, 2):
            user = User(organisation=orgs[slug], email=f"w{n}@{slug}.example", display_name=slug)
            user.role_rows = [UserRole(role="caseworker")]
            session.add(user)
            users[(slug, n)] = user
    session.flush()
    version = load_version(session, SYSTEM, DEMO_COVENANT.read_bytes()).version
    admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}))
    activate_version(session, admin, version, "Race test covenant.")
    actors = {
        key: Actor(
            kind="staff",
            user_id=user.id,
            organisation_id=user.organisation_id,
            roles=frozenset({"caseworker"}),
        )
        for key, user in users.items()
    }
    return orgs, actors


def race(
    app: Any,
    load: Callable[[Session], Any],
    calls: Sequence[Callable[[Session, Any], Any]],
) -> list[str]:
    """Run each call on the object ``load`` returns, all released at once; "ok" or
    "conflict" per call, sorted. Any other error leaves its call out (and fails the test)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[Session, Any], Any]) -> None:
        with app.app_context():
            target = load(db.session)
            barrier.wait()
            try:
                call(db.session, target)
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)
