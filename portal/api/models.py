"""Partner systems as OAuth 2.0 clients: their registration, their tokens, and the answers
kept for idempotency keys.

Nothing here is personal data: a client is an organisation's system, a token a hash.
Secrets and tokens are stored as SHA-256 digests only. They are 256-bit random strings the
portal generates, so a digest cannot be reversed by guessing, and a slow password hash
would only make every token request slow.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation
from portal.db import Base, UTCDateTime, utcnow

#: What a client may be allowed to do; an admin picks them per client.
SCOPES = ("signals:write", "referrals:read", "referrals:write", "consent:read")
#: How a client proves itself at the token endpoint.
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")


class ApiClient(Base):
    """A partner's system, registered by its organisation's admin."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public identifier the system sends (random, not a name).
    client_id: Mapped[str] = mapped_column(String(48), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Space-separated, a subset of ``SCOPES``.
    scope: Mapped[str] = mapped_column(String(200))
    auth_method: Mapped[str] = mapped_column(String(30), default="client_secret_basic")
    #: SHA-256 of the secret (hex); none for ``private_key_jwt``.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    #: The public key (JWK as JSON) that signs its assertions, for ``private_key_jwt``.
    public_jwk: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Where the portal posts this system's events (``portal.api.webhooks``); none: no events.
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    #: The key the events are signed with (HMAC-SHA256), sealed (``portal.accounts.sealing``):
    #: the portal must read it again to sign, so a digest would not do.
    webhook_secret: Mapped[str | None] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship()

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())

    # --- what Authlib asks of a client (``authlib.oauth2.rfc6749.ClientMixin``) ----------------

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        """The scopes asked for that this client has; all of its scopes when none are asked."""
        if not scope:
            return " ".join(sorted(self.scopes))
        return " ".join(s for s in sorted(set(scope.split())) if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        from portal.api.service.secrets import matches

        return self.active and matches(self.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return self.active and method == self.auth_method
        return self.active

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return self.active and grant_type == "client_credentials"


class ApiToken(Base):
    """An access token issued to a client: short-lived, revocable, stored as a digest."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_client.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_in: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[ApiClient] = relationship()

    # --- what Authlib asks of a token (``authlib.oauth2.rfc6749.TokenMixin``) ------------------

    def check_client(self, client: ApiClient) -> bool:
        return self.client_pk == client.id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return (utcnow() - self.issued_at).total_seconds() >= self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or not self.client.active


class ApiIdempotency(Base):
    """The answer to a POST with an ``Idempotency-Key``: the same key and body get the same
    answer again without acting twice; the same key with another body is refused. API answers
    carry references and codes, never personal data, so they may be kept."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("client_pk", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    key: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of method, path and body: what the key was first used for.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ApiAssertion(Base):
    """The id of a client's signed assertion, kept so that each is accepted once."""

    __tablename__ = "api_assertion"
    __table_args__ = (UniqueConstraint("client_pk", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    jti: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


#: Where a webhook delivery stands.
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")


class ApiWebhookDelivery(Base):
    """One event for one system's webhook, written in the transaction of the change it tells
    about (a transactional outbox) and posted afterwards by ``flask api deliver``, again with
    back-off until it is taken. The payload names a referral and what happened, never a
    person: it may be kept as the delivery log."""

    __tablename__ = "api_webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_client.id"), index=True)
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The HTTP status of the last attempt, or 0 when no answer came (timeout, refused).
    last_status: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[ApiClient] = relationship()
