"""The inbox (my organisation's cases and those referred to it) and the search.

Search terms are personal data, so the search form is POSTed and its results rendered in
the answer: no BSN or postcode ever appears in a URL or in a log line.
"""

from __future__ import annotations

import re

from flask import Response, render_template, request
from flask_babel import gettext as _

from portal.access import casework
from portal.actor import Actor, current_actor
from portal.cases import service
from portal.cases.display import inbox_rows
from portal.cases.forms import SearchForm
from portal.cases.inbox import InboxFilters, inbox_page
from portal.cases.models import Case
from portal.cases.policy import load_case_by_reference
from portal.cases.views import bp
from portal.cases.views.common import today
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.numbers import query_int
from portal.web import is_htmx, page_or_fragment, submit, vary_on_htmx

REFERENCE = re.compile(r"^KP-\d{4}-\d{6}$", re.IGNORECASE)
POSTCODE_AND_NUMBER = re.compile(
    r"^(?P<postcode>[1-9]\d{3}\s?[A-Za-z]{2})[\s,]+(?P<number>\d{1,5}(?:[\s-]?[A-Za-z0-9]{1,6})?)$"
)


@bp.get("")
@casework
def inbox():
    """My organisation's cases and those referred to it, filtered, newest first."""
    actor = current_actor()
    filters = InboxFilters.parse(
        request.args.get("status"), request.args.get("signaal"), request.args.get("achterstallig")
    )
    page = inbox_page(
        db.session,
        actor,
        filters,
        today=today(),
        after=query_int(request.args, "na"),
        before=query_int(request.args, "voor"),
    )
    rows = inbox_rows(db.session, actor, page.cases)
    db.session.commit()  # the audit events of the names shown
    context = {
        "rows": rows,
        "page": page,
        "filters": filters,
        "today": today(),
        "search_form": SearchForm(),
        "searched": False,
    }
    return page_or_fragment("cases/inbox.html", "cases/_inbox_results.html", **context)


def _search(actor: Actor, term: str) -> list[Case]:
    """A reference, a BSN, or a postcode with house number: found through the blind index."""
    term = " ".join(term.split())
    if REFERENCE.match(term):
        try:
            return [load_case_by_reference(db.session, actor, term)]
        except NotFound:
            return []
    if match := POSTCODE_AND_NUMBER.match(term):
        return service.find_cases_by_address(db.session, actor, match["postcode"], match["number"])
    if re.fullmatch(r"[\d .-]{9,13}", term):
        return service.find_cases_by_bsn(db.session, actor, term)
    raise DomainError(
        _("Vul een casusnummer (KP-2026-000123), een BSN of een postcode met huisnummer in."),
        field="term",
    )


@bp.post("/zoeken")
@casework
def search():
    """Search by reference, BSN or postcode + house number (POST: the term is no URL)."""
    actor = current_actor()
    form = SearchForm()
    outcome = submit(form, lambda: _search(actor, form.term.data))
    if outcome.refusal is not None:  # a bad term, or a BSN that cannot be one
        form.term.errors = [outcome.message]
    rows = inbox_rows(db.session, actor, outcome.result[:50] if outcome.done else [])
    db.session.commit()  # the audit events of the names shown
    context = {
        "rows": rows,
        "page": None,
        "filters": InboxFilters(),
        "today": today(),
        "search_form": form,
        "searched": outcome.done,
    }
    if is_htmx():
        return vary_on_htmx(Response(render_template("cases/_inbox_results.html", **context)))
    status = 200 if outcome.done else 400
    return vary_on_htmx(Response(render_template("cases/inbox.html", **context), status=status))
