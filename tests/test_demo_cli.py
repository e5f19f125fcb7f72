from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.demo import DEMO_PASSWORD, ORGANISATIONS


def test_demo_is_idempotent_and_prints_accounts(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "sanne@corporatie.example" in first.output and DEMO_PASSWORD in first.output
    counts = (
        session.scalar(select(func.count(Organisation.id))),
        session.scalar(select(func.count(User.id))),
    )
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert counts == (
        session.scalar(select(func.count(Organisation.id))),
        session.scalar(select(func.count(User.id))),
    )
    slugs = set(session.scalars(select(Organisation.slug)))
    assert slugs == {slug for slug, _ in ORGANISATIONS}
    for slug in slugs:
        assert (
            session.scalar(
                select(func.count(User.id)).join(Organisation).where(Organisation.slug == slug)
            )
            >= 1
        )


def test_demo_refused_in_production(app):
    app.config["KP_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo"])
    finally:
        app.config["KP_ENV"] = "testing"
    assert result.exit_code != 0 and "production" in result.output


def _demo_case(session, bsn: str):
    from portal.cases.models import BlindIndex, Case, Person
    from portal.crypto.blind_index import blind_digest

    return session.scalars(
        select(Case)
        .join(Person, Person.case_id == Case.id)
        .join(BlindIndex, BlindIndex.person_id == Person.id)
        .where(BlindIndex.field == "bsn", BlindIndex.digest == blind_digest(session, "bsn", bsn))
    ).one()


def test_demo_tells_the_early_signalling_story(app, session):
    """Ready cases, one held back for its reminder, one objection, two reported signals: the
    municipality worked on one and did not pick up the crisis signal, for its own reason."""
    from handover.earlysignal.models import EarlySignal
    from handover.earlysignal.policy import sender_feedback
    from handover.signalling import service
    from handover.signalling.demo import NOT_PICKED_UP_REASON, TENANTS
    from handover.signalling.models import Objection, SignalReadiness, SignalReport
    from portal.actor import staff_actor
    from portal.cases.models import Case
    from portal.crypto.fields import decrypt_field

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "/vroegsignalering" in first.output
    sanne = staff_actor(session.scalars(select(User).where(User.email.like("sanne@%"))).one())
    cases = {t.bsn: _demo_case(session, t.bsn) for t in TENANTS}
    states = {
        t.story: session.get(SignalReadiness, cases[t.bsn].id).state
        for t in TENANTS
        if not t.story.startswith("reported")
    }
    assert states == {"ready": "ready", "held_back": "missing", "objected": "objected"}
    held_back = next(cases[t.bsn] for t in TENANTS if t.story == "held_back")
    assert service.legal_steps(session, sanne, held_back).missing == ("reminder", "offer")
    for tenant in TENANTS:
        steps = service.legal_steps(session, sanne, cases[tenant.bsn])
        assert steps.contact_on and steps.points_to_help_on and steps.days_overdue >= 30
        assert steps.arrears_cents >= steps.min_amount_cents
    objection = session.scalars(select(Objection)).one()
    assert objection.source == "caseworker" and objection.withdrawn_at is None

    reports = session.scalars(select(SignalReport).order_by(SignalReport.id)).all()
    assert [r.outcome for r in reports] == ["sent", "sent"]
    signals = {s.case_id: s for s in session.scalars(select(EarlySignal).order_by(EarlySignal.id))}
    ordinary, crisis = (signals[cases[t.bsn].id] for t in TENANTS if t.story.startswith("reported"))
    assert (ordinary.crisis, crisis.crisis) == (False, True)
    assert ordinary.picked_up and ordinary.outcome == "follow_up_financial"
    assert len(ordinary.attempts) == 2
    assert {
        tuple(decrypt_field(a, name) for name in ("kind", "reached", "day_part"))
        for a in ordinary.attempts
    } == {
        ("phone", "no", "morning"),
        ("house_visit", "yes", "afternoon"),
    }
    assert (
        crisis.outcome == "not_picked_up_other"
        and decrypt_field(crisis, "reason") == NOT_PICKED_UP_REASON
    )
    assert sender_feedback(crisis).text == "Niet opgepakt door de gemeente"
    assert sender_feedback(ordinary).text.startswith("Opgepakt door de gemeente")

    counts = [session.scalar(select(func.count(m.id))) for m in (Case, SignalReport, EarlySignal)]
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "/vroegsignalering" not in again.output
    assert counts == [
        session.scalar(select(func.count(m.id))) for m in (Case, SignalReport, EarlySignal)
    ]


def test_every_demo_account_has_recovery_codes(app, session):
    """Like a real enrolment, the demo gives each account its recovery codes: "Mijn werk"
    must not warn a fresh demo account that it has none left."""
    from portal.accounts import service
    from portal.demo import USERS

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    emails = [email for _slug, email, _name, _roles in USERS]
    users = session.scalars(select(User).where(User.email.in_(emails))).all()
    assert len(users) == len(USERS)
    for user in users:
        assert user.mfa_enrolled
        assert service.remaining_recovery_codes(session, user) >= 3, user.email


def test_reset_starts_the_demo_afresh(databases, tmp_path):
    """``demo --reset`` on a database of its own (it drops every table): what was there
    before is gone, the demo accounts are back, and the schema is the newest."""
    from alembic.script import ScriptDirectory

    from portal import create_app
    from portal.extensions import db
    from portal.migrate import alembic_config
    from tests.conftest import make_test_config, migrate

    url = databases.fresh("sqlite", "demo_reset")
    migrate(url)
    app = create_app(make_test_config(url, tmp_path / "instance"))
    stale_mail = tmp_path / "instance" / "mail" / "old.eml"
    stale_mail.parent.mkdir(parents=True)
    stale_mail.write_text("Subject: a link into the old data\n\n")
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["demo"]).exit_code == 0
        with app.app_context():
            db.session.add(Organisation(slug="weg", name="Made before the reset"))
            sanne = db.session.scalars(select(User).where(User.email.like("sanne@%"))).one()
            sanne.display_name = "Changed before the reset"
            db.session.commit()

        result = runner.invoke(args=["demo", "--reset"])
        assert result.exit_code == 0, result.output
        assert "Reset" in result.output and "sanne@corporatie.example" in result.output
        with app.app_context():
            session = db.session
            slugs = set(session.scalars(select(Organisation.slug)))
            assert slugs == {slug for slug, _ in ORGANISATIONS}
            sanne = session.scalars(select(User).where(User.email.like("sanne@%"))).one()
            assert sanne.display_name != "Changed before the reset"
            assert session.scalar(select(func.count(User.id))) >= len(ORGANISATIONS)
            version = session.connection().exec_driver_sql(
                "SELECT version_num FROM alembic_version"
            )
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            assert version.scalar_one() == head
        assert not stale_mail.exists()
    finally:
        with app.app_context():
            db.engine.dispose()


def test_reset_refused_in_production(app):
    app.config["KP_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "--reset"])
    finally:
        app.config["KP_ENV"] = "testing"
    assert result.exit_code != 0 and "production" in result.output
