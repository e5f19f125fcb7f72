"""Identity and access operations: sign-in steps, MFA, passwords, invitations, staff.

Functions take the database session and an ``Actor`` (or, before anyone is signed in, the
account concerned), enforce the rules, write the audit event in the same transaction and
``flush()``; the caller commits. Sign-in failures change state too (the per-account failure
counter and lockout), so those steps return an outcome instead of raising, and the view
commits either way.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts import mfa
from portal.accounts.models import (
    Invitation,
    Organisation,
    OrganisationOidc,
    RecoveryCode,
    User,
    UserRole,
)
from portal.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.accounts.roles import PORTAL_ROLES, SSO_DEFAULT_ROLES
from portal.accounts.sealing import SealError, seal, unseal
from portal.actor import Actor
from portal.audit.service import record
from portal.db import changed_rows
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.outbox.service import enqueue

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
#: Verified when no account matches, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


# --- TOTP secrets, sealed at rest -----------------------------------------------------------


def _secret_aad(user: User) -> str:
    return f"user_account.totp_secret:{user.id}"


def seal_totp_secret(user: User, secret: str) -> str:
    return seal(current_app.config["SECRET_KEY"], secret, _secret_aad(user))


def totp_secret(user: User) -> str | None:
    """The user's TOTP secret in the clear, or None (not enrolled, or sealed under an old key)."""
    if user.totp_secret is None:
        return None
    try:
        return unseal(current_app.config["SECRET_KEY"], user.totp_secret, _secret_aad(user))
    except SealError:
        return None


def set_totp_secret(user: User, secret: str, now: datetime) -> None:
    user.totp_secret = seal_totp_secret(user, secret)
    user.totp_last_step = None
    user.mfa_enrolled_at = now


# --- failures and lockout ------------------------------------------------------------------


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _register_failure(session: Session, actor: Actor, user: User, now: datetime) -> None:
    """Count a failed factor; from the limit on, every further failure locks the account again."""
    config = current_app.config
    user.failed_logins += 1
    if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        record(
            session,
            actor,
            "auth.lockout",
            detail={"failures": user.failed_logins, "minutes": config["LOGIN_LOCK_MINUTES"]},
        )


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    #: "ok", or why not: "failed" (unknown account, wrong password, inactive), "locked",
    #: "sso_required" (the password was right, but the organisation signs in elsewhere).
    result: str


def password_step(
    session: Session, actor: Actor, *, email: str, password: str, now: datetime
) -> SignInOutcome:
    """The first factor. The typed e-mail address is never written anywhere."""
    user = find_user_by_email(session, email)
    if user is None or user.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        if user is None:
            record(session, actor, "auth.login_failed", detail={"reason": "unknown_account"})
        else:
            record(
                session,
                _attempt(actor, user),
                "auth.login_failed",
                detail={"reason": "no_password"},
            )
        return SignInOutcome(None, "failed")
    attempt = _attempt(actor, user)
    if not user.active:
        verify_password(_DUMMY_HASH, password)
        record(session, attempt, "auth.login_failed", detail={"reason": "inactive"})
        return SignInOutcome(None, "failed")
    if is_locked(user, now):
        record(session, attempt, "auth.login_failed", detail={"reason": "locked"})
        return SignInOutcome(None, "locked")
    if not verify_password(user.password_hash, password):
        record(session, attempt, "auth.login_failed", detail={"reason": "bad_password"})
        _register_failure(session, attempt, user, now)
        session.flush()
        return SignInOutcome(None, "locked" if is_locked(user, now) else "failed")
    oidc = user.organisation.oidc
    if oidc is not None and oidc.enabled and not oidc.allow_password:
        record(session, attempt, "auth.login_failed", detail={"reason": "sso_required"})
        return SignInOutcome(user, "sso_required")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return SignInOutcome(user, "ok")


def _attempt(actor: Actor, user: User) -> Actor:
    """The account an attempt was made for; ``label`` says it is not proven who acts."""
    return Actor(
        kind="anonymous",
        user_id=user.id,
        organisation_id=user.organisation_id,
        label="sign-in attempt",
        request_id=actor.request_id,
        client_addr=actor.client_addr,
    )


def totp_step(session: Session, actor: Actor, user: User, *, code: str, now: datetime) -> str:
    """The second factor by TOTP: "ok", "failed" or "locked"."""
    attempt = _attempt(actor, user)
    if is_locked(user, now):
        record(session, attempt, "auth.login_failed", detail={"reason": "locked", "factor": "totp"})
        return "locked"
    secret = totp_secret(user)
    step = mfa.matching_step(secret, code, now, user.totp_last_step) if secret else None
    if step is None:
        record(
            session, attempt, "auth.login_failed", detail={"reason": "bad_code", "factor": "totp"}
        )
        _register_failure(session, attempt, user, now)
        session.flush()
        return "locked" if is_locked(user, now) else "failed"
    user.totp_last_step = step
    record(session, attempt, "auth.mfa_verified", detail={"factor": "totp"})
    session.flush()
    return "ok"


