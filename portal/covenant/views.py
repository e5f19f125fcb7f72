"""The covenant in the portal: read it, accept it, activate it, and explain it to tenants.

Professionals read every version (it holds no personal data). Only an organisation admin
accepts, for their own organisation; only the covenant admin activates a draft early. The
tenant summary is public and generated from the active version's document.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _

from portal.access import public, staff
from portal.actor import current_actor
from portal.covenant import policy, service
from portal.covenant.forms import AcceptForm, ActivateForm
from portal.covenant.models import CovenantVersion
from portal.covenant.rules import Covenant, active_version, covenant_of
from portal.errors import DomainError
from portal.extensions import db
from portal.web import is_htmx, out_of_band

bp = Blueprint("covenant", __name__, url_prefix="/convenant")


def _version_context(
    version: CovenantVersion,
    accept_form: AcceptForm | None = None,
    activate_form: ActivateForm | None = None,
) -> dict:
    actor = current_actor()
    return {
        "version": version,
        "covenant": covenant_of(version),
        "partners": service.partner_acceptances(db.session, version),
        "can_accept": service.may_accept(db.session, actor, version),
        "can_activate": actor.has_role("covenant_admin") and version.status == "draft",
        "accept_form": accept_form or AcceptForm(sha256=version.sha256),
        "activate_form": activate_form or ActivateForm(),
        "own_organisation_id": actor.organisation_id,
    }


def _render_version(version: CovenantVersion, status: int = 200, **forms):
    context = _version_context(version, **forms)
    if is_htmx():
        # htmx swaps only successful answers: the partial carries its own messages, and the
        # version's facts (its status) come along out of band.
        response = Response(
            render_template("covenant/_acceptance.html", partial=True, **context)
            + out_of_band(["covenant/_facts.html"], **context)
        )
    else:
        response = Response(render_template("covenant/version.html", **context), status=status)
    response.headers.add("Vary", "HX-Request")
    return response


@bp.get("")
@staff()
def current():
    """The covenant in force, rendered for professionals."""
    version = active_version(db.session)
    if version is None:
        return render_template("covenant/none.html", versions=policy.list_versions(db.session))
    return _render_version(version)


@bp.get("/versies")
@staff()
def versions():
    versions = policy.list_versions(db.session)
    counts = {v.id: len(v.acceptances) for v in versions}
    return render_template("covenant/versions.html", versions=versions, counts=counts)


@bp.get("/versies/<int:number>")
@staff()
def version(number: int):
    return _render_version(policy.get_version(db.session, number))


@bp.get("/versies/<int:number>/bron.toml")
@staff()
def source(number: int):
    """The exact text that was loaded; its SHA-256 is the hash partners accept."""
    version = policy.get_version(db.session, number)
    return Response(
        version.source.encode("utf-8"),
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="convenant-v{number}.toml"'},
    )


@bp.post("/versies/<int:number>/aanvaarden")
@staff("org_admin")
def accept(number: int):
    version = policy.get_version(db.session, number)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _render_version(version, status=400, accept_form=form)
    try:
        service.accept_version(db.session, current_actor(), version, form.sha256.data)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _render_version(version, status=exc.status, accept_form=form)
    db.session.commit()
    if version.status == "active":
        flash(_("Aanvaard. Alle partners hebben aanvaard: deze versie is nu actief."), "ok")
    else:
        flash(_("Aanvaard namens uw organisatie."), "ok")
    if is_htmx():
        return _render_version(version)
    return redirect(url_for(".version", number=number))


@bp.post("/versies/<int:number>/activeren")
@staff("covenant_admin")
def activate(number: int):
    version = policy.get_version(db.session, number)
    form = ActivateForm()
    if not form.validate_on_submit():
        return _render_version(version, status=400, activate_form=form)
    try:
        service.activate_version(db.session, current_actor(), version, form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _render_version(version, status=exc.status, activate_form=form)
    db.session.commit()
    flash(_("Deze versie is nu actief."), "ok")
    if is_htmx():
        return _render_version(version)
    return redirect(url_for(".version", number=number))


# --- the tenant summary -------------------------------------------------------------------------


def plain_duration(days: int) -> str:
    """Days as a tenant says them: in years, months or weeks when they divide evenly."""
    if days % 365 == 0:
        return ngettext("%(num)s jaar", "%(num)s jaar", days // 365)
    if days % 30 == 0:
        return ngettext("%(num)s maand", "%(num)s maanden", days // 30)
    if days % 7 == 0:
        return ngettext("%(num)s week", "%(num)s weken", days // 7)
    return ngettext("%(num)s dag", "%(num)s dagen", days)


def _summary(covenant: Covenant, lang: str) -> dict:
    """What the tenant page needs, grouped from the covenant's rules (no text per covenant)."""
    purposes = []
    for purpose in covenant.purposes.values():
        recipients = []
        for role, package in purpose.sharing.items():
            groups: dict[str, list[str]] = {}
            for category, basis in package.items():
                groups.setdefault(basis, []).append(category)
            recipients.append(
                {
                    "role": covenant.roles[role],
                    "partners": [covenant.partners[s] for s in covenant.partners_with_role(role)],
                    "groups": [
                        (covenant.legal_bases[b], [covenant.categories[c] for c in cats])
                        for b, cats in groups.items()
                    ],
                }
            )
        purposes.append({"purpose": purpose, "recipients": recipients})
    special = [c for c in covenant.categories.values() if c.special]
    special_bases = {
        covenant.legal_bases[basis]
        for p in covenant.purposes.values()
        for package in p.sharing.values()
        for cat, basis in package.items()
        if covenant.categories[cat].special
    }
    hidden_roles = [r for r in covenant.roles.values() if not r.involvement_visible]

    def names(role: str) -> str:
        slugs = covenant.partners_with_role(role)
        return ", ".join(covenant.partners[s].name.get(lang) for s in slugs)

    return {
        "purposes": purposes,
        "special": special,
        "special_consent_only": all(b.is_consent for b in special_bases),
        # Whose help is not told to the other partners: the partners by name, else the role.
        "hidden": [names(r.code) or r.name.get(lang) for r in hidden_roles],
        "retention": [(c, plain_duration(c.retention_days)) for c in covenant.categories.values()],
    }


@bp.get("/uitleg")
@public
def explained():
    """Public, plain-language summary for tenants: who may see what about you, and why."""
    version = active_version(db.session)
    if version is None:
        return render_template("covenant/explained.html", covenant=None)
    covenant = covenant_of(version)
    since = (
        date.fromisoformat(covenant.effective_from)
        if covenant.effective_from
        else (version.activated_at or version.loaded_at).date()
    )
    return render_template(
        "covenant/explained.html",
        covenant=covenant,
        version=version,
        since=format_date(since, format="long"),
        **_summary(covenant, str(get_locale())),
    )
