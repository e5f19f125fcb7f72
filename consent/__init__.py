"""Consent records and requests, the tenant's consent pages, receipts, the sharing policy."""