def recovery_step(session: Session, actor: Actor, user: User, *, code: str, now: datetime) -> str:
    """The second factor by a recovery code (each works once): "ok", "failed" or "locked"."""
    attempt = _attempt(actor, user)
    if is_locked(user, now):
        record(
            session, attempt, "auth.login_failed", detail={"reason": "locked", "factor": "recovery"}
        )
        return "locked"
    # Claimed with one UPDATE, so two requests racing with the same code cannot both win.
    claimed = changed_rows(
        session,
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == mfa.recovery_code_hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False),
    )
    if claimed != 1:
        record(
            session,
            attempt,
            "auth.login_failed",
            detail={"reason": "bad_code", "factor": "recovery"},
        )
        _register_failure(session, attempt, user, now)
        session.flush()
        return "locked" if is_locked(user, now) else "failed"
    record(
        session,
        attempt,
        "auth.recovery_code_used",
        detail={"remaining": remaining_recovery_codes(session, user)},
    )
    session.flush()
    return "ok"


def remaining_recovery_codes(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def signed_in(session: Session, actor: Actor, user: User, *, method: str, now: datetime) -> None:
    """Both factors done: clear the failure count and record the sign-in."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record(session, actor, "auth.login", detail={"method": method})
    session.flush()


def enrol_totp(
    session: Session, actor: Actor, user: User, *, secret: str, code: str, now: datetime
) -> list[str] | None:
    """Store a new TOTP secret once the user proved their app has it; new recovery codes.

    Returns the recovery codes in the clear (to show once), or None when the code was wrong.
    """
    step = mfa.matching_step(secret, code, now, None)
    if step is None:
        record(session, actor, "auth.mfa_enrol_failed")
        session.flush()
        return None
    reset = user.totp_secret is not None
    set_totp_secret(user, secret, now)
    user.totp_last_step = step
    codes = replace_recovery_codes(session, user, now)
    record(session, actor, "auth.mfa_enrolled", detail={"reset": reset})
    session.flush()
    return codes


def replace_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    """A fresh set of recovery codes for ``user`` (the old ones stop working), stored hashed;
    the codes in the clear, to show once. Enrolment makes them, and so does the demo."""
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    session.flush()
    codes = mfa.new_recovery_codes()
    for code in codes:
        session.add(
            RecoveryCode(
                user_id=user.id, code_hash=mfa.recovery_code_hash(user.id, code), created_at=now
            )
        )
    return codes


def reauthenticate(
    session: Session, actor: Actor, user: User, *, password: str, code: str, now: datetime
) -> bool:
    """Prove again who you are before a security change: password (if any) and a TOTP code."""
    ok = not is_locked(user, now)
    if ok and user.password_hash is not None:
        ok = verify_password(user.password_hash, password)
    if ok and user.totp_secret is not None:
        secret = totp_secret(user)
        step = mfa.matching_step(secret, code, now, user.totp_last_step) if secret else None
        ok = step is not None
        if ok:
            user.totp_last_step = step
    if ok and user.password_hash is None and user.totp_secret is None:
        ok = False  # nothing to prove it with here: the partner's provider must do it
    if not ok:
        record(session, actor, "auth.reauth_failed")
        _register_failure(session, actor, user, now)
    else:
        record(session, actor, "auth.reauthenticated")
    session.flush()
    return ok


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Kies een wachtwoord van minstens %(n)s tekens.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_("Kies een wachtwoord van hoogstens %(n)s tekens.", n=MAX_PASSWORD_LENGTH))
    local = normalise_email(email).split("@")[0]
    if local and len(local) >= 3 and local in password.lower():
        problems.append(_("Gebruik uw e-mailadres niet in uw wachtwoord."))
    if len(set(password)) < 5:
        problems.append(_("Dit wachtwoord is te makkelijk te raden."))
    return problems


def change_password(
    session: Session, actor: Actor, user: User, *, new_password: str, now: datetime
) -> None:
    """Set a new password (after ``reauthenticate``); every other session of the user ends."""
    problems = password_problems(new_password, user.email)
    if problems:
        raise DomainError(problems[0])
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    user.session_epoch += 1
    record(session, actor, "auth.password_changed")
    session.flush()


def sign_out(session: Session, actor: Actor) -> None:
    record(session, actor, "auth.logout")
    session.flush()


def sign_out_everywhere(session: Session, actor: Actor, user: User) -> None:
    user.session_epoch += 1
    record(session, actor, "auth.logout_everywhere")
    session.flush()


# --- organisation admin: staff and invitations ---------------------------------------------


def _require_same_org(actor: Actor, organisation_id: int) -> None:
    if actor.organisation_id != organisation_id:
        raise NotFound()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def invite(
    session: Session,
    actor: Actor,
    organisation: Organisation,
    *,
    email: str,
    display_name: str,
    roles: Iterable[str],
    now: datetime,
    link_for: Callable[[str], str],
) -> Invitation:
    """Invite a colleague: a single-use link (only its hash is kept) sent through the outbox."""
    _require_same_org(actor, organisation.id)
    if not actor.has_role("org_admin"):
        raise Forbidden()
    email = normalise_email(email)
    roles = sorted(set(roles))
    if not _EMAIL.match(email):
        raise DomainError(_("Vul een geldig e-mailadres in."))
    if not roles or any(r not in PORTAL_ROLES for r in roles):
        raise DomainError(_("Kies minstens één rol."))
    if find_user_by_email(session, email) is not None:
        raise Conflict(_("Er bestaat al een account met dit e-mailadres."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation_id=organisation.id,
        email=email,
        display_name=display_name.strip()[:200],
        roles=roles,
        token_hash=_hash_token(token),
        invited_by_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    session.add(invitation)
    session.flush()
    enqueue(
        session,
        to=email,
        subject=_("Uitnodiging voor het Ketenportaal (%(ref)s)", ref=invitation.reference),
        body=invitation_body(invitation, link_for(token)),
        kind="invitation",
    )
    record(
        session,
        actor,
        "account.invitation_sent",
        detail={"invitation": invitation.reference, "roles": roles},
    )
    session.flush()
    return invitation


def invitation_body(invitation: Invitation, link: str) -> str:
    """A reference and a link only: no name, no organisation, nothing about anyone."""
    expires = invitation.expires_at.strftime("%d-%m-%Y %H:%M UTC")
    return "\n".join(
        [
            _("U bent uitgenodigd om een account te maken in het Ketenportaal."),
            "",
            _("Open deze link om uw account te maken:"),
            link,
            "",
            _("De link werkt één keer, tot %(date)s.", date=expires),
            _("Kenmerk: %(ref)s", ref=invitation.reference),
            "",
            _("Verwachtte u deze uitnodiging niet? Dan kunt u dit bericht negeren."),
        ]
    )


def open_invitation(session: Session, token: str, now: datetime) -> Invitation | None:
    """The invitation a link's token belongs to, if it can still be accepted."""
    if not token or len(token) > 100:
        return None
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == _hash_token(token))
    )
    if invitation is None or invitation.status(now) != "open":
        return None
    return invitation


