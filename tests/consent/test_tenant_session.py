"""The tenant's session lives on the server: signing out or timing out ends it for every copy
of the cookie."""

from __future__ import annotations

from consent import tenant
from tests.consent.conftest import ask, prove

COOKIE = "kp_session"


def _copy_of(client, new_client):
    """Another browser that was handed a copy of this one's cookie."""
    thief = new_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def _refused(response) -> bool:
    return response.status_code == 303 and response.headers["Location"].endswith(
        "/toestemming/sessie-verlopen"
    )


def test_a_cookie_copied_before_sign_out_is_refused(client, session, world, sms_box, new_client):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    before = _copy_of(client, new_client)
    copied = _copy_of(client, new_client)
    assert before.get("/toestemming/mijn").status_code == 200  # the copy works
    client.post_form("/toestemming/uitloggen")
    assert _refused(copied.get("/toestemming/mijn"))
    assert _refused(copied.get("/toestemming/vraag"))
    assert _refused(client.get("/toestemming/mijn"))


def test_idle_timeout_holds_for_a_copied_cookie(client, session, world, sms_box, new_client, app):
    _request, tokens = ask(session, world)
    prove(client, tokens["sms"], sms_box)
    copied = _copy_of(client, new_client)
    # The server's clock for the session runs out; the copy cannot bring a fresher one.
    with client.session_transaction() as sess:
        state = dict(sess[tenant.TENANT_KEY])
        state["seen"] -= app.config["TENANT_SESSION_IDLE_MINUTES"] * 60 + 5
        sess[tenant.TENANT_KEY] = state
    assert _refused(copied.get("/toestemming/mijn"))
    assert _refused(client.get("/toestemming/mijn"))


def test_proving_who_you_are_moves_to_a_fresh_id(client, session, world, sms_box, new_client):
    _request, tokens = ask(session, world)
    client.get(f"/t/{tokens['sms']}")
    planted = _copy_of(client, new_client)  # an id from before the proof
    prove(client, tokens["sms"], sms_box)
    assert client.get("/toestemming/mijn").status_code == 200
    assert _refused(planted.get("/toestemming/mijn"))
