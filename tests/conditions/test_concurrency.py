"""Two people recording a trajectory's end at the same moment: it ends once."""

from __future__ import annotations

from sqlalchemy import func, select

from handover.conditions import service
from handover.conditions.models import TrajectoryEnd
from handover.decisions.models import Trajectory
from portal import create_app
from portal.cases.service import create_case
from portal.extensions import db
from portal.workdays import local_today
from tests.conditions.conftest import start_trajectory
from tests.conftest import NEEDS_POSTGRESQL, SYSTEM, main_tenant, make_test_config, migrate
from tests.race import race, seed_partners


@NEEDS_POSTGRESQL
def test_two_at_once_record_one_end(databases, tmp_path):
    url = databases.fresh("postgresql", "trajectoryrace")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path))
    try:
        with app.app_context():
            orgs, actors = seed_partners(db.session)
            case = create_case(db.session, SYSTEM, orgs["corporatie"], [main_tenant()])
            people = {slug: (None, actors[(slug, 1)]) for slug, _org in orgs.items()}
            trajectory_id = start_trajectory(db.session, people, case).id
            db.session.commit()
        owners = [actors[("corporatie", n)] for n in (1, 2)]
        outcomes = race(
            app,
            lambda session: session.get(Trajectory, trajectory_id),
            [
                lambda s, t, a=a, r=r: service.record_end(
                    s, a, t, result=r, ended_on=local_today(), motivation="Zo is het afgelopen."
                )
                for a, r in zip(owners, ("kept", "broken"), strict=True)
            ],
        )
        assert outcomes == ["conflict", "ok"]
        with app.app_context():
            ends = select(func.count(TrajectoryEnd.id)).where(
                TrajectoryEnd.trajectory_id == trajectory_id
            )
            assert db.session.scalar(ends) == 1
    finally:
        app.extensions["kp_db"].engine.dispose()
