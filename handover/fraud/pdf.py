"""The court file as one PDF: WeasyPrint for the title page, the table of contents and the
entries; the attached photographs embedded, the attached PDFs merged in whole with pypdf.

The table of contents gives each document's first page in the final file, so the file is
rendered twice: once to learn on which page each document starts (and so how many merged
pages come before it), then with those numbers. Nothing outside is fetched: the only
resources are the attached images, served to WeasyPrint from memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template
from pypdf import PdfReader, PdfWriter

from handover.fraud.courtfile import Document
from handover.fraud.labels import DOCUMENT_LABELS, OUTCOME_LABELS, SUSPICION_LABELS
from handover.fraud.models import FraudInvestigation

#: How an embedded image is named to WeasyPrint.
SCHEME = "kp-attachment:"


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int


def _fetcher(documents: list[Document]) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    images = {
        f"{SCHEME}{d.number}": d
        for d in documents
        if d.attachment is not None and d.attachment.content_type.startswith("image/")
    }

    class Fetcher(URLFetcher):
        """The attached images only; any other URL stops the rendering."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            doc = images.get(url)
            if doc is None or doc.data is None or doc.attachment is None:
                raise ValueError("the court file loads no external resources")
            content_type = doc.attachment.content_type
            return URLFetcherResponse(url, doc.data, {"Content-Type": content_type})

    return Fetcher(fail_on_errors=True)


def _merged_pages(documents: list[Document]) -> dict[int, int]:
    """Document number -> pages of its attached PDF."""
    return {
        d.number: len(PdfReader(io.BytesIO(d.data)).pages)
        for d in documents
        if d.attachment is not None
        and d.attachment.content_type == "application/pdf"
        and d.data is not None
    }


def render_court_file(
    *,
    investigation: FraudInvestigation,
    documents: list[Document],
    texts: dict[str, Any],
    version: int,
    record_hash: str,
    sealed_at: datetime,
    by_name: str,
    organisation_name: str,
) -> Rendered:
    from weasyprint import HTML

    merged = _merged_pages(documents)
    context = {
        "investigation": investigation,
        "case": investigation.case,
        "documents": documents,
        "texts": texts,
        "version": version,
        "record_hash": record_hash,
        "sealed_at": sealed_at,
        "by_name": by_name,
        "organisation_name": organisation_name,
        "merged": merged,
        "scheme": SCHEME,
        "suspicion_labels": SUSPICION_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "document_labels": DOCUMENT_LABELS,
    }
    # First pass: where does each document start in the HTML part?
    first = HTML(
        string=render_template("fraud/court_file.html", starts={}, **context),
        url_fetcher=_fetcher(documents),
    ).render()
    at = _anchor_pages(first)
    starts = {
        n: at[n] + 1 + sum(k for m, k in merged.items() if at.get(m, 10**9) < at[n]) for n in at
    }
    second = HTML(
        string=render_template("fraud/court_file.html", starts=starts, **context),
        url_fetcher=_fetcher(documents),
    ).render()
    at = _anchor_pages(second)
    html_pdf = second.write_pdf()
    title = f"Dossier {investigation.case.reference} v{version}"
    return _merge(html_pdf, documents, at, merged, title)


def _anchor_pages(document: Any) -> dict[int, int]:
    """Document number -> index of the page its section starts on (``id="doc-N"``)."""
    found: dict[int, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("doc-") and anchor[4:].isdigit():
                found.setdefault(int(anchor[4:]), index)
    return found


def _merge(
    html_pdf: bytes,
    documents: list[Document],
    at: dict[int, int],
    merged: dict[int, int],
    title: str,
) -> Rendered:
    """Each attached PDF whole, after the page that announces it; an outline entry for
    every document."""
    by_page = {at[n]: n for n in merged if n in at}
    attached = {d.number: d for d in documents}
    writer = PdfWriter()
    starts: dict[int, int] = {}
    main = PdfReader(io.BytesIO(html_pdf))
    for index, page in enumerate(main.pages):
        writer.add_page(page)
        for n, start in at.items():
            if start == index:
                starts.setdefault(n, len(writer.pages) - 1)
        number = by_page.get(index)
        if number is not None:
            data = attached[number].data
            assert data is not None  # merged only lists documents with content
            for inserted in PdfReader(io.BytesIO(data)).pages:
                writer.add_page(inserted)
    for doc in documents:
        if doc.number in starts:
            writer.add_outline_item(
                title=f"{doc.number}. {_outline_title(doc)}", page_number=starts[doc.number]
            )
    writer.add_metadata({"/Title": title, "/Producer": "Ketenportaal"})
    out = io.BytesIO()
    writer.write(out)
    return Rendered(out.getvalue(), len(writer.pages))


def _outline_title(doc: Document) -> str:
    return str(DOCUMENT_LABELS.get(doc.kind, doc.kind))
