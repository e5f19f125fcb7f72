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


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The record is self-contained: nothing is fetched while rendering it."""
    raise ValueError("the decision record loads no external resources")


def render(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_template("decisions/pdf.html", **context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
