"""The tenant's page about her own case (``handover.my_case``): she signs in the way she does
for her consents (a one-time code with her birth date, ``consent.tenant``). Also her right of
access, "Mijn gegevens" (``handover.my_data``): a page and its two downloads, JSON and PDF."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from consent import tenant
from consent.pdf import render_pdf
from handover.forms import CorrectionForm, SayForm
from handover.my_case import my_case as build
from handover.my_case import own_case
from handover.my_data import MyData, as_json
from handover.my_data import my_data as build_my_data
from portal.access import tenant as tenant_access
from portal.cases import tenant_input
from portal.cases.models import CORRECTABLE
from portal.errors import NotFound
from portal.extensions import db
from portal.web import submit
from portal.workdays import local_today

bp = Blueprint("handover_tenant", __name__)


def _signed_in() -> dict[str, Any]:
    """The tenant's session; not signed in (or timed out): to the session-ended page."""
    state = tenant.current()
    if state is None:
        abort(Response(status=303, headers={"Location": url_for("consent_tenant.session_ended")}))
    return state


def _case_page(form: SayForm | None = None, status: int = 200) -> tuple[str, int]:
    state = _signed_in()
    try:
        case = build(db.session, tenant.actor(state["pids"][0]), str(get_locale()))
    except NotFound:
        case = None
    db.session.commit()  # her look at her own case is in the log
    page = render_template(
        "handover/tenant/my_case.html", case=case, form=form or SayForm(formdata=None)
    )
    return page, status


@bp.get("/mijn-zaak")
@tenant_access
def my_case():
    return _case_page()


@bp.post("/mijn-zaak/inbreng")
@tenant_access
def say():
    """Her view or her question for the partners; shown on her case page right away."""
    me = tenant.actor(_signed_in()["pids"][0])
    form = SayForm()
    outcome = submit(
        form,
        lambda: tenant_input.add_say(
            db.session, me, own_case(db.session, me), kind=form.kind.data, text=form.text.data
        ),
    )
    if outcome.done:
        flash(_("Uw bericht is verstuurd. De organisaties lezen het bij uw zaak."), "ok")
        return redirect(url_for(".my_case", _anchor="inbreng"), code=303)
    if outcome.refusal is not None:
        form.text.errors = [*form.text.errors, outcome.refusal.message]
    return _case_page(form, 400)


@bp.route("/mijn-gegevens/wijzigen", methods=["GET", "POST"])
@tenant_access
def correct_contact():
    """Her new phone number or e-mail address, for the organisation of her case to confirm."""
    me = tenant.actor(_signed_in()["pids"][0])
    form = CorrectionForm()
    if request.method == "GET":
        return render_template("handover/tenant/correct.html", form=form)
    case = own_case(db.session, me)
    outcome = submit(
        form,
        lambda: tenant_input.propose_corrections(
            db.session, me, case, {name: getattr(form, name).data for name in CORRECTABLE}
        ),
    )
    if outcome.done:
        flash(
            _(
                "Dank u. %(org)s controleert uw nieuwe gegevens. Daarna passen zij ze aan.",
                org=case.organisation.name,
            ),
            "ok",
        )
        return redirect(url_for(".my_case", _anchor="wijzigingen"), code=303)
    if outcome.refusal is not None:
        target = getattr(form, str(outcome.refusal.params.get("field")), form.phone)
        target.errors = [*target.errors, outcome.refusal.message]
    return render_template("handover/tenant/correct.html", form=form), 400


# --- "Mijn gegevens": her right of access (GDPR art. 15) -----------------------------------------


def _my_data() -> MyData | None:
    """Her data for the page and the downloads; the look is in the log before the answer.
    Not signed in (or timed out): to the session-ended page, as "my case" does."""
    state = _signed_in()
    try:
        data = build_my_data(db.session, tenant.actor(state["pids"][0]), str(get_locale()))
    except NotFound:
        data = None
    db.session.commit()  # her look at her own data is in the log
    return data


def _download(body: bytes | str, extension: str, mimetype: str) -> Response:
    """An attachment whose name holds no personal data: only the day it was made."""
    name = f"mijn-gegevens-{local_today().isoformat()}.{extension}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/mijn-gegevens")
@tenant_access
def my_data():
    return render_template("handover/tenant/my_data.html", data=_my_data())


@bp.get("/mijn-gegevens.json")
@tenant_access
def my_data_json():
    data = _my_data()
    if data is None:
        raise NotFound()
    body = json.dumps(as_json(data), ensure_ascii=False, indent=2)
    return _download(body, "json", "application/json")


@bp.get("/mijn-gegevens.pdf")
@tenant_access
def my_data_pdf():
    data = _my_data()
    if data is None:
        raise NotFound()
    pdf = render_pdf("handover/pdf/my_data.html", data=data, lang=data.language)
    return _download(pdf, "pdf", "application/pdf")
