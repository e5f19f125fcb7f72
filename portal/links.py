"""Absolute links for messages that leave the portal (e-mail, SMS, demo output).

A link in an e-mail must work from the reader's mail client, so it is built from the
configured public address (``PUBLIC_BASE_URL``) and the URL map, never hard-coded and never
from the incoming request's host (which a client can choose). It works inside and outside a
request, so a service, a CLI command and a job build the same link.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The public, absolute address of ``endpoint`` with ``values``."""
    adapter = current_app.url_map.bind("portal.invalid", script_name="/")
    path = adapter.build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
