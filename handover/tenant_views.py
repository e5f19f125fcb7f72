"""The tenant's page about her own case (``handover.my_case``): she signs in the way she does
for her consents (a one-time code with her birth date, ``consent.tenant``)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import get_locale

from consent import tenant
from handover.my_case import my_case as build
from portal.access import tenant as tenant_access
from portal.errors import NotFound
from portal.extensions import db

bp = Blueprint("handover_tenant", __name__)


@bp.get("/mijn-zaak")
@tenant_access
def my_case():
    state = tenant.current()
    if state is None:
        abort(Response(status=303, headers={"Location": url_for("consent_tenant.session_ended")}))
    try:
        case = build(db.session, tenant.actor(state["pids"][0]), str(get_locale()))
    except NotFound:
        case = None
    db.session.commit()  # her look at her own case is in the log
    return render_template("handover/tenant/my_case.html", case=case)
