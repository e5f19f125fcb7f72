"""The tenant's consent pages: open the link, prove who you are, answer one question per page,
check, confirm, download the receipt; and later, the same proof again to see and withdraw.

Every view is declared ``tenant`` (anyone may reach it) and checks its own proof: the link's
token, the identity challenge, or the tenant session (``consent.tenant``). Nothing personal
is shown before the proof. Every page works without JavaScript.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from consent import oidc, policy, receipt, service, tenant
from consent.forms import ActionForm, CodeForm, ReturnForm
from consent.models import ConsentInvitation, ConsentRequest, IdentityChallenge
from consent.pdf import render_pdf
from portal.access import tenant as tenant_access
from portal.actor import current_actor
from portal.audit.service import record
from portal.audit.transparency import accesses_for_person
from portal.cases.models import Person
from portal.covenant.rules import active_covenant
from portal.db import utcnow
from portal.errors import Conflict, DomainError, NotFound
from portal.extensions import db, limiter
from portal.links import external_url
from portal.numbers import MAX_SEQ, query_int
from portal.sharing import reveal

bp = Blueprint("consent_tenant", __name__)
log = logging.getLogger("consent.tenant")

LINK_STATES = ("unknown", "expired", "used", "revoked", "closed")


def _limit() -> str:
    return current_app.config["LOGIN_RATELIMIT"]


throttled = limiter.limit(_limit, methods=["POST"])


def _lang() -> str:
    return str(get_locale())


def _require_tenant() -> dict[str, Any]:
    state = tenant.current()
    if state is None:
        abort(Response(status=303, headers={"Location": url_for(".session_ended")}))
    return state


def _link_problem(state: str):
    status = 404 if state == "unknown" else 410
    return render_template("consent/tenant/link_problem.html", state=state), status


def _pending_request(state: dict[str, Any]) -> ConsentRequest:
    rid = state.get("rid")
    request_ = db.session.get(ConsentRequest, rid) if isinstance(rid, int) else None
    if request_ is None or request_.person_id not in state["pids"]:
        raise NotFound()
    return request_


def _request_view(request_: ConsentRequest) -> dict[str, Any]:
    covenant = active_covenant(db.session)
    lang = _lang()
    purpose = covenant.purposes[request_.purpose]
    owner = request_.organisation
    owner_name = (
        covenant.partners[owner.slug].name.get(lang)
        if owner.slug in covenant.partners
        else owner.name
    )
    questions = [
        {
            "index": i,
            "recipient": service.recipient_name(db.session, covenant, item, lang),
            "categories": [covenant.categories[c] for c in item["categories"]],
        }
        for i, item in enumerate(request_.items)
    ]
    return {
        "request_": request_,
        "covenant": covenant,
        "purpose": purpose,
        "owner_name": owner_name,
        "questions": questions,
        "valid_until": service.valid_until_for(request_, utcnow()).date(),
        "law_notices": service.law_notices(covenant, request_.purpose),
    }


# --- the link ----------------------------------------------------------------------------------


@bp.get("/t/<token>")
@tenant_access
def open_link(token: str):
    """The invitation's link: remember it (not the token) and move to the identity check."""
    invitation, state = service.open_invitation(db.session, token)
    if invitation is None or state != "open":
        return _link_problem(state)
    tenant.end()
    session[tenant.LINK_KEY] = {"inv": invitation.id, "th": invitation.token_hash}
    if "lang" not in session:
        session["lang"] = invitation.request.language
    return redirect(url_for(".identify"))


def _link_invitation() -> ConsentInvitation | None:
    data = session.get(tenant.LINK_KEY) or {}
    invitation = db.session.get(ConsentInvitation, data.get("inv") or 0)
    if invitation is None or invitation.token_hash != data.get("th"):
        return None
    return invitation


