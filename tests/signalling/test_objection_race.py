"""Two caseworkers recording the tenant's objection at the same moment give one objection."""

from __future__ import annotations

from sqlalchemy import select

from handover.signalling import service
from handover.signalling.models import Objection
from portal import create_app
from portal.cases.models import Case
from portal.cases.service import create_case
from portal.extensions import db
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import race, seed_partners


@NEEDS_POSTGRESQL
def test_two_objections_at_once_make_one(databases, tmp_path):
    url = databases.fresh("postgresql", "objrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            orgs, actors = seed_partners(db.session)
            case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
            db.session.commit()
            case_id = case.id
            first, second = actors[("corporatie", 1)], actors[("corporatie", 2)]
        outcomes = race(
            app,
            lambda session: session.get(Case, case_id),
            [
                lambda s, c: service.record_objection(s, first, c, note="Eerste."),
                lambda s, c: service.record_objection(s, second, c, note="Tweede."),
            ],
        )
        assert outcomes == ["conflict", "ok"]
        with app.app_context():
            rows = db.session.scalars(select(Objection).where(Objection.case_id == case_id)).all()
            assert len(rows) == 1 and rows[0].active
    finally:
        app.extensions["kp_db"].engine.dispose()
