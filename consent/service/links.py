"""The portal's public links that consent messages and receipts carry (see portal.links)."""

from __future__ import annotations

from portal.links import external_url


def tenant_link(token: str) -> str:
    """The link in an invitation: where the tenant opens the request."""
    return external_url("consent_tenant.open_link", token=token)


def case_consent_url(case_id: int) -> str:
    """The case's consent page, for the professionals' notices."""
    return external_url("consent.case_consents", case_id=case_id)