@bp.route("/toestemming/wie-bent-u", methods=["GET", "POST"])
@tenant_access
@throttled
def identify():
    invitation = _link_invitation()
    if invitation is None:
        return redirect(url_for(".come_back"))
    state = invitation.state(utcnow())
    if state == "open" and invitation.request.status != "pending":
        state = "closed"
    if state != "open":
        return _link_problem(state)
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        secret = tenant.browser_secret()
        try:
            challenge = service.start_link_challenge(
                db.session,
                current_actor(label="tenant"),
                invitation,
                browser_secret=secret,
                language=_lang(),
            )
        except service.IdentityRefused as exc:
            db.session.commit()
            if exc.reason == "locked":
                return _locked_page()
            return _link_problem("expired")
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            tenant.remember_challenge(challenge.id, secret, challenge.channel)
            return redirect(url_for(".enter_code"))
    return render_template(
        "consent/tenant/identify.html",
        form=form,
        error=error,
        digid=oidc.configured() and not invitation.request.has_representative,
        representative=invitation.request.has_representative,
    )


def _locked_page():
    return (
        render_template(
            "consent/tenant/locked.html", minutes=current_app.config["CONSENT_LOCK_MINUTES"]
        ),
        429,
    )


@bp.route("/toestemming/code", methods=["GET", "POST"])
@tenant_access
@throttled
def enter_code():
    challenge_id, secret, channel = tenant.challenge_ref()
    challenge = db.session.get(IdentityChallenge, challenge_id) if challenge_id else None
    if challenge is None or not secret:
        return redirect(url_for(".come_back"))
    form = CodeForm()
    error = None
    valid = form.validate_on_submit()
    if valid and form.birth_date() is None:  # each part fine, the whole no date (31 2 1980)
        form.day.errors = [_("Vul een echte datum in.")]
    elif valid:
        now = utcnow()
        try:
            person_ids = service.verify_challenge(
                db.session,
                current_actor(label="tenant"),
                challenge,
                code=form.code.data,
                birth_date=form.birth_date(),
                browser_secret=secret,
                now=now,
            )
        except service.IdentityRefused as exc:
            db.session.commit()
            if exc.reason == "locked":
                return _locked_page()
            if exc.reason == "used":
                return _link_problem("used")
            if exc.reason == "expired":
                error = _("De code is verlopen. Vraag een nieuwe code aan.")
            else:
                error = _("De code of de geboortedatum klopt niet. Probeer het opnieuw.")
        else:
            request_id = None
            if challenge.kind == "link" and challenge.invitation is not None:
                request_id = challenge.invitation.request_id
            mandate = service.proved_mandate(db.session, challenge, person_ids)
            db.session.commit()
            tenant.begin(person_ids, via="code", request_id=request_id, now=now, mandate=mandate)
            return redirect(url_for(".intro" if request_id else "handover_tenant.my_case"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "consent/tenant/code.html",
            form=form,
            error=error,
            channel=channel,
            kind=challenge.kind,
            minutes=current_app.config["CONSENT_CODE_MINUTES"],
        ),
        status,
    )


@bp.route("/toestemming/terugkomen", methods=["GET", "POST"])
@tenant_access
@throttled
def come_back():
    """Later, without a link: the same proof (code to the number on file, birth date)."""
    form = ReturnForm()
    error = None
    if form.validate_on_submit():
        secret = tenant.browser_secret()
        try:
            challenge = service.start_return_challenge(
                db.session,
                current_actor(label="tenant"),
                form.contact.data,
                browser_secret=secret,
                language=_lang(),
            )
        except service.IdentityRefused:
            db.session.commit()
            return _locked_page()
        except DomainError as exc:
            db.session.rollback()
            form.contact.errors = [exc.message]
        else:
            db.session.commit()
            session.pop(tenant.LINK_KEY, None)
            tenant.remember_challenge(challenge.id, secret, challenge.channel or "unknown")
            return redirect(url_for(".enter_code"))
    return render_template(
        "consent/tenant/come_back.html", form=form, error=error, digid=oidc.configured()
    )


@bp.get("/toestemming/sessie-verlopen")
@tenant_access
def session_ended():
    return render_template("consent/tenant/session_ended.html"), 401


@bp.post("/toestemming/uitloggen")
@tenant_access
def sign_out():
    tenant.end()
    flash(_("U bent uitgelogd."), "ok")
    return redirect(url_for(".come_back"))


# --- DigiD-style broker -------------------------------------------------------------------------


