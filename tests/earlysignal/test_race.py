"""Two people recording an outcome for one signal at the same moment: one outcome."""

from __future__ import annotations

from sqlalchemy import select

from handover import service as referrals
from handover.earlysignal import service
from handover.earlysignal.models import EarlySignal
from handover.models import ReferralEvent
from portal import create_app
from portal.cases.service import create_case
from portal.extensions import db
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import race, seed_partners


@NEEDS_POSTGRESQL
def test_two_outcomes_at_once_leave_one(databases, tmp_path):
    url = databases.fresh("postgresql", "signalrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            orgs, actors = seed_partners(db.session)
            case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
            referral = referrals.send(
                db.session, actors[("corporatie", 1)], case, purpose="early_signalling",
                recipient_org_id=orgs["schuldhulp"].id, note=None,
            )  # fmt: skip
            db.session.commit()
            signal = db.session.scalar(
                select(EarlySignal).where(EarlySignal.referral_id == referral.id)
            )
            signal_id, version = signal.id, signal.version
            first, second = (actors[("schuldhulp", n)] for n in (1, 2))
        for seen in (version, None):  # with the version the users saw, and without
            outcomes = race(
                app,
                lambda s: s.get(EarlySignal, signal_id),
                [
                    lambda s, sig, a=first, v=seen: service.record_outcome(
                        s, a, sig, "not_picked_up_repeat", version=v
                    ),
                    lambda s, sig, a=second, v=seen: service.record_outcome(
                        s, a, sig, "not_picked_up_other", "Andere reden.", version=v
                    ),
                ],
            )
            assert outcomes == ["conflict", "ok"] if seen is not None else ["conflict", "conflict"]
            with app.app_context():
                events = db.session.scalars(
                    select(ReferralEvent.kind).where(ReferralEvent.referral_id == referral.id)
                ).all()
                assert events.count("signal_closed") == 1
                assert db.session.get(EarlySignal, signal_id).outcome in (
                    "not_picked_up_repeat", "not_picked_up_other",
                )  # fmt: skip
    finally:
        app.extensions["kp_db"].engine.dispose()
