"""Attachments: files that belong to something on a case (a fraud investigation's evidence,
a meeting's papers), stored encrypted under the case's data key like every personal field.

The file, its name and its description are encrypted (the name alone can say who is on a
photograph); destroying the case's key shreds them with the rest of the case. What the portal
needs to check and list a file without reading it stays plain: its type as detected from the
content, its size and its SHA-256 (for a court file's table of contents).

An attachment belongs to exactly one data category, given by the room that stores it
(``category``): the policy point decides per row (``category_of``), and retention erases it
on that category's schedule (``category_parts``). The class-level declaration below is only
the default the column checks read; no row is shown by it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: What may be uploaded, as detected from the content: PDF documents and photographs.
CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
#: The file extension a download gets (its name is never the uploaded one).
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class Attachment(EncryptedRow, Base):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_case_subject", "case_id", "subject"),)
    __category__ = "identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: What it belongs to, as the room that stored it names it, e.g. "fraud:3".
    subject: Mapped[str] = mapped_column(String(60))
    #: The covenant data category of the whole row (the file, its name and description).
    category: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[Personal] = personal("str")
    description: Mapped[Personal] = personal("str")
    content: Mapped[Personal] = personal("bytes")

    case: Mapped[Case] = relationship()

    #: Evidence is kept whole until the case's data key is shredded: a court file refers to
    #: it by hash, so retention does not erase it field by field.
    __retention__: ClassVar[str] = "with_case_key"

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def category_of(self, field: str) -> str:
        return self.category

    @classmethod
    def category_parts(cls, category: str) -> list[tuple[tuple[str, ...], Any]]:
        return [(tuple(sorted(cls.__categories__)), cls.category == category)]

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "bin")

    def __repr__(self) -> str:  # never a file name
        return f"<Attachment {self.id}>"