@bp.get("/toestemming/digid")
@tenant_access
@limiter.limit(_limit)
def digid_start():
    if not oidc.configured():
        raise NotFound()
    redirect_uri = external_url("consent_tenant.digid_callback")
    try:
        return oidc.authorize_redirect(redirect_uri)
    except Exception as exc:  # fail closed, whatever the broker or the network did
        log.warning("tenant sign-in could not start", extra={"error": type(exc).__name__})
        flash(_("Inloggen met DigiD lukt nu niet. Gebruik een code."), "error")
        return redirect(url_for(".identify" if _link_invitation() else ".come_back"))


@bp.get("/toestemming/digid/terug")
@tenant_access
@throttled
def digid_callback():
    if not oidc.configured():
        raise NotFound()
    invitation = _link_invitation()
    actor = current_actor(label="tenant")
    now = utcnow()
    try:
        bsn = oidc.verified_bsn()
        person_ids = service.identity_from_bsn(
            db.session, actor, bsn, invitation=invitation, now=now
        )
    except service.IdentityRefused as exc:
        db.session.commit()
        if exc.reason == "used":
            return _link_problem("used")
        flash(_("We konden u met DigiD niet vinden bij deze vraag. Gebruik een code."), "error")
        return redirect(url_for(".identify" if invitation else ".come_back"))
    except Exception as exc:  # a wrong state, issuer, audience, nonce or signature: refuse
        log.warning("tenant sign-in refused", extra={"error": type(exc).__name__})
        db.session.rollback()
        record(
            db.session,
            actor,
            "consent.identity_failed",
            detail={"via": "digid", "reason": getattr(exc, "reason", type(exc).__name__)},
        )
        db.session.commit()
        flash(_("Inloggen met DigiD is niet gelukt. Probeer het opnieuw."), "error")
        return redirect(url_for(".identify" if invitation else ".come_back"))
    db.session.commit()
    request_id = invitation.request_id if invitation else None
    tenant.begin(person_ids, via="digid", request_id=request_id, now=now)
    return redirect(url_for(".intro" if request_id else "handover_tenant.my_case"))


# --- the questions -----------------------------------------------------------------------------


def _answering() -> tuple[dict[str, Any], ConsentRequest]:
    state = _require_tenant()
    request_ = _pending_request(state)
    return state, request_


def _answered_page(request_: ConsentRequest):
    return render_template("consent/tenant/answered.html", request_=request_), 409


@bp.get("/toestemming/vraag")
@tenant_access
def intro():
    _state, request_ = _answering()
    if request_.status != "pending":
        return _answered_page(request_)
    return render_template("consent/tenant/intro.html", **_request_view(request_))


@bp.get("/toestemming/verzoek/<int:request_id>")
@tenant_access
def choose_request(request_id: int):
    """From "my consents": answer another open request of the signed-in tenant."""
    state = _require_tenant()
    request_ = db.session.get(ConsentRequest, request_id)
    if request_ is None or request_.person_id not in state["pids"]:
        raise NotFound()
    tenant.set_request(request_.id)
    return redirect(url_for(".intro"))


@bp.route("/toestemming/vraag/<int:number>", methods=["GET", "POST"])
@tenant_access
def question(number: int):
    _state, request_ = _answering()
    if request_.status != "pending":
        return _answered_page(request_)
    view = _request_view(request_)
    questions = view["questions"]
    if not 1 <= number <= len(questions):
        raise NotFound()
    current = questions[number - 1]
    form = ActionForm()
    if form.validate_on_submit():
        allowed = request_.items[number - 1]["categories"]
        chosen = [c for c in allowed if c in set(request.form.getlist("categories"))]
        tenant.save_answer(request_.id, number - 1, chosen)
        if request.args.get("terug") == "controleren" or number == len(questions):
            return redirect(url_for(".check"))
        return redirect(url_for(".question", number=number + 1))
    answers = tenant.answers(request_.id)
    return render_template(
        "consent/tenant/question.html",
        form=form,
        number=number,
        total=len(questions),
        question=current,
        chosen=set(answers.get(number - 1, [])),
        back_to_check=request.args.get("terug") == "controleren",
        **view,
    )


def _rows(view: dict[str, Any], answers: dict[int, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "number": q["index"] + 1,
            "recipient": q["recipient"],
            "yes": [c for c in q["categories"] if c.code in set(answers.get(q["index"], []))],
            "no": [c for c in q["categories"] if c.code not in set(answers.get(q["index"], []))],
        }
        for q in view["questions"]
    ]


