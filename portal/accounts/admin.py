"""Organisation administration: staff, invitations and the organisation's own sign-in.

Only ``org_admin``, and only for their own organisation: ids of another organisation's
users or invitations answer 404 (``portal.accounts.policy``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import staff
from portal.accounts import service
from portal.accounts.forms import ActionForm, InviteForm, SsoSettingsForm
from portal.accounts.labels import ROLE_LABELS
from portal.accounts.models import Invitation, User
from portal.accounts.policy import load_org_invitation, load_org_user
from portal.actor import current_actor
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.links import external_url

bp = Blueprint("orgadmin", __name__, url_prefix="/beheer")


def _organisation():
    return current_user.organisation


def _invitation_link(token: str) -> str:
    return external_url("accounts.accept_invitation", token=token)


@bp.get("/medewerkers")
@staff("org_admin")
def staff_list():
    org = _organisation()
    users = db.session.scalars(
        select(User).where(User.organisation_id == org.id).order_by(User.display_name)
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.organisation_id == org.id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    return render_template(
        "orgadmin/staff.html",
        organisation=org,
        users=users,
        invitations=invitations,
        now=utcnow(),
        role_labels=ROLE_LABELS,
        form=ActionForm(),
    )


@bp.route("/medewerkers/uitnodigen", methods=["GET", "POST"])
@staff("org_admin")
def invite():
    form = InviteForm()
    error = None
    if form.validate_on_submit():
        try:
            invitation = service.invite(
                db.session,
                current_actor(),
                _organisation(),
                email=form.email.data,
                display_name=form.display_name.data,
                roles=form.roles.data,
                now=utcnow(),
                link_for=_invitation_link,
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(
                _("De uitnodiging is verstuurd (kenmerk %(ref)s).", ref=invitation.reference), "ok"
            )
            return redirect(url_for(".staff_list"))
    return render_template("orgadmin/invite.html", form=form, error=error)


@bp.post("/medewerkers/<int:user_id>/deactiveren")
@staff("org_admin")
def deactivate(user_id: int):
    actor = current_actor()
    user = load_org_user(db.session, actor, user_id)
    if ActionForm().validate_on_submit():
        service.deactivate(db.session, actor, user)
        db.session.commit()
        flash(_("Het account is uitgezet. De sessies ervan zijn beëindigd."), "ok")
    return redirect(url_for(".staff_list"))


@bp.post("/medewerkers/<int:user_id>/heractiveren")
@staff("org_admin")
def reactivate(user_id: int):
    actor = current_actor()
    user = load_org_user(db.session, actor, user_id)
    if ActionForm().validate_on_submit():
        service.reactivate(db.session, actor, user)
        db.session.commit()
        flash(_("Het account is weer aangezet."), "ok")
    return redirect(url_for(".staff_list"))


@bp.post("/uitnodigingen/<int:invitation_id>/intrekken")
@staff("org_admin")
def revoke_invitation(invitation_id: int):
    actor = current_actor()
    invitation = load_org_invitation(db.session, actor, invitation_id)
    if ActionForm().validate_on_submit():
        service.revoke_invitation(db.session, actor, invitation, utcnow())
        db.session.commit()
        flash(_("De uitnodiging is ingetrokken."), "ok")
    return redirect(url_for(".staff_list"))


@bp.route("/inloggen", methods=["GET", "POST"])
@staff("org_admin")
def sso_settings():
    org = _organisation()
    settings = org.oidc
    form = SsoSettingsForm(obj=settings) if request.method == "GET" else SsoSettingsForm()
    if request.method == "GET" and settings is None:
        form.allow_password.data = True
        form.default_role.data = "caseworker"
    error = None
    if form.validate_on_submit():
        try:
            service.save_oidc_settings(
                db.session,
                current_actor(),
                org,
                enabled=form.enabled.data,
                issuer=form.issuer.data,
                client_id=form.client_id.data,
                client_secret_env=form.client_secret_env.data,
                mfa_acr_values=form.mfa_acr_values.data or "",
                allow_password=form.allow_password.data,
                default_role=form.default_role.data or None,
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("De instellingen voor inloggen zijn opgeslagen."), "ok")
            return redirect(url_for(".sso_settings"))
    callback = external_url("accounts.sso_callback", slug=org.slug)
    return render_template(
        "orgadmin/sso.html", form=form, error=error, organisation=org, callback=callback
    )
