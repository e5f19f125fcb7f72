"""An agreement marked done while its discussion is being closed: whichever comes first, the
partner keeps no access once both are stored (PostgreSQL: real row locks between sessions)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from handover.meetings import minutes, service
from handover.meetings.models import MeetingAgreement, MeetingItem
from portal import create_app
from portal.cases.models import CaseGrant
from portal.cases.service import create_case
from portal.db import utcnow
from portal.extensions import db
from portal.workdays import local_today
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import seed_partners


@NEEDS_POSTGRESQL
def test_an_agreement_done_while_the_item_closes_leaves_no_grant(databases, tmp_path):
    url = databases.fresh("postgresql", "meetingrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            orgs, actors = seed_partners(db.session)
            host, team = actors[("corporatie", 1)], actors[("wijkteam", 1)]
            case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
            meeting = service.plan(
                db.session, host, starts_at=utcnow() + timedelta(days=1), place="Zaal 2"
            )
            item = service.add_case(db.session, host, meeting, case)
            service.invite(db.session, host, item, orgs["wijkteam"].id)
            agreement = minutes.add_agreement(
                db.session, host, item, text="Kennismaken thuis.",
                organisation_id=orgs["wijkteam"].id, due_on=local_today(),
            )  # fmt: skip
            item_id, agreement_id, source = item.id, agreement.id, item.source
            db.session.commit()

        closing = threading.Event()
        finished: list[str] = []

        def mark_done() -> None:
            with app.app_context():
                found = db.session.get_one(MeetingAgreement, agreement_id)
                task = minutes.task_of(db.session, found)
                assert task is not None
                closing.wait()
                minutes.complete_agreement(db.session, team, found, task)
                db.session.commit()
                finished.append("done")

        with app.app_context():
            # The host closes the item and has not committed yet when the partner marks its
            # agreement done: the partner's request must wait and then see the item closed.
            service.close_item(db.session, host, db.session.get_one(MeetingItem, item_id))
            worker = threading.Thread(target=mark_done)
            worker.start()
            closing.set()
            worker.join(timeout=1)  # room for it to run ahead if nothing held it back
            db.session.commit()
        worker.join()

        assert finished == ["done"]
        with app.app_context():
            left = db.session.scalars(select(CaseGrant).where(CaseGrant.source == source)).all()
            assert left == []
            assert list(service.expected_grants(db.session)) == []
    finally:
        app.extensions["kp_db"].engine.dispose()