@bp.route("/toestemming/controleren", methods=["GET", "POST"])
@tenant_access
def check():
    _state, request_ = _answering()
    if request_.status != "pending":
        return _answered_page(request_)
    view = _request_view(request_)
    answers = tenant.answers(request_.id)
    missing = [q["index"] + 1 for q in view["questions"] if q["index"] not in answers]
    if missing:
        return redirect(url_for(".question", number=missing[0]))
    lang = _lang()
    body = service.tenant_statement(db.session, request_, answers, lang)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            answer = service.answer_request(
                db.session,
                tenant.actor(request_.person_id),
                request_,
                answers,
                statement_sha256=request.form.get("statement_sha256", ""),
                language=lang,
            )
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".check"))
        db.session.commit()
        tenant.set_request(None)
        if answer.receipt_id is None:
            return redirect(url_for(".declined"))
        return redirect(url_for(".done", receipt_id=answer.receipt_id))
    return render_template(
        "consent/tenant/check.html",
        form=form,
        rows=_rows(view, answers),
        statement=body,
        statement_sha256=service.text_sha256(body),
        anything=any(answers.values()),
        **view,
    )


@bp.get("/toestemming/klaar")
@tenant_access
def declined():
    _require_tenant()
    return render_template("consent/tenant/declined.html")


def _receipt_context(state: dict[str, Any], receipt_id: str) -> dict[str, Any]:
    records = policy.receipt_records(db.session, state["pids"], receipt_id)
    states = policy.states(db.session, records)
    lang = _lang()
    return {
        "records": records,
        "states": states,
        "lines": receipt.lines(db.session, records, states, lang),
        "receipt_id": receipt_id,
        "purpose": receipt.covenant_for(db.session, records).purposes[records[0].purpose],
        "lang": lang,
    }


@bp.get("/toestemming/klaar/<receipt_id>")
@tenant_access
def done(receipt_id: str):
    state = _require_tenant()
    return render_template("consent/tenant/done.html", **_receipt_context(state, receipt_id))


def _principal(record, action: str = "consent.receipt") -> str:
    """The tenant's name for their own receipt, shown through the policy point (audited)."""
    person = db.session.get_one(Person, record.person_id)
    shown = reveal(
        db.session,
        tenant.actor(record.person_id),
        record.case,
        {person: ["initials", "surname"]},
        action=action,
    )
    parts = [shown.get(person, "initials"), shown.get(person, "surname")]
    return " ".join(str(p) for p in parts if p)


@bp.get("/toestemming/bewijs/<receipt_id>.json")
@tenant_access
def receipt_json(receipt_id: str):
    state = _require_tenant()
    context = _receipt_context(state, receipt_id)
    principal = _principal(context["records"][0])
    data = receipt.receipt_json(
        db.session, context["records"], context["states"], lang=context["lang"], principal=principal
    )
    db.session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="toestemming-{receipt_id[:8]}.json"'
        },
    )


@bp.get("/toestemming/bewijs/<receipt_id>.pdf")
@tenant_access
def receipt_pdf(receipt_id: str):
    state = _require_tenant()
    context = _receipt_context(state, receipt_id)
    principal = _principal(context["records"][0])
    pdf = render_pdf(
        "consent/pdf/receipt.html",
        principal=principal,
        text=context["records"][0].text,
        return_url=external_url("consent_tenant.come_back"),
        **context,
    )
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="toestemming-{receipt_id[:8]}.pdf"'},
    )


# --- my consents, and withdrawing --------------------------------------------------------------


@bp.get("/toestemming/mijn")
@tenant_access
def my_consents():
    state = _require_tenant()
    records = policy.tenant_records(db.session, state["pids"])
    states = policy.states(db.session, records)
    lang = _lang()
    lines = receipt.lines(db.session, records, states, lang) if records else []
    open_requests = list(
        db.session.scalars(
            select(ConsentRequest)
            .where(
                ConsentRequest.person_id.in_(state["pids"]),
                ConsentRequest.status == "pending",
            )
            .order_by(ConsentRequest.id)
        )
    )
    return render_template(
        "consent/tenant/my_consents.html",
        active=[line for line in lines if line.state.status == "valid"],
        ended=[line for line in lines if line.state.status != "valid"],
        open_requests=open_requests,
        form=ActionForm(),
    )


