"""The case pages: inbox and search, the case file with its groundwork and edits, and the
signals that open cases (by hand, or the arrears file in the background).

One blueprint, ``cases``, with its views in a module per subject; importing them below
registers their routes. Thin views: parse the form, load through the policy (another
organisation's case, item or import job answers 404), ``portal.web.submit`` one service
function, render. Every section of the case page is also a fragment: htmx requests get the
section (and the timeline, out of band), other requests the full page; both vary on
``HX-Request``. Search terms are personal data, so the search form is POSTed and its results
rendered in the answer: no BSN or postcode ever appears in a URL or in a log line.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/casussen")

# The view modules register their routes on ``bp`` when imported, so they come after it.
from portal.cases.views import case_page, groundwork, inbox, intake, tenant  # noqa: E402

__all__ = ["bp", "case_page", "groundwork", "inbox", "intake", "tenant"]
