"""Sign-in (password, TOTP, recovery code, partner SSO), invitations, the professional's own
account pages and the signed-in landing page.

Every view is thin: parse, call one service step, commit, and move the session on
(``portal.accounts.sessions``). Sign-in steps are throttled per client address.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import public, staff
from portal.accounts import mfa, service, sso
from portal.accounts.forms import (
    AcceptInvitationForm,
    ActionForm,
    ChangePasswordForm,
    CodeForm,
    ReauthForm,
    RecoveryForm,
    SignInForm,
)
from portal.accounts.labels import ROLE_LABELS
from portal.accounts.models import Organisation, OrganisationOidc, User
from portal.accounts.sealing import SealError, seal, unseal
from portal.accounts.sessions import (
    ENROL_KEY,
    begin_pending,
    complete_sign_in,
    end_session,
    is_fully_signed_in,
    mark_reauthenticated,
    pending,
    recently_reauthenticated,
    refresh_epoch,
)
from portal.actor import current_actor
from portal.db import utcnow
from portal.errors import DomainError, NotFound
from portal.extensions import db, limiter
from portal.links import external_url
from portal.main.views import safe_next
from portal.work import work_for
from portal.workdays import local_today

bp = Blueprint("accounts", __name__)
log = logging.getLogger("portal.accounts")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATELIMIT"]


throttled = limiter.limit(_login_limit, methods=["POST"])


def _landing() -> str:
    return url_for("accounts.dashboard")


def _restart(message: str | None = None):
    end_session()
    flash(message or _("Log opnieuw in."), "warning")
    return redirect(url_for("accounts.sign_in"))


def _locked_message() -> str:
    return _(
        "Te veel mislukte pogingen. Uw account is tijdelijk geblokkeerd. "
        "Probeer het over %(minutes)s minuten opnieuw.",
        minutes=current_app.config["LOGIN_LOCK_MINUTES"],
    )


def _sso_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .join(OrganisationOidc)
            .where(OrganisationOidc.enabled.is_(True))
            .order_by(Organisation.name)
        )
    )


# --- sign-in ------------------------------------------------------------------------------


@bp.route("/inloggen", methods=["GET", "POST"])
@public
@throttled
def sign_in():
    if is_fully_signed_in():
        return redirect(_landing())
    next_url = safe_next(request.args.get("next"), fallback="")
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        now = utcnow()
        outcome = service.password_step(
            db.session, current_actor(), email=form.email.data, password=form.password.data, now=now
        )
        db.session.commit()
        if outcome.result == "ok" and outcome.user is not None:
            begin_pending(outcome.user, now=now, method="password", next_url=next_url or None)
            target = ".mfa_step" if outcome.user.mfa_enrolled else ".mfa_setup"
            return redirect(url_for(target))
        if outcome.result == "locked":
            error = _locked_message()
        elif outcome.result == "sso_required":
            error = _(
                "Uw organisatie laat u inloggen via de eigen inlogdienst. "
                "Kies hieronder uw organisatie."
            )
        else:
            error = _(
                "Het e-mailadres of het wachtwoord klopt niet. Let op: na te veel pogingen "
                "wordt het account tijdelijk geblokkeerd."
            )
    return render_template(
        "accounts/sign_in.html",
        form=form,
        error=error,
        next_url=next_url,
        sso_organisations=_sso_organisations(),
    )


def _finish(user: User, method: str, now) -> None:
    """Both factors done: record it, commit, and start the new session."""
    service.signed_in(db.session, current_actor(user), user, method=method, now=now)
    db.session.commit()
    complete_sign_in(user, now=now, method=method)


@bp.route("/inloggen/code", methods=["GET", "POST"])
@public
@throttled
def mfa_step():
    now = utcnow()
    found = pending(db.session, now=now)
    if found is None:
        return _restart()
    user, data = found
    if not user.mfa_enrolled or service.totp_secret(user) is None:
        return redirect(url_for(".mfa_setup"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        result = service.totp_step(
            db.session, current_actor(user), user, code=form.code.data, now=now
        )
        if result == "ok":
            _finish(user, data["method"] + "+totp", now)
            return redirect(data.get("next") or _landing())
        db.session.commit()
        if result == "locked":
            return _restart(_locked_message())
        error = _("Deze code klopt niet. Gebruik de code die nu in uw app staat.")
    return render_template("accounts/mfa.html", form=form, error=error)


@bp.route("/inloggen/herstelcode", methods=["GET", "POST"])
@public
@throttled
def recovery_step():
    now = utcnow()
    found = pending(db.session, now=now)
    if found is None:
        return _restart()
    user, data = found
    form = RecoveryForm()
    error = None
    if form.validate_on_submit():
        result = service.recovery_step(
            db.session, current_actor(user), user, code=form.code.data, now=now
        )
        if result == "ok":
            remaining = service.remaining_recovery_codes(db.session, user)
            _finish(user, data["method"] + "+recovery", now)
            flash(
                _(
                    "U bent ingelogd met een herstelcode. U heeft nog %(n)s herstelcodes. "
                    "Stel uw app opnieuw in als u hem kwijt bent.",
                    n=remaining,
                ),
                "warning",
            )
            return redirect(url_for(".account"))
        db.session.commit()
        if result == "locked":
            return _restart(_locked_message())
        error = _("Deze herstelcode klopt niet of is al gebruikt.")
    return render_template("accounts/recovery.html", form=form, error=error)


def _enrol_secret(user: User) -> str:
    """The secret being set up, kept sealed in the session until the user confirms it."""
    key = current_app.config["SECRET_KEY"]
    aad = f"enrol:{user.id}"
    stored = session.get(ENROL_KEY)
    if isinstance(stored, str):
        try:
            return unseal(key, stored, aad)
        except SealError:
            pass
    secret = mfa.new_secret()
    session[ENROL_KEY] = seal(key, secret, aad)
    return secret


def _setup_page(user: User, secret: str, form: CodeForm, error: str | None, action: str):
    uri = mfa.provisioning_uri(secret, user.email)
    return render_template(
        "accounts/mfa_setup.html",
        form=form,
        error=error,
        qr=mfa.qr_data_uri(uri),
        manual_key=mfa.grouped_secret(secret),
        action=action,
    )


@bp.route("/inloggen/mfa-instellen", methods=["GET", "POST"])
@public
@throttled
def mfa_setup():
    """First sign-in: set up the authenticator app, then see the recovery codes once."""
    now = utcnow()
    found = pending(db.session, now=now)
    if found is None:
        return _restart()
    user, data = found
    if user.mfa_enrolled and service.totp_secret(user) is not None:
        return redirect(url_for(".mfa_step"))
    secret = _enrol_secret(user)
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        codes = service.enrol_totp(
            db.session, current_actor(user), user, secret=secret, code=form.code.data, now=now
        )
        if codes is not None:
            _finish(user, data["method"] + "+totp", now)
            return render_template(
                "accounts/recovery_codes.html", codes=codes, next_url=data.get("next") or _landing()
            )
        db.session.commit()
        error = _(
            "Deze code klopt niet. Controleer of de app de nieuwe code toont en probeer opnieuw."
        )
    return _setup_page(user, secret, form, error, url_for(".mfa_setup"))


@bp.post("/uitloggen")
@public
def sign_out():
    """Public, so a half-signed-in visitor can cancel too; it only ever ends a session."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.home"))
    if is_fully_signed_in():
        service.sign_out(db.session, current_actor())
        db.session.commit()
    end_session()
    flash(_("U bent uitgelogd."), "ok")
    return redirect(url_for(".sign_in"))


