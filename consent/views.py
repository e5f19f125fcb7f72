"""The professional's consent pages for one case: status and history (also as a live htmx
panel), asking for consent, recording verbal or paper consent, withdrawing on the tenant's
behalf, and acknowledging a withdrawal as a recipient.

Cases load through ``portal.cases.policy.load_case`` (another organisation's case answers
404); personal data (names, representatives) is shown through ``portal.sharing.reveal``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from consent import policy, service, sms
from consent.forms import ActionForm, OfflineForm, RequestForm, WithdrawForm
from consent.labels import CHANNEL_LABELS, LEGAL_BASIS_LABELS
from consent.models import CHANNELS, ConsentRecord, ConsentRequest
from consent.pdf import qr_data_uri, render_pdf
from portal.access import casework
from portal.actor import current_actor
from portal.attachments.service import detect_type
from portal.cases.models import Case, Person
from portal.cases.policy import load_case, load_own_case
from portal.cases.service import is_minor
from portal.covenant.rules import Covenant, NoActiveCovenant, active_covenant
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.links import external_url
from portal.numbers import parse_int
from portal.sharing import Withheld, decide, reveal
from portal.web import is_htmx, page_or_fragment, vary_on_htmx

bp = Blueprint("consent", __name__)


def _case(case_id: int) -> Case:
    return load_case(db.session, current_actor(), case_id)


def _covenant() -> Covenant | None:
    try:
        return active_covenant(db.session)
    except NoActiveCovenant:
        return None


def _lang() -> str:
    return str(get_locale())


def _recipient(covenant: Covenant, record: ConsentRecord) -> str:
    return service.recipient_name(
        db.session,
        covenant,
        {"role": record.recipient_role, "organisation_id": record.recipient_organisation_id},
        _lang(),
    )


def _sharing_view(case: Case, covenant: Covenant | None) -> list[dict[str, Any]]:
    """What the viewer's organisation may see of the case now, per category (no data)."""
    if covenant is None:
        return []
    decisions = decide(db.session, current_actor(), case, list(covenant.categories))
    return [
        {
            "category": covenant.categories[code],
            "decision": decision,
            "reason": str(Withheld(code, decision.reason or "not_shared"))
            if not decision.allowed
            else "",
        }
        for code, decision in decisions.items()
    ]


def _panel_context(case: Case) -> dict[str, Any]:
    actor = current_actor()
    overview = policy.overview(db.session, actor, case)
    covenant = _covenant()
    return {
        "case": case,
        "overview": overview,
        "covenant": covenant,
        "recipients": {r.id: _recipient(covenant, r) for r in overview.records} if covenant else {},
        "sharing": _sharing_view(case, covenant),
        "ack_form": ActionForm(),
    }


def _render_panel(case: Case) -> Response:
    context = _panel_context(case)
    return page_or_fragment("consent/panel_page.html", "consent/_panel.html", **context)


@bp.get("/casussen/<int:case_id>/toestemming/paneel")
@casework
def panel(case_id: int):
    """The live status panel: an htmx fragment (the case page polls it), or a page."""
    return _render_panel(_case(case_id))


@bp.get("/casussen/<int:case_id>/toestemming")
@casework
def case_consents(case_id: int):
    case = _case(case_id)
    context = _panel_context(case)
    overview = context["overview"]
    actor = current_actor()
    with_rep = [r for r in overview.records if r.representative_name is not None]
    pending_reps = [r for r in overview.requests if r.representative_name is not None]
    shown = None
    if with_rep or pending_reps or overview.is_owner:
        fields: list[tuple[Any, list[str]]] = [
            (r, ["representative_name", "representative_mandate"]) for r in with_rep
        ]
        fields += [(r, ["representative_name", "representative_mandate"]) for r in pending_reps]
        if overview.is_owner:
            fields += [(p, ["initials", "surname"]) for p in case.persons]
        shown = reveal(db.session, actor, case, fields, action="consent.view")
        db.session.commit()
    return vary_on_htmx(
        Response(
            render_template(
                "consent/case.html",
                shown=shown,
                withdraw_form=WithdrawForm(),
                sms_available=sms.available(),
                channel_labels=CHANNEL_LABELS,
                legal_basis_labels=LEGAL_BASIS_LABELS,
                **context,
            )
        )
    )


