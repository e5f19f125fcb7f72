"""Shared fixtures: the app on every configured database, per-test rollback, clients.

Every database test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.
The schema is always made by the Alembic migrations, never by ``create_all``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import create_app
from portal.actor import Actor
from portal.cases.models import Case
from portal.cases.service import PersonData, create_case
from portal.extensions import db, limiter
from portal.migrate import alembic_config

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
#: For tests of row locks under real concurrency: a PostgreSQL matter (SQLite serialises every
#: writer anyway). Without TEST_DATABASE_URL they show as skipped, with this reason.
NEEDS_POSTGRESQL = pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL (.ci/run does)"
)

# Hypothesis without deadlines: a loaded CI machine must not turn a slow example into a
# failure (timings belong in bench/).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


def worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class Databases:
    """Creates empty databases on demand: SQLite files, or PostgreSQL databases by name."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def fresh(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            path = self.tmp / f"{name}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{path}"
        url = make_url(PG_URL)
        dbname = f"{url.database}_{name}_{worker_suffix()}".lower()
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        admin.dispose()
        self.created.append(dbname)
        return url.set(database=dbname).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(
            make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            for dbname in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.drop_all()


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def make_test_config(database_url: str, instance: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "KP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": "",
        "MAIL_BACKEND": "memory",
        "SMS_BACKEND": "memory",
        "INSTANCE_PATH": str(instance),
        # Jobs run in the caller, on the test's connection (tests/jobs/ run the real queue:
        # the embedded worker, and Redis with worker processes).
        "JOBS_INLINE": True,
        "JOBS_BROKER_URL": "",
        "JOBS_EMBEDDED_SCHEDULER": False,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, databases: Databases) -> str:
    url = databases.fresh(backend, "suite")
    migrate(url)
    return url


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(make_test_config(database_url, instance))
    yield app
    app.extensions["kp_db"].engine.dispose()  # close pooled connections before the end


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on a connection whose outer transaction is rolled back after the test."""
    engine = app.extensions["kp_db"].engine
    with engine.connect() as connection:
        outer = connection.begin()
        with db.bound_to(app, connection), app.app_context():
            limiter.reset()
            yield db.session
        outer.rollback()


class Client(FlaskClient):
    """Test client that knows how to get a CSRF token, like a browser reading the page."""

    _CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')

    def open(self, *args: Any, **kwargs: Any):
        # Requests reuse the test's app context (the ``session`` fixture pushes one), so give
        # each request a fresh ``g``: a browser's request never sees another's cached user
        # (Flask-Login) or CSRF token (Flask-WTF).
        ctx = _cv_app.get(None)
        if ctx is not None:
            ctx.g = ctx.app.app_ctx_globals_class()
        return super().open(*args, **kwargs)

    def csrf_token(self, page: str = "/") -> str:
        html = self.get(page).get_data(as_text=True)
        match = self._CSRF.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def client(app: Flask, session: Session) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def statements(app: Flask):
    """``with statements() as seen:`` collects every statement the app's engine sends."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def capture() -> Iterator[list[str]]:
        seen: list[str] = []

        def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(" ".join(statement.split()))

        engine = app.extensions["kp_db"].engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", note)

    return capture


# --- factories -------------------------------------------------------------------------------


@pytest.fixture
def make_org(session: Session):
    """Create (or fetch) an organisation by slug."""
    from sqlalchemy import select

    from portal.accounts.models import Organisation

    def make(slug: str = "corporatie", name: str | None = None) -> Organisation:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            org = Organisation(slug=slug, name=name or slug.title())
            session.add(org)
            session.flush()
        return org

    return make


@pytest.fixture
def make_user(session: Session, make_org):
    """Create a professional in an organisation with portal roles."""
    from portal.accounts.mfa import new_secret
    from portal.accounts.models import User, UserRole
    from portal.accounts.passwords import hash_password
    from portal.accounts.service import set_totp_secret
    from portal.db import utcnow

    counter = iter(range(1, 10_000))

    def make(
        org: str = "corporatie",
        roles: tuple[str, ...] = ("caseworker",),
        password: str = "pw",
        mfa: bool = True,
    ) -> User:
        """With ``mfa`` (the default) the user has a TOTP app set up; the plain secret is on
        ``user.test_totp_secret`` so a test can compute codes (``portal.accounts.mfa``)."""
        organisation = make_org(org)
        n = next(counter)
        user = User(
            organisation=organisation,
            email=f"user{n}@{org}.example",
            display_name=f"Test User {n}",
            password_hash=hash_password(password),
        )
        user.role_rows = [UserRole(role=r) for r in roles]
        session.add(user)
        session.flush()
        user.test_totp_secret = None
        if mfa:
            user.test_totp_secret = new_secret()
            set_totp_secret(user, user.test_totp_secret, utcnow())
            session.flush()
        return user

    return make


@pytest.fixture
def login():
    """Sign a professional in on a test client, MFA done (the sign-in flow has its own tests)."""

    from portal.accounts.sessions import signed_in_values
    from portal.db import utcnow

    def do_login(client: FlaskClient, user) -> FlaskClient:
        # The same session keys a real sign-in (password + TOTP) leaves behind.
        with client.application.test_request_context(environ_base=client.environ_base):
            values = signed_in_values(user, now=utcnow(), method="test")
        with client.session_transaction() as sess:
            sess.update(values)
        return client

    return do_login


# --- cases -----------------------------------------------------------------------------------

SYSTEM = Actor.system("test")


def main_tenant(**overrides) -> PersonData:
    values = {
        "surname": "Jansen",
        "initials": "A.",
        "birth_date": date(1980, 5, 17),
        "bsn": "111222333",
        "phone": "06 12345678",
        "email": "a.jansen@example.org",
        "street": "Dorpsstraat",
        "house_number": "12",
        "postcode": "1234 AB",
        "city": "Demostad",
        "is_main_tenant": True,
    }
    values.update(overrides)
    return PersonData(**values)


@pytest.fixture
def make_case(session, make_org) -> Callable[..., Case]:
    """Create a case with a main tenant (and optional other members) through the service."""

    def make(
        org: str = "corporatie",
        *,
        members: tuple[PersonData, ...] = (),
        arrears_cents: int | None = 12_345,
        actor: Actor = SYSTEM,
        **tenant: object,
    ) -> Case:
        return create_case(
            session,
            actor,
            make_org(org),
            [main_tenant(**tenant), *members],
            arrears_cents=arrears_cents,
        )

    return make


@pytest.fixture
def demo_covenant(session: Session, make_org):
    """The demo covenant, loaded and in force, with the five demo partners existing."""
    from portal.covenant.service import activate_version, load_version
    from portal.demo import DEMO_COVENANT, ORGANISATIONS

    for slug, name in ORGANISATIONS:
        make_org(slug, name)
    version = load_version(session, SYSTEM, DEMO_COVENANT.read_bytes()).version
    admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}), label="test")
    return activate_version(session, admin, version, "Activated for a test scenario.")