@bp.route("/toestemming/mijn/<int:record_id>/intrekken", methods=["GET", "POST"])
@tenant_access
def withdraw(record_id: int):
    """The tenant ticks what she withdraws (nothing is ticked at first): a plain question,
    not "untick what they may keep", which read as a double negative. Nothing chosen is an
    error; everything chosen ends the consent."""
    state = _require_tenant()
    record = policy.load_tenant_record(db.session, state["pids"], record_id)
    states = policy.states(db.session, [record])
    line = receipt.lines(db.session, [record], states, _lang())[0]
    if line.state.status != "valid":
        flash(_("Deze toestemming geldt al niet meer."), "info")
        return redirect(url_for(".my_consents"))
    covenant = receipt.covenant_for(db.session, [record])
    active = [covenant.categories[c] for c in line.state.active]
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        chosen = [c.code for c in active if c.code in set(request.form.getlist("categories"))]
        if not chosen:
            error = _("Kies wat u wilt intrekken.")
        else:
            event = service.withdraw(db.session, tenant.actor(record.person_id), record, chosen)
            db.session.commit()
            flash(_("U heeft uw toestemming ingetrokken. Dit geldt vanaf nu."), "ok")
            return redirect(url_for(".withdrawn", event_id=event.id))
    return (
        render_template(
            "consent/tenant/withdraw.html",
            form=form,
            line=line,
            active=active,
            error=error,
            purpose=covenant.purposes[record.purpose],
        ),
        400 if error else 200,
    )


def _withdrawal(event_id: int) -> receipt.WithdrawalReceipt:
    """One of the signed-in tenant's own withdrawals, loaded through the consent policy."""
    state = _require_tenant()
    event = policy.load_tenant_withdrawal(db.session, state["pids"], event_id)
    return receipt.withdrawal(db.session, event, _lang())


@bp.get("/toestemming/intrekking/<int:event_id>")
@tenant_access
def withdrawn(event_id: int):
    """After a withdrawal: what stopped, for whom, from when, and her receipt of it."""
    return render_template("consent/tenant/withdrawn.html", receipt=_withdrawal(event_id))


def _withdrawal_download(body: bytes | str, event_id: int, extension: str, mimetype: str):
    """No personal data in the file name: only the event's number."""
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="intrekking-{event_id}.{extension}"'
        },
    )


@bp.get("/toestemming/intrekking/<int:event_id>.json")
@tenant_access
def withdrawal_json(event_id: int):
    found = _withdrawal(event_id)
    principal = _principal(found.record, action="consent.withdrawal_receipt")
    data = receipt.withdrawal_json(found, lang=_lang(), principal=principal)
    db.session.commit()
    return _withdrawal_download(
        json.dumps(data, ensure_ascii=False, indent=2), event_id, "json", "application/json"
    )


@bp.get("/toestemming/intrekking/<int:event_id>.pdf")
@tenant_access
def withdrawal_pdf(event_id: int):
    found = _withdrawal(event_id)
    principal = _principal(found.record, action="consent.withdrawal_receipt")
    pdf = render_pdf(
        "consent/pdf/withdrawal.html",
        receipt=found,
        principal=principal,
        lang=_lang(),
        return_url=external_url("consent_tenant.come_back"),
    )
    db.session.commit()
    return _withdrawal_download(pdf, event_id, "pdf", "application/pdf")


@bp.get("/toestemming/inzage")
@tenant_access
def who_looked():
    """Scenario D: the tenant sees which organisations used their data, when and why."""
    state = _require_tenant()
    person_id = state["pids"][0]
    after = query_int(request.args, "na", high=MAX_SEQ)
    page = accesses_for_person(
        db.session, tenant.actor(person_id), person_id, after_seq=after, lang=_lang()
    )
    db.session.commit()  # the read of the log is logged before the page is answered
    more_url = url_for(".who_looked", na=page.next_after_seq) if page.next_after_seq else None
    return render_template("consent/tenant/who_looked.html", accesses=page, more_url=more_url)
