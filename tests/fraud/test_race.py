"""Two caseworkers at the same moment (PostgreSQL, row locks): two openings give one
investigation, two outcomes give the first one, two seals give versions 1 and 2 or a
"nothing changed" — never two files with the same version."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handover.fraud import courtfile, service
from handover.fraud.models import CourtFile, FraudInvestigation
from portal import create_app
from portal.cases.models import Case
from portal.cases.service import create_case
from portal.extensions import db
from portal.workdays import local_today
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import race, seed_partners


@NEEDS_POSTGRESQL
def test_at_the_same_moment_one_outcome_each_time(databases, tmp_path):
    url = databases.fresh("postgresql", "fraudrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            orgs, actors = seed_partners(db.session)
            case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
            db.session.commit()
            case_id = case.id
        first, second = actors[("corporatie", 1)], actors[("corporatie", 2)]
        day = local_today() - timedelta(days=3)

        def open_one(actor):
            return lambda s, c: service.open_investigation(
                s, actor, c, suspicion="sublet", opened_on=day, grounds="Melding van buren."
            )

        opened = race(app, lambda s: s.get(Case, case_id), [open_one(first), open_one(second)])
        assert opened == ["conflict", "ok"]
        with app.app_context():
            (found,) = db.session.scalars(select(FraudInvestigation)).all()
            service.add_entry(
                db.session, first, found, kind="finding", happened_on=day, text="Gevonden."
            )
            db.session.commit()
            investigation_id = found.id

        def load(s):
            return s.get(FraudInvestigation, investigation_id)

        def seal(actor):
            return lambda s, i: courtfile.assemble(
                s, actor, i, by_name="Test", organisation_name="Woonstichting"
            )

        sealed = race(app, load, [seal(first), seal(second)])
        assert sealed == ["conflict", "ok"]  # the second saw that nothing had changed

        def outcome(actor, code):
            return lambda s, i: service.record_outcome(
                s, actor, i, outcome=code, decided_on=local_today(),
                motivation="Zo besloten na het onderzoek.",
            )  # fmt: skip

        decided = race(app, load, [outcome(first, "court_procedure"), outcome(second, "unfounded")])
        assert decided == ["conflict", "ok"]
        with app.app_context():
            files = db.session.scalars(select(CourtFile)).all()
            assert [f.version for f in files] == [1]
            assert db.session.get(FraudInvestigation, investigation_id).status == "closed"
    finally:
        app.extensions["kp_db"].engine.dispose()