# --- asking --------------------------------------------------------------------------------------


def _items_from_form() -> list[dict[str, Any]]:
    """Checkboxes named ``item`` with value ``role|organisation id or *|category``."""
    items: dict[tuple[str, int | None], list[str]] = {}
    for value in request.form.getlist("item"):
        parts = value.split("|")
        if len(parts) != 3:
            continue
        role, org, category = parts
        org_id = None if org == "*" else (parse_int(org) or -1)
        items.setdefault((role, org_id), []).append(category)
    return [
        {"role": role, "organisation_id": org_id, "categories": cats}
        for (role, org_id), cats in items.items()
    ]


def _person_choices(case: Case) -> list[SelectChoice]:
    adults = [p for p in case.persons if not is_minor(p)]
    shown = reveal(
        db.session,
        current_actor(),
        case,
        {p: ["initials", "surname"] for p in adults},
        action="consent.view",
    )
    return [
        SelectChoice(
            p.id,
            " ".join(str(v) for v in (shown.get(p, "initials"), shown.get(p, "surname")) if v)
            + (f" ({_('hoofdhuurder')})" if p.is_main_tenant else ""),
        )
        for p in adults
    ]


def _form_context(case: Case, purpose: str | None) -> dict[str, Any]:
    covenant = _covenant()
    if covenant is None:
        raise NoActiveCovenant(_("Er is nog geen actief convenant."))
    purposes = service.consent_purposes(covenant)
    options = (
        service.recipient_options(db.session, covenant, purpose, case.organisation_id)
        if purpose in purposes
        else []
    )
    from portal.accounts.models import Organisation

    orgs = {o.id: o for o in db.session.query(Organisation)}
    return {
        "case": case,
        "covenant": covenant,
        "purposes": purposes,
        "purpose": purpose if purpose in purposes else None,
        "options": options,
        "org_names": {
            o.id: (
                covenant.partners[o.slug].name.get(_lang())
                if o.slug in covenant.partners
                else o.name
            )
            for o in orgs.values()
        },
        # Nothing is ticked for the sender: a consent request names only the recipients the
        # sender chose (a link may preselect one with ``?item=``).
        "checked": set(request.values.getlist("item")),
    }


def _representative(form: Any) -> service.Representative | None:
    if not form.rep_mandate.data:
        return None
    return service.Representative(
        name=form.rep_name.data or "",
        mandate=form.rep_mandate.data,
        email=getattr(form, "rep_email", None) and form.rep_email.data,
        phone=getattr(form, "rep_phone", None) and form.rep_phone.data,
    )


def _known_channels(person: Person | None) -> set[str]:
    """The channels to tick at first: what the case knows of the tenant (a mobile number: a
    text message, when the portal can send one; an e-mail address: an e-mail), else a
    printed letter. Told by the blind
    indexes, which say whether a value is there without decrypting it."""
    indexed = {entry.field for entry in person.blind_indexes} if person is not None else set()
    known = {"sms"} if "phone" in indexed and sms.available() else set()
    known |= {"email"} if "email" in indexed else set()
    return known or {"letter"}


@bp.route("/casussen/<int:case_id>/toestemming/vragen", methods=["GET", "POST"])
@casework
def ask(case_id: int):
    case = load_own_case(db.session, current_actor(), case_id)
    purpose = request.values.get("doel")
    context = _form_context(case, purpose)
    # What the tenant declined or withdrew is shown as her answer with its date, not ticked:
    # asking again is a deliberate choice, with a reason (``service.request_consent``).
    refused = {
        option.key: service.refusals(
            db.session, case, context["purpose"], option.role, option.organisation_id
        )
        for option in context["options"]
    }
    form = RequestForm()
    form.person.choices = _person_choices(case)
    if request.method == "GET":
        form.person.data = service.first_adult(case).id
    error = None
    reason_error = None
    if context["purpose"] and form.validate_on_submit():
        try:
            req, _tokens = service.request_consent(
                db.session,
                current_actor(),
                case,
                person_id=form.person.data,
                purpose=context["purpose"],
                items=_items_from_form(),
                channels=request.form.getlist("channels"),
                language=form.language.data,
                valid_days=form.valid_days.data,
                representative=_representative(form),
                reask_reason=request.form.get("reask_reason"),
                link_for=service.tenant_link,
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
            if exc.params.get("field") == "reask_reason":
                reason_error = exc.message
        else:
            db.session.commit()
            flash(_("Het verzoek %(ref)s is verstuurd.", ref=req.reference), "ok")
            if "letter" in req.channels:
                flash(_("Druk de brief af met de knop bij het verzoek."), "info")
            return redirect(url_for(".case_consents", case_id=case.id))
    else:
        db.session.commit()  # the names shown in the form were audited
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "consent/ask.html",
            form=form,
            error=error,
            channels=CHANNELS,
            channel_labels=CHANNEL_LABELS,
            chosen_channels=set(request.form.getlist("channels"))
            or _known_channels(service.first_adult(case)),
            sms_available=sms.available(),
            refused=refused,
            any_refused=any(refused.values()),
            reask_reason=request.form.get("reask_reason", ""),
            reason_error=reason_error,
            **context,
        ),
        status,
    )


