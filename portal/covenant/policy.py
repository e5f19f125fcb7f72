"""Loaders for covenant versions. Every professional may read every version of the covenant
(it holds no personal data); what they may *do* with a version is decided by the service."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.covenant.models import CovenantVersion
from portal.errors import NotFound


def get_version(session: Session, number: int) -> CovenantVersion:
    version = session.scalar(select(CovenantVersion).where(CovenantVersion.number == number))
    if version is None:
        raise NotFound()
    return version


def list_versions(session: Session) -> list[CovenantVersion]:
    """All versions, newest first: earlier versions stay readable."""
    return list(session.scalars(select(CovenantVersion).order_by(CovenantVersion.number.desc())))
