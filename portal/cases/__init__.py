"""Cases (casussen): one household's situation, owned by one organisation, with its
groundwork; the inbox, search, signal intake (form, file upload, CLI) and the case pages.

Other packages add pages about a case (consent, access history...) to the case page's
section navigation with ``register_case_page``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class CasePage:
    """A page about one case: an endpoint taking ``case_id``, its label and its place."""

    endpoint: str
    label: Any
    order: int = 100
    #: Shown only to the case's owner (its own work, such as a fraud investigation, that the
    #: covenant shares with no partner): a partner is not even shown the link.
    owner_only: bool = False


_case_pages: dict[str, CasePage] = {}


def register_case_page(
    endpoint: str, label: Any, order: int = 100, *, owner_only: bool = False
) -> None:
    """Add a link to the case page's navigation, e.g. ``("consent.case", _l("Toestemming"))``.

    The endpoint is built with ``url_for(endpoint, case_id=...)``; ``label`` is a (lazy)
    translated string. Call it from the package's ``init_app``.
    """
    _case_pages[endpoint] = CasePage(endpoint, label, order, owner_only)


def case_pages() -> list[CasePage]:
    return sorted(_case_pages.values(), key=lambda page: (page.order, page.endpoint))


def init_app(app: Flask) -> None:
    """Blueprint, CLI and template helpers of the case room."""
    from flask_babel import lazy_gettext as _l

    from portal import api
    from portal.cases import display, labels, work
    from portal.cases.api import bp as api_bp
    from portal.cases.cli import signals_cli
    from portal.cases.views import bp
    from portal.work import register_work_source
    from portal.workdays import local_date

    register_case_page("cases.show", _l("Casus en voorwerk"), order=0)
    register_work_source("overdue", work.overdue_first_contact)
    register_work_source("imports", work.finished_imports)
    app.register_blueprint(bp)
    api.register(app, api_bp)
    app.cli.add_command(signals_cli)
    app.jinja_env.globals.update(
        case_pages=case_pages,
        status_filter_labels=labels.STATUS_FILTER_LABELS,
        signal_kind_labels=labels.SIGNAL_KIND_LABELS,
    )
    app.jinja_env.filters.update(
        shown=display.shown,
        money=display.money,
        label=display.label,
        postcode=display.postcode,
        phone=display.phone,
        address=display.address,
        local_date=local_date,
    )
    app.jinja_env.tests.update(withheld=display.is_withheld, minor=display.is_minor_member)