@bp.route("/casussen/<int:case_id>/toestemming/vastleggen", methods=["GET", "POST"])
@casework
def record_offline(case_id: int):
    case = load_own_case(db.session, current_actor(), case_id)
    purpose = request.values.get("doel")
    context = _form_context(case, purpose)
    form = OfflineForm()
    form.person.choices = _person_choices(case)
    if request.method == "GET":
        form.person.data = service.first_adult(case).id
    error = None
    if context["purpose"] and form.validate_on_submit():
        upload = request.files.get("scan")
        evidence = None
        if upload is not None and upload.filename:
            data = upload.read()
            try:  # the content says what it is, never the browser's word or the file name
                media_type = detect_type(data)
            except DomainError:
                media_type = ""  # refused by record_offline with the scan's own message
            evidence = service.Evidence(data, media_type)
        try:
            result = service.record_offline(
                db.session,
                current_actor(),
                case,
                person_id=form.person.data,
                purpose=context["purpose"],
                items=_items_from_form(),
                method=form.method.data,
                language=form.language.data,
                valid_days=form.valid_days.data,
                representative=_representative(form),
                notes=form.notes.data,
                evidence=evidence,
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            if isinstance(result, ConsentRequest):
                flash(
                    _("Vastgelegd. Een collega moet deze mondelinge toestemming nog bevestigen."),
                    "ok",
                )
            else:
                flash(_("De toestemming op papier is vastgelegd."), "ok")
            return redirect(url_for(".case_consents", case_id=case.id))
    else:
        db.session.commit()
    status = 400 if request.method == "POST" else 200
    return render_template("consent/record.html", form=form, error=error, **context), status


def _owned_request(case_id: int, request_id: int) -> tuple[Case, ConsentRequest]:
    case = load_own_case(db.session, current_actor(), case_id)
    return case, policy.load_request(db.session, case, request_id)


def _back(case: Case):
    return redirect(url_for(".case_consents", case_id=case.id))


def _fail(case: Case, exc: DomainError):
    db.session.rollback()
    flash(exc.message or _("Dat lukte niet."), "error")
    return _back(case)


def _on_request(case_id: int, request_id: int, act: Callable[..., object], done: str):
    """One action on a request of the user's organisation, then back to the case."""
    case, req = _owned_request(case_id, request_id)
    try:
        act(db.session, current_actor(), req)
    except DomainError as exc:
        return _fail(case, exc)
    db.session.commit()
    flash(done, "ok")
    return _back(case)


@bp.post("/casussen/<int:case_id>/toestemming/verzoeken/<int:request_id>/opnieuw")
@casework
def send_again(case_id: int, request_id: int):
    channel = request.form.get("channel", "")
    if channel not in ("email", "sms"):
        raise NotFound()
    return _on_request(
        case_id,
        request_id,
        lambda session, actor, req: service.send_again(
            session, actor, req, channel, link_for=service.tenant_link
        ),
        _("Er is een nieuwe link verstuurd. De vorige link werkt niet meer."),
    )


@bp.post("/casussen/<int:case_id>/toestemming/verzoeken/<int:request_id>/brief")
@casework
def letter(case_id: int, request_id: int):
    """A printable letter with a fresh link and its QR code (earlier letters stop working)."""
    case, req = _owned_request(case_id, request_id)
    try:
        token = service.send_again(
            db.session, current_actor(), req, "letter", link_for=service.tenant_link
        )
    except DomainError as exc:
        return _fail(case, exc)
    link = service.tenant_link(token)
    invitation = req.invitations[-1]
    covenant = active_covenant(db.session)
    lang = req.language
    owner = req.organisation
    from flask_babel import force_locale

    with force_locale(lang):
        pdf = render_pdf(
            "consent/pdf/letter.html",
            lang=lang,
            request_=req,
            link=link,
            qr=qr_data_uri(link),
            expires=invitation.expires_at.date(),
            owner_name=covenant.partners[owner.slug].name.get(lang)
            if owner.slug in covenant.partners
            else owner.name,
            purpose=covenant.purposes[req.purpose],
            return_url=external_url("consent_tenant.come_back"),
        )
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="brief-{req.reference}.pdf"'},
    )


