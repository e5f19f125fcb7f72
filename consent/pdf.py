"""PDFs for tenants: the consent receipt and the invitation letter (WeasyPrint), with a QR
code (segno) for the letter's link.

The HTML comes from Jinja templates in ``templates/consent/pdf/``; the layout from one
stylesheet next to this module. WeasyPrint runs on the server, so the browser's CSP does not
apply, and nothing is fetched from the network (the URL fetcher allows ``data:`` URIs
only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

STYLESHEET = Path(__file__).with_name("pdf.css")


def render_pdf(template: str, **context: Any) -> bytes:
    html = render_template(template, **context)
    fetcher = URLFetcher(allowed_protocols={"data"})  # QR codes as data: URIs, nothing else
    return HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET))]
    )


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as a PNG ``data:`` URI (medium error correction)."""
    return segno.make(url, error="m").png_data_uri(scale=5, border=2)
