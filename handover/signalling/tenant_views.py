"""The tenant's own objection page: "I do not want my details to go to the municipality".

Plain Dutch (B1), no JavaScript needed. The tenant signs in the way she does for her
consents (a one-time code with her birth date, ``consent.tenant``); the page then applies
to every open case in which she is the main tenant. An objection can be withdrawn the same
way. The services record who did it (the tenant) in the audit log.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from consent import tenant
from handover.signalling import service
from handover.signalling.forms import ActionForm
from handover.signalling.models import Objection
from portal.access import tenant as tenant_access
from portal.cases.models import ACTIVE_STATUSES, Case, Person
from portal.extensions import db
from portal.web import submit

bp = Blueprint("signalling_tenant", __name__)


def _own_cases() -> list[tuple[Person, Case]]:
    state = tenant.current()
    if state is None:
        abort(Response(status=303, headers={"Location": url_for("consent_tenant.session_ended")}))
    rows = db.session.execute(
        select(Person, Case)
        .join(Case, Case.id == Person.case_id)
        .where(
            Person.id.in_(state["pids"]),
            Person.is_main_tenant.is_(True),
            Case.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Case.id)
    )
    return [(person, case) for person, case in rows.tuples()]


def _active(cases: list[tuple[Person, Case]]) -> list[Objection]:
    ids = [case.id for _person, case in cases]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Objection)
            .where(Objection.case_id.in_(ids), Objection.withdrawn_at.is_(None))
            .order_by(Objection.id)
        )
    )


def _apply(cases: list[tuple[Person, Case]], wish: str) -> int:
    """Object (or withdraw) for every open case of hers; answers how many changed."""
    active = {o.case_id: o for o in _active(cases)}
    changed = 0
    for person, case in cases:
        actor = tenant.actor(person.id)
        if wish == "object" and case.id not in active:
            service.record_objection(db.session, actor, case)
            changed += 1
        elif wish == "withdraw" and case.id in active:
            service.withdraw_objection(db.session, actor, active[case.id])
            changed += 1
    return changed


@bp.route("/bezwaar", methods=["GET", "POST"])
@tenant_access
def objection():
    cases = _own_cases()
    form = ActionForm()
    error = None
    if request.method == "POST":
        wish = request.form.get("wens")
        if wish not in ("object", "withdraw"):
            error = _("Kies wat u wilt.")
        else:
            outcome = submit(form, lambda: _apply(cases, wish))
            if outcome.done:
                flash(
                    _("Uw bezwaar is vastgelegd. Wij geven uw gegevens niet door aan de gemeente.")
                    if wish == "object"
                    else _("Uw bezwaar is ingetrokken."),
                    "ok",
                )
                return redirect(url_for(".objection"), code=303)
            error = outcome.message or _("Het formulier is verlopen. Probeer het opnieuw.")
    active = _active(cases)
    return (
        render_template(
            "signalling/tenant_objection.html",
            form=form,
            has_case=bool(cases),
            objected_at=min((o.recorded_at for o in active), default=None),
            error=error,
        ),
        400 if error else 200,
    )