# --- partner single sign-on ------------------------------------------------------------


def _sso_settings(slug: str) -> tuple[Organisation, OrganisationOidc]:
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None or org.oidc is None or not org.oidc.enabled:
        raise NotFound()
    return org, org.oidc


def _sso_failed():
    flash(_("Inloggen via uw organisatie is niet gelukt. Probeer het opnieuw."), "error")
    return redirect(url_for(".sign_in"))


@bp.get("/inloggen/organisatie")
@public
def sso_choose():
    return render_template("accounts/sso_choose.html", organisations=_sso_organisations())


@bp.get("/inloggen/organisatie/<slug>")
@public
@limiter.limit(_login_limit)
def sso_start(slug: str):
    org, settings = _sso_settings(slug)
    redirect_uri = external_url("accounts.sso_callback", slug=org.slug)
    try:
        client = sso.client_for(settings)
        sso.checked_metadata(client, settings)
        response = client.authorize_redirect(redirect_uri)
    except Exception as exc:  # fail closed, whatever the provider or the network did
        log.warning("partner sign-in could not start", extra={"error": type(exc).__name__})
        service.record_sso_refused(
            db.session, current_actor(), org, getattr(exc, "reason", "provider_unreachable")
        )
        db.session.commit()
        return _sso_failed()
    session["kp_sso_next"] = safe_next(request.args.get("next"), fallback="")
    return response


