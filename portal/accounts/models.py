from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.roles import CASEWORK_ROLES, PORTAL_ROLES
from portal.db import Base, UTCDateTime, utcnow


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")
    oidc: Mapped[OrganisationOidc | None] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", uselist=False
    )


class User(UserMixin, Base):
    """A professional at a partner organisation. Work contact data, not tenant data."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The TOTP secret, sealed (AES-GCM under a key derived from SECRET_KEY); never plaintext.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    #: The last TOTP time step accepted: a code is good once (no replay within its window).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Failed password or code attempts since the last complete sign-in (per account, in the
    #: database, so the lockout holds across app servers).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Raised to end every session of this user at once (sign out everywhere, deactivation,
    #: password change); each request compares it with the value its session was born with.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    is_staff = True

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_secret is not None

    def has_any_role(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & set(roles))

    @property
    def works_cases(self) -> bool:
        """Whether the case menus apply: the same roles as ``portal.access.casework``."""
        return self.has_any_role(CASEWORK_ROLES)


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (
        CheckConstraint("role IN ('" + "','".join(PORTAL_ROLES) + "')", name="known_role"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(40), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class RecoveryCode(Base):
    """A single-use MFA recovery code, stored as a hash only (shown to the user once)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Invitation(Base):
    """An organisation admin's single-use, expiring invitation; only the token's hash is kept."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()

    @property
    def reference(self) -> str:
        """What the e-mail and the admin's list show instead of any personal data."""
        return f"UIT-{self.id:06d}"

    def status(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"


class OrganisationOidc(Base):
    """An organisation's own OpenID Connect provider for its staff.

    The client secret is never stored: ``client_secret_env`` names the environment variable
    that holds it on the app servers.
    """

    __tablename__ = "organisation_oidc"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_env: Mapped[str] = mapped_column(String(64))
    #: Space-separated ``acr`` values that count as multi-factor at this provider.
    mfa_acr_values: Mapped[str] = mapped_column(String(300), default="")
    #: Whether staff of this organisation may still sign in with a portal password.
    allow_password: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Portal role given to a colleague the provider signs in for the first time (or none).
    default_role: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="oidc")

    @property
    def acr_values(self) -> frozenset[str]:
        return frozenset(self.mfa_acr_values.split())


class WebSession(Base):
    """One browser's session, kept on the server (``portal/accounts/session_store.py``).

    The cookie holds only a random id; the row is found by that id's SHA-256, so a copy of
    this table cannot be turned back into working cookies. Deleting the row ends the session
    for every copy of the cookie (sign-out).
    """

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Flask's session as tagged JSON: ids, timestamps and flags, never personal data.
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When the session was last used, recorded at most once a minute (idle timeout, purge).
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: The professional signed in with this session (Flask-Login's ``_user_id`` in ``data``),
    #: so that reading the row can bring the user and their roles in the same statement.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
