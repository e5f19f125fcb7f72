"""The session row brings its signed-in professional: one statement on every page, and still
the user as the database holds it now, so that a change to the account counts from the next
request (the row never keeps a copy of the user, their roles or their state)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from portal.accounts.models import User, UserRole, WebSession
from portal.accounts.session_store import hash_id
from tests.accounts.conftest import password_step, sign_in

COOKIE = "kp_session"


def _row(session, client) -> WebSession:
    session.expire_all()
    return session.get(WebSession, hash_id(client.get_cookie(COOKIE).value))


def _next_request(session) -> None:
    """Forget what this test's database session holds, as a new request starts with nothing
    (tests share one database session with the requests they make)."""
    session.expunge_all()


def _refused(response) -> bool:
    return response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_a_page_reads_the_session_and_its_user_in_one_statement(
    client, make_user, login, session, statements
):
    login(client, make_user())
    _next_request(session)
    with statements() as seen:
        assert client.get("/account").status_code == 200
    reads = [s for s in seen if "FROM user_account" in s or "FROM web_session" in s]
    assert len(reads) == 1
    assert "FROM web_session LEFT OUTER JOIN user_account" in reads[0]
    assert "user_role" in reads[0]


def test_a_posted_form_reads_its_user_in_its_own_transaction(
    client, make_user, login, session, statements
):
    """A request that may write reads the row on the store's session, and the user in the
    request's own transaction (which SQLite begins with the write lock)."""
    login(client, make_user())
    token = client.csrf_token("/account")
    _next_request(session)
    with statements() as seen:
        assert client.post("/account/wachtwoord", data={"csrf_token": token}).status_code == 200
    assert any(s.startswith("SELECT web_session.data") for s in seen)
    assert any(s.startswith("SELECT user_account.id") for s in seen)


def test_the_row_names_only_a_signed_in_user(client, make_user, session):
    user = make_user()
    password_step(client, user.email)
    assert _row(session, client).user_id is None  # half signed in: nobody yet
    sign_in(client, user)
    assert _row(session, client).user_id == user.id
    client.post_form("/uitloggen")
    client.get("/inloggen")
    assert _row(session, client).user_id is None


def test_a_row_without_its_user_still_signs_in(client, make_user, login, session):
    """Rows written before the row named its user: the user is read by a statement of its own."""
    login(client, make_user())
    row = _row(session, client)
    session.execute(
        update(WebSession).where(WebSession.id_hash == row.id_hash).values(user_id=None)
    )
    _next_request(session)
    assert client.get("/casussen").status_code == 200


def test_a_role_taken_away_counts_from_the_next_request(client, make_user, login, session):
    user = make_user(roles=("caseworker",))
    login(client, user)
    assert client.get("/casussen").status_code == 200
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    session.execute(insert(UserRole).values(user_id=user.id, role="auditor"))
    _next_request(session)
    assert client.get("/casussen").status_code == 403


def test_a_role_given_counts_from_the_next_request(client, make_user, login, session):
    user = make_user(roles=("org_admin",))
    login(client, user)
    assert client.get("/casussen").status_code == 403
    session.execute(insert(UserRole).values(user_id=user.id, role="caseworker"))
    _next_request(session)
    assert client.get("/casussen").status_code == 200


def test_an_account_switched_off_in_the_database_is_refused_at_once(
    client, make_user, login, session
):
    """Not through the service (no epoch raised): the user's own state is read every time."""
    user = make_user()
    login(client, user)
    assert client.get("/mijn-werk").status_code == 200
    session.execute(update(User).where(User.id == user.id).values(active=False))
    _next_request(session)
    assert _refused(client.get("/mijn-werk"))


def test_a_raised_epoch_is_refused_on_a_page_and_on_a_form(
    client, make_user, login, new_client, session
):
    user = make_user()
    browser = new_client()
    login(client, user)
    login(browser, user)
    token = browser.csrf_token("/account")
    session.execute(
        update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1)
    )
    _next_request(session)
    assert _refused(client.get("/mijn-werk"))
    assert _refused(browser.post("/account/wachtwoord", data={"csrf_token": token}))
    assert session.scalars(select(WebSession.user_id)).all() == [None, None]  # nobody left
