"""Votes cast at the same moment: one vote per organisation, the outcome computed once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from handover.decisions import sealing, service
from handover.decisions.models import Decision, DecisionVote
from portal import create_app
from portal.audit.models import AuditEvent
from portal.cases.service import create_case
from portal.extensions import db
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import race, seed_partners

WHY = "Onze motivering, in het casusoverleg besproken."


def _seed(app):
    """Five partners with two caseworkers each, a family case, an eviction decision open."""
    with app.app_context():
        orgs, actors = seed_partners(db.session)
        case = create_case(
            db.session,
            SYSTEM,
            orgs["corporatie"],
            [main_tenant(), main_tenant(surname="Kind", bsn=None, phone=None, email=None,
                                        birth_date=date(2015, 3, 1), is_main_tenant=False)],
        )  # fmt: skip
        owner = actors[("corporatie", 1)]
        decision = service.open_decision(
            db.session, owner, case, kind="eviction", grounds=["arrears"],
            court_status="judgment", judgment_date=date(2026, 10, 1),
            motivation="De achterstand loopt op na de regeling.",
        )  # fmt: skip
        for step in service.covenant_for(db.session, decision).required_prevention_steps(
            "eviction"
        ):
            service.confirm_step(db.session, owner, decision, step, WHY)
        service.record_hearing(db.session, owner, decision, "in_person", WHY)
        service.open_voting(db.session, owner, decision)
        db.session.commit()
        versions = {v.organisation.slug: v.version for v in decision.voters}
        return decision.id, versions, actors


def _load(decision_id):
    def load(session):
        decision = session.get(Decision, decision_id)
        decision.voters  # noqa: B018 - loaded before the race, as a page would have
        return decision

    return load


def _race(app, decision_id, calls):
    return race(app, _load(decision_id), calls)


def _vote(actor, position, version):
    def call(session, decision):
        service.cast_vote(
            session, actor, decision, position=position, motivation=WHY, voter_version=version
        )

    return call


@NEEDS_POSTGRESQL
def test_colleagues_and_partners_voting_at_once(databases, tmp_path):
    url = databases.fresh("postgresql", "voterace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        decision_id, versions, actors = _seed(app)
        # Two colleagues of the corporation vote at the same moment: one vote counts,
        # the other is told a colleague just voted.
        outcomes = _race(
            app,
            decision_id,
            [
                _vote(actors[("corporatie", 1)], "abstain", versions["corporatie"]),
                _vote(actors[("corporatie", 2)], "agree", versions["corporatie"]),
            ],
        )
        assert outcomes == ["conflict", "ok"]
        # The two remaining partners vote at the same moment: both votes count, and
        # whoever comes second closes the vote — exactly once.
        outcomes = _race(
            app,
            decision_id,
            [
                _vote(actors[("crisisteam", 1)], "disagree", versions["crisisteam"]),
                _vote(actors[("zorg", 2)], "disagree", versions["zorg"]),
            ],
        )
        assert outcomes == ["ok", "ok"]
        with app.app_context():
            decision = db.session.get(Decision, decision_id)
            assert decision.status == "decided" and decision.outcome == "refused"
            votes = db.session.scalar(
                select(func.count(DecisionVote.id)).where(DecisionVote.decision_id == decision_id)
            )
            assert votes == 3
            sealed = db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "decision.sealed")
            )
            assert sealed == 1
            assert sealing.verify_seal(db.session, decision).intact
    finally:
        app.extensions["kp_db"].engine.dispose()


@NEEDS_POSTGRESQL
def test_every_partner_at_once_closes_once(databases, tmp_path):
    url = databases.fresh("postgresql", "voterace2")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        decision_id, versions, actors = _seed(app)
        outcomes = _race(
            app,
            decision_id,
            [
                _vote(actors[(slug, 1)], "agree", versions[slug])
                for slug in ("corporatie", "crisisteam", "zorg")
            ],
        )
        assert outcomes == ["ok", "ok", "ok"]
        with app.app_context():
            decision = db.session.get(Decision, decision_id)
            assert decision.outcome == "approved" and decision.assignment is not None
            sealed = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "decision.sealed")
            ).all()
            assert len(sealed) == 1 and sealed[0].detail_dict["hash"] == decision.seal_hash
    finally:
        app.extensions["kp_db"].engine.dispose()