@bp.get("/inloggen/organisatie/<slug>/terug")
@public
@throttled
def sso_callback(slug: str):
    org, settings = _sso_settings(slug)
    actor = current_actor()
    now = utcnow()
    try:
        claims = sso.verified_claims(sso.client_for(settings), settings)
    except Exception as exc:  # a wrong state, issuer, audience, nonce or signature: refuse
        log.warning("partner sign-in refused", extra={"error": type(exc).__name__})
        reason = getattr(exc, "reason", None) or f"invalid:{type(exc).__name__}"
        service.record_sso_refused(db.session, actor, org, reason)
        db.session.commit()
        return _sso_failed()
    try:
        user = service.sso_user(db.session, actor, org, claims, now=now)
    except service.SsoRefused:
        db.session.commit()
        return _sso_failed()
    next_url = session.get("kp_sso_next") or None
    if service.provider_did_mfa(settings, claims):
        _finish(user, "sso+provider_mfa", now)
        return redirect(next_url or _landing())
    db.session.commit()
    begin_pending(user, now=now, method="sso", next_url=next_url)
    return redirect(url_for(".mfa_step" if user.mfa_enrolled else ".mfa_setup"))


# --- invitations -----------------------------------------------------------------------


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@public
@throttled
def accept_invitation(token: str):
    now = utcnow()
    invitation = service.open_invitation(db.session, token, now)
    if invitation is None:
        return render_template("accounts/invitation_invalid.html"), 404
    oidc = invitation.organisation.oidc
    password_allowed = oidc is None or not oidc.enabled or oidc.allow_password
    form = AcceptInvitationForm() if password_allowed else ActionForm()
    error = None
    if form.validate_on_submit():
        password = form.password.data if password_allowed else None
        try:
            user = service.accept_invitation(
                db.session, current_actor(), token, password=password, now=now
            )
        except NotFound:
            db.session.rollback()
            return render_template("accounts/invitation_invalid.html"), 404
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            if not password_allowed:
                end_session()
                return redirect(url_for(".sso_start", slug=invitation.organisation.slug))
            begin_pending(user, now=now, method="password", next_url=None)
            flash(_("Uw account is gemaakt. Stel nu uw app voor de inlogcode in."), "ok")
            return redirect(url_for(".mfa_setup"))
    return render_template(
        "accounts/accept_invitation.html",
        form=form,
        error=error,
        invitation=invitation,
        password_allowed=password_allowed,
        min_length=service.MIN_PASSWORD_LENGTH,
    )


# --- signed in: landing page and own account ------------------------------------------


@bp.get("/mijn-werk")
@staff()
def dashboard():
    user = current_user
    work = work_for(db.session, current_actor(), utcnow())
    return render_template(
        "accounts/dashboard.html",
        user=user,
        work=work,
        today=local_today(),
        role_labels=ROLE_LABELS,
        recovery_left=service.remaining_recovery_codes(db.session, user),
    )


