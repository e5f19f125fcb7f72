"""Words for attachments: their types and their audit events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CONTENT_TYPE_LABELS = {
    "application/pdf": _l("PDF-document"),
    "image/jpeg": _l("Foto (JPEG)"),
    "image/png": _l("Afbeelding (PNG)"),
}

ACTION_LABELS = {
    "attachment.added": _l("Bijlage toegevoegd"),
    "attachment.downloaded": _l("Bijlage geopend"),
}


def file_size(size: int) -> str:
    """A size as people read it: "230 kB", "1,4 MB" (Babel's decimal sign)."""
    from flask_babel import format_decimal

    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)))} kB"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"