def accept_invitation(
    session: Session, actor: Actor, token: str, *, password: str | None, now: datetime
) -> User:
    """Create the account. The invitation is claimed with one UPDATE: it works exactly once."""
    invitation = open_invitation(session, token, now)
    if invitation is None:
        raise NotFound(_("Deze uitnodiging is verlopen, al gebruikt of bestaat niet."))
    if password is not None:
        problems = password_problems(password, invitation.email)
        if problems:
            raise DomainError(problems[0])
    claimed = changed_rows(
        session,
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now)
        .execution_options(synchronize_session=False),
    )
    if claimed != 1 or find_user_by_email(session, invitation.email) is not None:
        raise NotFound(_("Deze uitnodiging is verlopen, al gebruikt of bestaat niet."))
    session.refresh(invitation)
    user = User(
        organisation_id=invitation.organisation_id,
        email=invitation.email,
        display_name=invitation.display_name,
        password_hash=hash_password(password) if password is not None else None,
        password_changed_at=now if password is not None else None,
        created_at=now,
    )
    user.role_rows = [UserRole(role=r) for r in invitation.roles]
    session.add(user)
    session.flush()
    record(
        session,
        Actor(
            kind="staff",
            user_id=user.id,
            organisation_id=user.organisation_id,
            roles=frozenset(invitation.roles),
            request_id=actor.request_id,
            client_addr=actor.client_addr,
        ),
        "account.invitation_accepted",
        detail={"invitation": invitation.reference},
    )
    session.flush()
    return user


def revoke_invitation(
    session: Session, actor: Actor, invitation: Invitation, now: datetime
) -> None:
    _require_same_org(actor, invitation.organisation_id)
    if invitation.status(now) != "open":
        raise Conflict(_("Deze uitnodiging kan niet meer worden ingetrokken."))
    invitation.revoked_at = now
    record(
        session, actor, "account.invitation_revoked", detail={"invitation": invitation.reference}
    )
    session.flush()