@bp.post("/casussen/<int:case_id>/toestemming/verzoeken/<int:request_id>/annuleren")
@casework
def cancel(case_id: int, request_id: int):
    return _on_request(
        case_id,
        request_id,
        service.cancel_request,
        _("Het verzoek is ingetrokken. De links werken niet meer."),
    )


@bp.post("/casussen/<int:case_id>/toestemming/verzoeken/<int:request_id>/bevestigen")
@casework
def confirm(case_id: int, request_id: int):
    return _on_request(
        case_id,
        request_id,
        service.confirm_verbal,
        _("De mondelinge toestemming is bevestigd en geldt nu."),
    )


@bp.post("/casussen/<int:case_id>/toestemming/<int:record_id>/intrekken")
@casework
def withdraw(case_id: int, record_id: int):
    """Record a withdrawal the tenant gave by phone, in person or in writing."""
    actor = current_actor()
    case = load_own_case(db.session, actor, case_id)
    record = policy.load_record(db.session, actor, case, record_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Kies hoe de toestemming is ingetrokken."), "error")
        return _back(case)
    categories = request.form.getlist("categories") or None
    try:
        service.withdraw(db.session, actor, record, categories, method=form.method.data)
    except DomainError as exc:
        return _fail(case, exc)
    db.session.commit()
    flash(_("De intrekking is vastgelegd. Dit geldt vanaf nu."), "ok")
    return _back(case)


@bp.post("/casussen/<int:case_id>/toestemming/bevestigingen/<int:ack_id>")
@casework
def acknowledge(case_id: int, ack_id: int):
    actor = current_actor()
    ack = policy.load_acknowledgement(db.session, actor, case_id, ack_id)
    case = ack.record.case
    form = ActionForm()
    if form.validate_on_submit():
        try:
            service.acknowledge(db.session, actor, ack)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message or _("Dat lukte niet."), "error")
        else:
            db.session.commit()
            flash(_("Bevestigd: uw organisatie heeft de intrekking gezien."), "ok")
    if not _can_see(case):  # the referral that let this organisation in has ended
        if is_htmx():
            return Response(status=204, headers={"HX-Redirect": url_for(".notices")})
        return redirect(url_for(".notices"))
    if is_htmx():
        return _render_panel(case)
    return _back(case)


def _can_see(case: Case) -> bool:
    try:
        load_case(db.session, current_actor(), case.id)
    except NotFound:
        return False
    return True


@bp.get("/casussen/<int:case_id>/toestemming/<int:record_id>/scan")
@casework
def scan(case_id: int, record_id: int):
    case = _case(case_id)
    actor = current_actor()
    record = policy.load_record(db.session, actor, case, record_id)
    if not record.evidence:
        raise NotFound()
    evidence = record.evidence[0]
    shown = reveal(db.session, actor, case, {evidence: ["content"]}, action="consent.scan")
    value = shown.get(evidence, "content")
    db.session.commit()
    if isinstance(value, Withheld) or not value:
        raise NotFound()
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    return Response(
        base64.b64decode(value),
        mimetype=evidence.media_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="toestemming-{record.id}.'
                f'{extension.get(evidence.media_type, "bin")}"'
            )
        },
    )


@bp.get("/toestemming/meldingen")
@casework
def notices():
    """Withdrawals and expiries this organisation still has to acknowledge."""
    pending = policy.pending_acknowledgements(db.session, current_actor())
    return render_template("consent/notices.html", pending=pending, form=ActionForm())
