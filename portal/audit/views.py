"""The audit log's pages: a case's access history, the auditor's view and its CSV export.

Neither page shows personal data: who (organisation, role, a colleague's name), when, what,
which categories and on which basis. The access history is also an htmx fragment that the
case page can load (``hx-get`` on this URL renders ``audit/_case_accesses.html`` only).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import staff
from portal.accounts.models import Organisation
from portal.accounts.roles import AUDITOR_ROLES
from portal.actor import current_actor
from portal.audit import history, policy
from portal.audit.describe import (
    ACTION_LABELS,
    covenant_or_none,
    hidden_partner_ids,
    language,
)
from portal.audit.forms import AuditFilterForm
from portal.db import utcnow
from portal.extensions import db
from portal.numbers import MAX_SEQ, query_int
from portal.web import page_or_fragment

bp = Blueprint("audit", __name__)


def _before() -> int | None:
    return query_int(request.args, "voor", high=MAX_SEQ)


# --- a case's access history ----------------------------------------------------------------


@bp.get("/casussen/<int:case_id>/inzage")
@staff()
def case_accesses(case_id: int):
    """Who looked at this case, when, and on which basis. Owning organisation only."""
    actor = current_actor()
    case = policy.load_case_for_history(db.session, actor, case_id)
    page = history.case_accesses(db.session, actor, case, before=_before())
    db.session.commit()  # the read of the log is logged before the page is answered
    context = {
        "case": case,
        "rows": history.describe(db.session, actor, page.events, case_id=case.id),
        "next_url": (
            url_for(".case_accesses", case_id=case.id, voor=page.next_before)
            if page.next_before
            else None
        ),
        "first_url": url_for(".case_accesses", case_id=case.id) if _before() else None,
    }
    return page_or_fragment("audit/case_accesses.html", "audit/_case_accesses.html", **context)


# --- the auditor's view ---------------------------------------------------------------------


def _filter_form() -> AuditFilterForm:
    actor = current_actor()
    form = AuditFilterForm(formdata=request.args)
    # Partners whose involvement the covenant hides cannot be chosen: a search by them
    # would tell whether they are involved in the auditor's cases.
    hidden = hidden_partner_ids(db.session) - {actor.organisation_id}
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name))
    form.organisatie.choices = [("", _("Alle organisaties"))] + [
        (str(o.id), o.name) for o in organisations if o.id not in hidden
    ]
    form.medewerker.choices = [("", _("Alle medewerkers"))] + [
        (str(uid), name) for uid, name in history.colleague_names(db.session, actor).items()
    ]
    form.actie.choices = [
        ("", _("Alle acties")),
        *sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1]),
    ]
    covenant = covenant_or_none(db.session)
    categories = covenant.categories.values() if covenant is not None else ()
    form.categorie.choices = [("", _("Alle categorieën"))] + [
        (c.code, c.name.get(language())) for c in categories
    ]
    return form


@bp.get("/audit")
@staff(*AUDITOR_ROLES)
def auditor():
    """Events of the auditor's own organisation's users and on its own cases."""
    actor = current_actor()
    form = _filter_form()
    if not form.validate():
        return render_template("audit/auditor.html", form=form, rows=None, args={}), 400
    args = form.query_args()
    page = history.search_events(db.session, actor, form.to_filter(), before=_before())
    db.session.commit()  # the read of the log is logged before the page is answered
    names = history.colleague_names(db.session, actor)
    response = Response(
        render_template(
            "audit/auditor.html",
            form=form,
            rows=history.describe(db.session, actor, page.events, names=names),
            args=args,
            next_url=(
                url_for(".auditor", voor=page.next_before, **args) if page.next_before else None
            ),
            first_url=url_for(".auditor", **args) if _before() else None,
            export_url=url_for(".export", **args),
        )
    )
    response.headers.add("Vary", "HX-Request")
    return response


@bp.get("/audit/export.csv")
@staff(*AUDITOR_ROLES)
def export():
    """Every matching event as CSV, streamed; the export itself is recorded first."""
    actor = current_actor()
    form = _filter_form()
    if not form.validate():
        return render_template("audit/auditor.html", form=form, rows=None, args={}), 400
    lines = history.export_csv(db.session, actor, form.to_filter())
    db.session.commit()
    filename = f"ketenportaal-logboek-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