def deactivate(session: Session, actor: Actor, user: User) -> None:
    """Switch an account off; its sessions end on their next request."""
    _require_same_org(actor, user.organisation_id)
    if user.id == actor.user_id:
        raise Conflict(_("U kunt uw eigen account niet uitzetten."))
    if not user.active:
        return
    user.active = False
    user.session_epoch += 1
    record(session, actor, "account.deactivated", detail={"subject_user_id": user.id})
    session.flush()


def reactivate(session: Session, actor: Actor, user: User) -> None:
    _require_same_org(actor, user.organisation_id)
    if user.active:
        return
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    record(session, actor, "account.reactivated", detail={"subject_user_id": user.id})
    session.flush()


# --- partner single sign-on ----------------------------------------------------------------

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")


def save_oidc_settings(
    session: Session,
    actor: Actor,
    organisation: Organisation,
    *,
    enabled: bool,
    issuer: str,
    client_id: str,
    client_secret_env: str,
    mfa_acr_values: str,
    allow_password: bool,
    default_role: str | None,
    now: datetime,
) -> OrganisationOidc:
    """The organisation's own provider. The client secret stays in the named variable."""
    _require_same_org(actor, organisation.id)
    issuer = issuer.strip().rstrip("/")
    client_secret_env = client_secret_env.strip()
    if not valid_issuer(issuer):
        raise DomainError(_("De issuer moet een https-adres zijn."))
    if not _ENV_NAME.match(client_secret_env):
        raise DomainError(
            _("Geef de naam van een omgevingsvariabele, bijvoorbeeld KP_OIDC_SECRET_CORPORATIE.")
        )
    if default_role is not None and default_role not in SSO_DEFAULT_ROLES:
        raise DomainError(_("Kies een geldige standaardrol."))
    settings = organisation.oidc or OrganisationOidc(organisation_id=organisation.id)
    settings.enabled = enabled
    settings.issuer = issuer
    settings.client_id = client_id.strip()
    settings.client_secret_env = client_secret_env
    settings.mfa_acr_values = " ".join(mfa_acr_values.split())
    settings.allow_password = allow_password
    settings.default_role = default_role
    settings.updated_at = now
    organisation.oidc = settings
    session.add(settings)
    record(
        session,
        actor,
        "sso.settings_changed",
        detail={"enabled": enabled, "allow_password": allow_password},
    )
    session.flush()
    return settings


def valid_issuer(issuer: str) -> bool:
    """https, or http on this machine's loopback (development and tests)."""
    from urllib.parse import urlsplit

    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


class SsoRefused(DomainError):
    status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(_("Inloggen via uw organisatie is niet gelukt."))
        self.reason = reason


MFA_AMR = frozenset({"mfa", "otp", "hwk"})


def provider_did_mfa(settings: OrganisationOidc, claims: dict[str, Any]) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if MFA_AMR & {str(a) for a in amr}:
        return True
    acr = claims.get("acr")
    return bool(acr) and str(acr) in settings.acr_values


def sso_user(
    session: Session,
    actor: Actor,
    organisation: Organisation,
    claims: dict[str, Any],
    *,
    now: datetime,
) -> User:
    """Match (or create) the account the provider vouched for, within this organisation only."""
    settings = organisation.oidc
    email = normalise_email(str(claims.get("email") or ""))

    def refuse(reason: str, user: User | None = None) -> SsoRefused:
        record(
            session,
            actor if user is None else _attempt(actor, user),
            "sso.refused",
            detail={"reason": reason, "organisation_id": organisation.id},
        )
        session.flush()
        return SsoRefused(reason)

    if settings is None or not settings.enabled:
        raise refuse("not_enabled")
    if not _EMAIL.match(email):
        raise refuse("no_email")
    if claims.get("email_verified") is False:
        raise refuse("email_unverified")
    user = find_user_by_email(session, email)
    if user is not None and user.organisation_id != organisation.id:
        raise refuse("other_organisation")
    if user is not None and not user.active:
        raise refuse("inactive", user)
    if user is not None and is_locked(user, now):
        raise refuse("locked", user)
    if user is None:
        name = str(claims.get("name") or email.split("@")[0])[:200]
        user = User(organisation_id=organisation.id, email=email, display_name=name, created_at=now)
        if settings.default_role:
            user.role_rows = [UserRole(role=settings.default_role)]
        session.add(user)
        session.flush()
        record(
            session,
            _attempt(actor, user),
            "account.provisioned",
            detail={"via": "sso", "roles": sorted(user.roles)},
        )
    session.flush()
    return user


def record_sso_refused(
    session: Session, actor: Actor, organisation: Organisation, reason: str
) -> None:
    record(
        session,
        actor,
        "sso.refused",
        detail={"reason": str(reason)[:40], "organisation_id": organisation.id},
    )
    session.flush()
