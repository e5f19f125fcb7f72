"""Nuisance files (overlast): reports about a household and the agreements made with it.

A report says when, what kind of nuisance and who noticed it (a neighbour, the police, the
corporation's own observation), and what happened, in the words of the caseworker; all of it
about the tenant, in the covenant's ``nuisance`` category. Who made the report (a name and a
way to reach them) is a third party's data: its own category (``reporter``, declared
``third_party`` in the covenant), which no purpose shares and the tenant does not see
(GDPR art. 15(4)). An agreement with the tenant (what, until when) is followed up as kept or
broken, once. Every personal field is encrypted under the case's key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.crypto.fields import EncryptedRow, Personal, personal
from portal.db import Base, UTCDateTime, utcnow

#: The covenant category of the reports and agreements, and of who made a report.
NUISANCE = "nuisance"
REPORTER = "reporter"
#: What kind of nuisance (words in ``handover.nuisance.labels``).
KINDS = ("noise", "threats", "hoarding", "drugs", "pets", "other")
#: Who noticed it.
SOURCES = ("neighbour", "police", "own_observation", "other")
#: How an agreement with the tenant went: open until followed up, then kept or broken.
AGREEMENT_STATUSES = ("open", "kept", "broken")
SETTLED = ("kept", "broken")


class NuisanceReport(EncryptedRow, Base):
    __tablename__ = "nuisance_report"
    __table_args__ = (Index("ix_nuisance_report_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_on: Mapped[Personal] = personal("date", NUISANCE)
    kind: Mapped[Personal] = personal("str", NUISANCE, choices=KINDS)
    source: Mapped[Personal] = personal("str", NUISANCE, choices=SOURCES)
    description: Mapped[Personal] = personal("str", NUISANCE)
    reporter_name: Mapped[Personal] = personal("str", REPORTER)
    reporter_contact: Mapped[Personal] = personal("str", REPORTER)

    case: Mapped[Case] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def __repr__(self) -> str:
        return f"<NuisanceReport {self.id}>"


class NuisanceAgreement(EncryptedRow, Base):
    __tablename__ = "nuisance_agreement"
    __table_args__ = (Index("ix_nuisance_agreement_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    made_on: Mapped[Personal] = personal("date", NUISANCE)
    text: Mapped[Personal] = personal("str", NUISANCE)
    until: Mapped[Personal] = personal("date", NUISANCE)
    status: Mapped[Personal] = personal("str", NUISANCE, choices=AGREEMENT_STATUSES)
    #: When it was followed up (kept or broken): plain, the guard that lets one outcome win.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()

    def encryption_key_id(self) -> int | None:
        return self.case.data_key_id if self.case is not None else None

    def __repr__(self) -> str:
        return f"<NuisanceAgreement {self.id}>"