@bp.get("/account")
@staff()
def account():
    user = current_user
    return render_template(
        "accounts/account.html",
        user=user,
        role_labels=ROLE_LABELS,
        recovery_left=service.remaining_recovery_codes(db.session, user),
        sign_in_method=(session.get("kp_auth") or {}).get("method", ""),
        form=ActionForm(),
    )


@bp.post("/account/overal-uitloggen")
@staff()
def sign_out_everywhere():
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for(".account"))
    service.sign_out_everywhere(db.session, current_actor(), current_user)
    db.session.commit()
    end_session()
    flash(_("U bent overal uitgelogd, ook op andere apparaten."), "ok")
    return redirect(url_for(".sign_in"))


def _reauth_failed(user: User, now):
    if service.is_locked(user, now):
        return _restart(_locked_message())
    return None


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@staff()
def change_password():
    user = current_user._get_current_object()
    if user.password_hash is None:
        flash(_("U logt in via uw organisatie en heeft hier geen wachtwoord."), "info")
        return redirect(url_for(".account"))
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        now = utcnow()
        problems = service.password_problems(form.new_password.data, user.email)
        if problems:
            form.new_password.errors = [*form.new_password.errors, *problems]
        elif not service.reauthenticate(
            db.session,
            current_actor(),
            user,
            password=form.password.data or "",
            code=form.code.data or "",
            now=now,
        ):
            db.session.commit()
            locked = _reauth_failed(user, now)
            if locked is not None:
                return locked
            error = _("Uw huidige wachtwoord of de code klopt niet.")
        else:
            service.change_password(
                db.session, current_actor(), user, new_password=form.new_password.data, now=now
            )
            db.session.commit()
            refresh_epoch(user)
            flash(
                _("Uw wachtwoord is gewijzigd. Andere sessies van u zijn beëindigd."),
                "ok",
            )
            return redirect(url_for(".account"))
    return render_template(
        "accounts/change_password.html",
        form=form,
        error=error,
        min_length=service.MIN_PASSWORD_LENGTH,
    )


@bp.route("/account/mfa", methods=["GET", "POST"])
@staff()
def mfa_reset():
    """Step one of setting up a new app: prove who you are again."""
    user = current_user._get_current_object()
    form = ReauthForm()
    error = None
    can_reauth = user.password_hash is not None or user.totp_secret is not None
    if can_reauth and form.validate_on_submit():
        now = utcnow()
        if service.reauthenticate(
            db.session,
            current_actor(),
            user,
            password=form.password.data or "",
            code=form.code.data or "",
            now=now,
        ):
            db.session.commit()
            mark_reauthenticated(now)
            session.pop(ENROL_KEY, None)
            return redirect(url_for(".mfa_reset_setup"))
        db.session.commit()
        locked = _reauth_failed(user, now)
        if locked is not None:
            return locked
        error = _("Uw wachtwoord of de code klopt niet.")
    return render_template(
        "accounts/mfa_reset.html", form=form, error=error, user=user, can_reauth=can_reauth
    )


@bp.route("/account/mfa/instellen", methods=["GET", "POST"])
@staff()
def mfa_reset_setup():
    """Step two: the new app's code confirms the new secret; new recovery codes, shown once."""
    user = current_user._get_current_object()
    now = utcnow()
    if not recently_reauthenticated(now):
        flash(_("Bevestig eerst wie u bent."), "info")
        return redirect(url_for(".mfa_reset"))
    secret = _enrol_secret(user)
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        codes = service.enrol_totp(
            db.session, current_actor(), user, secret=secret, code=form.code.data, now=now
        )
        db.session.commit()
        if codes is not None:
            session.pop(ENROL_KEY, None)
            return render_template(
                "accounts/recovery_codes.html", codes=codes, next_url=url_for(".account")
            )
        error = _(
            "Deze code klopt niet. Controleer of de app de nieuwe code toont en probeer opnieuw."
        )
    return _setup_page(user, secret, form, error, url_for(".mfa_reset_setup"))
