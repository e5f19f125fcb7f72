"""The portal's own absolute links, for messages and receipts read outside the portal."""

from __future__ import annotations

from flask import current_app, url_for


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def tenant_link(token: str) -> str:
    """The link in an invitation: where the tenant opens the request."""
    return public_url(url_for("consent_tenant.open_link", token=token))


def case_consent_url(case_id: int) -> str:
    return public_url(f"/casussen/{case_id}/toestemming")
