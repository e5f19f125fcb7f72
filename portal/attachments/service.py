"""Storing, listing and reading attachments, always through the policy point.

A room (a fraud investigation, a case meeting) decides what a file belongs to (``subject``)
and in which data category it falls, and who may add to it; this module checks the file
itself and keeps it like every personal field:

- the type is read from the content (magic bytes, then a parse: a PDF must open, an image
  must decode), never from the name or the browser's word for it, and only PDF, JPEG and PNG
  pass; the size is limited (``ATTACHMENT_MAX_BYTES``);
- the file, its name and description are encrypted under the case's data key, so shredding
  the key shreds them;
- every listing and every download is decided per category by ``portal.sharing.reveal`` and
  audited, and a download never carries the uploaded name (``download_name``).
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import filetype
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.attachments.models import CONTENT_TYPES, Attachment
from portal.audit.service import record
from portal.cases.models import Case
from portal.errors import DomainError, Forbidden, NotFound
from portal.forms import has_control_characters
from portal.sharing import Revealed, decide, reveal

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 200
DESCRIPTION_MAX = 500
#: A photograph larger than this many pixels is refused before it is decoded.
MAX_PIXELS = 60_000_000


def max_bytes() -> int:
    if has_app_context():
        return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)
    return DEFAULT_MAX_BYTES


def detect_type(data: bytes) -> str:
    """The content type of ``data`` as its content says, or DomainError: PDF, JPEG or PNG
    that opens as such; anything else (a renamed program, a broken or locked PDF) is refused."""
    if not data:
        raise DomainError(_l("Het bestand is leeg."), field="file")
    limit = max_bytes()
    if len(data) > limit:
        raise DomainError(
            _l("Het bestand is te groot (hoogstens %(mb)s MB).", mb=limit // (1024 * 1024)),
            field="file",
        )
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime not in CONTENT_TYPES:
        raise DomainError(
            _l("Dit bestand is geen PDF, JPEG of PNG. Kies een ander bestand."), field="file"
        )
    try:
        if mime == "application/pdf":
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise DomainError(
                    _l("Deze PDF is beveiligd met een wachtwoord. Voeg een PDF zonder toe."),
                    field="file",
                )
            len(reader.pages)  # the page tree must be readable
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    if image.width * image.height > MAX_PIXELS:
                        raise DomainError(_l("Deze foto is te groot."), field="file")
                    image.verify()
    except DomainError:
        raise
    except (PdfReadError, OSError, ValueError, SyntaxError, Image.DecompressionBombWarning,
            Image.DecompressionBombError, RecursionError):  # fmt: skip
        raise DomainError(
            _l("Dit bestand is beschadigd en kan niet worden geopend."), field="file"
        ) from None
    return mime


def clean_name(name: str | None) -> str:
    """The uploaded name without folders or invisible characters (shown, never used as a
    path or a download name)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )
    return base.strip()[:NAME_MAX] or str(_l("bijlage"))


def add(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    subject: str,
    category: str,
    data: bytes,
    filename: str | None,
    description: str | None = None,
) -> Attachment:
    """Store a file for ``subject`` on ``case`` in ``category`` (the caller commits).

    The room checks who may add to its subject; this checks that the actor may see the
    category on this case at all, and the file itself."""
    if actor.kind != "staff" or actor.organisation_id is None:
        raise Forbidden(_l("Alleen medewerkers van een partner kunnen bijlagen toevoegen."))
    if not decide(session, actor, case, [category])[category].allowed:
        raise Forbidden(_l("Uw organisatie mag dit soort gegevens van deze casus niet zien."))
    text = (description or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise DomainError(
            _l("De omschrijving is te lang (maximaal %(n)s tekens).", n=DESCRIPTION_MAX),
            field="description",
        )
    if has_control_characters(text, multiline=True):
        raise DomainError(
            _l("Hier staat een onzichtbaar stuurteken in. Typ de tekst opnieuw."),
            field="description",
        )
    content_type = detect_type(data)
    attachment = Attachment(
        case=case,
        subject=subject,
        category=category,
        organisation_id=actor.organisation_id,
        uploaded_by_id=actor.user_id,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        filename=clean_name(filename),
        description=text or None,
        content=data,
    )
    session.add(attachment)
    session.flush()
    record(
        session,
        actor,
        "attachment.added",
        case_id=case.id,
        categories=[category],
        detail={
            "attachment": attachment.id,
            "subject": subject,
            "size": len(data),
            "content_type": content_type,
        },
    )
    return attachment


def of_subject(session: Session, case_id: int, subject: str) -> list[Attachment]:
    """The subject's files, oldest first (plain rows: nothing decrypted)."""
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.case_id == case_id, Attachment.subject == subject)
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )


@dataclass(frozen=True)
class AttachmentView:
    """One file as a list shows it: its name and description only when the reader may see
    its category (else ``withheld``), never its content."""

    id: int
    case_id: int
    name: str | None
    description: str | None
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    organisation: str
    withheld: bool


def listing(
    session: Session, actor: Actor, case: Case, subject: str, *, action: str = "case.view"
) -> list[AttachmentView]:
    """The subject's files for a page: names and descriptions through the policy point (one
    audit event for the list)."""
    rows = of_subject(session, case.id, subject)
    if not rows:
        return []
    shown = reveal(session, actor, case, dict.fromkeys(rows, ("filename", "description")),
                   action=action)  # fmt: skip
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_({r.organisation_id for r in rows})
            )
        )
        .tuples()
        .all()
    )
    return [_view(row, shown, names) for row in rows]


def _view(row: Attachment, shown: Revealed, names: dict[int, str]) -> AttachmentView:
    allowed = shown.allowed(row.category)
    return AttachmentView(
        id=row.id,
        case_id=row.case_id,
        name=shown.get(row, "filename") if allowed else None,
        description=shown.get(row, "description") if allowed else None,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
        organisation=names.get(row.organisation_id, ""),
        withheld=not allowed,
    )


def contents(
    session: Session,
    actor: Actor,
    case: Case,
    rows: Sequence[Attachment],
    *,
    action: str = "attachment.downloaded",
) -> dict[int, bytes]:
    """The files themselves, for those the actor may see (one audit event); e.g. to assemble
    a court file. A file whose category is withheld is left out."""
    if not rows:
        return {}
    shown = reveal(session, actor, case, dict.fromkeys(rows, ("content",)), action=action)
    found = {row.id: shown.get(row, "content") for row in rows if shown.allowed(row.category)}
    return {key: value for key, value in found.items() if isinstance(value, bytes)}  # not erased


@dataclass(frozen=True, repr=False)
class Download:
    data: bytes
    content_type: str
    download_name: str


def read(session: Session, actor: Actor, attachment: Attachment) -> Download:
    """One file as a download, through the policy point and audited; Forbidden when its
    category is not for this actor. Its name is neutral: the uploaded name stays inside."""
    if not decide(session, actor, attachment.case, [attachment.category])[
        attachment.category
    ].allowed:
        raise Forbidden(_l("U mag deze bijlage niet openen."))
    got = contents(session, actor, attachment.case, [attachment])
    if attachment.id not in got:
        raise NotFound(_l("Deze bijlage is gewist."))
    return Download(
        got[attachment.id],
        attachment.content_type,
        f"bijlage-{attachment.case.reference}-{attachment.id}.{attachment.extension}",
    )
