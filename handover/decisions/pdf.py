"""The decision record as a PDF (WeasyPrint), for the case file and the court dossier.

The PDF is regenerated from the sealed record for each reader rather than stored: the rows
it shows cannot change after sealing (``models._refuse_changes_to_sealed_records``), every
personal text comes through the policy point for that reader (withheld parts say so), and
the seal hash printed on it identifies the record in the audit log. Fonts: DejaVu Sans, with
Noto Sans Arabic for Arabic script where installed.
"""

from __future__ import annotations

from typing import Any

from flask import render_template


def render(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_template("decisions/pdf.html", **context)
    # The record is self-contained: no protocol is allowed, so nothing is fetched while
    # rendering it (a resource named by mistake is left out, never loaded).
    nothing = URLFetcher(allowed_protocols=frozenset())
    return HTML(string=html, url_fetcher=nothing).write_pdf()
