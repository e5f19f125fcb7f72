"""What the tenant brings to her case herself: her own view or a question for the partners
("my say"), and a correction of her phone number or e-mail address for the owning
organisation to confirm.

Her words are personal data of the covenant's ``tenant_input`` category, encrypted under the
case's data key like every other field: the partners read them only through the policy point.
A corrected number is ``contact`` data; it changes the case only when the owner confirms it
(she may mistype, and the owner answers for the data it holds). Both record the mandate when
a legal representative acted for her.

A ``TenantMandate`` is that representative: a bewindvoerder, mentor or curator appointed by
the court, recorded by the owning organisation with the evidence (the court decision's
reference) and the date it holds from. The representative signs in as themself (a code to
their own phone or e-mail address, ``consent.service.identity``) and acts for her; every
action under it carries ``mandate:<id>`` in the audit log and is shown as theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models.case import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: Her own view of the situation, or a question she wants answered.
SAY_KINDS = ("view", "question")
#: The contact fields she may correct herself.
CORRECTABLE = ("phone", "email")
#: A correction waits for the owner, who confirms or rejects it.
CORRECTION_STATUSES = ("pending", "confirmed", "rejected")
TENANT_INPUT = "tenant_input"
#: The kinds of legal representation that may act for someone (Dutch law).
MANDATES = ("bewindvoerder", "mentor", "curator")


class _OfCase:
    def encryption_key_id(self) -> int | None:
        case = getattr(self, "case", None)
        return case.data_key_id if case is not None else None


class TenantMandate(_OfCase, EncryptedRow, Base):
    """A legal representative's mandate to act for one person of a case."""

    __tablename__ = "tenant_mandate"
    __table_args__ = (
        Index("ix_tenant_mandate_phone", "sms_digest"),
        Index("ix_tenant_mandate_email", "mail_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    #: For whom the representative acts.
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[Personal] = personal("str", "identity", choices=MANDATES)
    name: Mapped[Personal] = personal("str", "identity")
    phone: Mapped[Personal] = personal("str", "contact")
    email: Mapped[Personal] = personal("str", "contact")
    #: Since when the mandate holds (the court decision's date).
    since: Mapped[Personal] = personal("date", "identity")
    #: The evidence, e.g. the court decision's reference.
    evidence: Mapped[Personal] = personal("str", "identity")
    #: Blind indexes of the representative's own phone and e-mail address (sign-in).
    sms_digest: Mapped[str | None] = mapped_column(String(32))
    mail_digest: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()

    __blind_indexes__: ClassVar[dict[str, tuple[str, ...]]] = {
        "phone": ("phone",),
        "email": ("email",),
    }

    def set_blind_index(self, index_field: str, digest: str | None) -> None:
        if index_field == "phone":
            self.sms_digest = digest
        else:
            self.mail_digest = digest

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def __repr__(self) -> str:
        return f"<TenantMandate {self.id}>"


class TenantSay(_OfCase, EncryptedRow, Base):
    """One message of the tenant to the partners on her case, and the answer to a question."""

    __tablename__ = "tenant_say"
    __table_args__ = (Index("ix_tenant_say_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[Personal] = personal("str", TENANT_INPUT)
    #: Written by her legal representative under this mandate (None: by herself).
    mandate_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant_mandate.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: A partner's answer to a question: to her, so it is hers to read.
    answer: Mapped[Personal] = personal("str", TENANT_INPUT)
    answered_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()

    def __repr__(self) -> str:
        return f"<TenantSay {self.id}>"


class ContactCorrection(_OfCase, EncryptedRow, Base):
    """Her new phone number or e-mail address, waiting for the owning organisation."""

    __tablename__ = "contact_correction"
    __table_args__ = (Index("ix_contact_correction_case_status", "case_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    #: "phone" or "email" (``CORRECTABLE``).
    field: Mapped[str] = mapped_column(String(10))
    value: Mapped[Personal] = personal("str", "contact")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    mandate_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant_mandate.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()

    def __repr__(self) -> str:
        return f"<ContactCorrection {self.id}>"
