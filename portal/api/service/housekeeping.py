"""What the API keeps only for a while: an idempotency key's answer and a used assertion id
matter for a day (a retry comes within minutes), a token not past its expiry plus a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.api.models import ApiAssertion, ApiIdempotency, ApiToken
from portal.db import changed_rows, utcnow

KEEP = timedelta(days=1)


def purge_expired(session: Session, now: datetime | None = None) -> dict[str, int]:
    cutoff = (now or utcnow()) - KEEP
    return {
        "idempotency answers": changed_rows(
            session, delete(ApiIdempotency).where(ApiIdempotency.created_at < cutoff)
        ),
        "assertion ids": changed_rows(
            session, delete(ApiAssertion).where(ApiAssertion.used_at < cutoff)
        ),
        # A token lives minutes (``oauth.TOKEN_SECONDS``): one issued a day ago is long over.
        "tokens": changed_rows(session, delete(ApiToken).where(ApiToken.issued_at < cutoff)),
    }