@pytest.fixture
def sender_chooses(session: Session, demo_covenant):
    """The demo covenant with the next step of debt help left to the sender (the covenant's
    other choice: ``escalation = "sender"``), for the tests of choosing it by hand."""
    from portal.covenant.service import activate_version, load_version
    from portal.demo import DEMO_COVENANT

    source = DEMO_COVENANT.read_text(encoding="utf-8")
    changed = source.replace('escalation = "automatic"', 'escalation = "sender"')
    assert changed != source
    version = load_version(session, SYSTEM, changed.encode()).version
    admin = Actor(kind="staff", roles=frozenset({"covenant_admin"}), label="test")
    return activate_version(session, admin, version, "The sender chooses the next step.")


@pytest.fixture
def grants_agree(session: Session) -> Callable[[], None]:
    """``grants_agree()`` fails unless the ``case_grant`` table holds exactly what the
    referrals and decisions grant now (``portal.grants.differences``, ``flask grants check``)."""
    from portal.grants import differences

    def check() -> None:
        assert differences(session) == []

    return check


@pytest.fixture
def grants_follow_the_records(request: pytest.FixtureRequest) -> Iterator[None]:
    """For ``autouse`` in a folder: after each test that used the database, the grants table
    still agrees with the records that grant."""
    if "session" not in request.fixturenames:
        yield
        return
    check = request.getfixturevalue("grants_agree")
    yield
    check()
