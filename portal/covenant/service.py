"""Loading, accepting and activating covenant versions.

A version is loaded as a draft. Each partner organisation's admin accepts it (the acceptance
records who, when and the document hash they saw); when every partner named in the version has
accepted, it becomes active by itself. The covenant admin may also activate a draft
explicitly, with a reason. Activating a version supersedes the one before it (and any older
draft), and recomputes the stored grants whose packages come from the covenant in force.
Every step writes an audit event in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.audit.service import record
from portal.covenant.document import CovenantFileError, Problem, parse
from portal.covenant.models import CovenantAcceptance, CovenantVersion
from portal.db import utcnow
from portal.errors import Conflict, DomainError, Forbidden
from portal.grants import covenant_activated

REASON_MIN = 10
REASON_MAX = 2000


class CovenantInvalid(DomainError):
    """The covenant file was refused; ``problems`` names the place of every error."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        super().__init__(_l("Het convenantbestand is niet geldig."))
        self.problems = problems
        self.warnings = warnings or []


@dataclass
class LoadResult:
    version: CovenantVersion
    #: False when an identical source was already loaded (then nothing changed).
    created: bool
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class PartnerAcceptance:
    """One partner of a version, its organisation in the portal and its acceptance (if any)."""

    slug: str
    organisation: Organisation | None
    acceptance: CovenantAcceptance | None


def source_hash(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def load_version(session: Session, actor: Actor, source: bytes) -> LoadResult:
    """Check a covenant file and store it as a new draft version.

    Loading a file identical to a stored version (same SHA-256) changes nothing and returns
    that version with ``created=False``. Partner slugs must name organisations in the portal.
    """
    sha256 = source_hash(source)
    existing = session.scalar(select(CovenantVersion).where(CovenantVersion.sha256 == sha256))
    if existing is not None:
        return LoadResult(existing, created=False)
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        raise CovenantInvalid([Problem("", "the file is not UTF-8 text")]) from None
    known = set(session.scalars(select(Organisation.slug)))
    try:
        parsed = parse(text, known_slugs=known)
    except CovenantFileError as exc:
        raise CovenantInvalid(exc.problems, exc.warnings) from None
    number = (session.scalar(select(func.max(CovenantVersion.number))) or 0) + 1
    version = CovenantVersion(
        number=number,
        source=text,
        sha256=sha256,
        document=parsed.document,
        region=parsed.document["covenant"]["region"],
        loaded_at=utcnow(),
        loaded_by_id=actor.user_id,
        loaded_by=(actor.label or f"user:{actor.user_id}")[:80],
        status="draft",
    )
    session.add(version)
    session.flush()
    record(session, actor, "covenant.load", detail={"version": number, "sha256": sha256})
    return LoadResult(version, created=True, warnings=parsed.warnings)


def partner_acceptances(session: Session, version: CovenantVersion) -> list[PartnerAcceptance]:
    """Every partner named in the version, in the file's order, with its acceptance."""
    slugs = version.partner_slugs
    orgs = {
        o.slug: o for o in session.scalars(select(Organisation).where(Organisation.slug.in_(slugs)))
    }
    accepted = session.scalars(
        select(CovenantAcceptance).where(CovenantAcceptance.version_id == version.id)
    )
    by_org = {a.organisation_id: a for a in accepted}
    return [
        PartnerAcceptance(slug, orgs.get(slug), by_org.get(orgs[slug].id) if slug in orgs else None)
        for slug in slugs
    ]


def may_accept(session: Session, actor: Actor, version: CovenantVersion) -> bool:
    """Whether the page should offer ``actor`` the acceptance form for ``version``."""
    if not actor.has_role("org_admin") or version.status == "superseded":
        return False
    for partner in partner_acceptances(session, version):
        if partner.organisation and partner.organisation.id == actor.organisation_id:
            return partner.acceptance is None
    return False


def _lock(session: Session, version: CovenantVersion) -> CovenantVersion:
    """Re-read the version under a row lock, so concurrent acceptances queue (PostgreSQL)."""
    return session.execute(
        select(CovenantVersion)
        .where(CovenantVersion.id == version.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def accept_version(
    session: Session, actor: Actor, version: CovenantVersion, sha256: str
) -> CovenantAcceptance:
    """Record that the actor's organisation accepts ``version``, as the hash ``sha256``.

    The organisation is always the actor's own. The hash is the one shown on the page the
    admin read; if it is not the version's, nothing is accepted. The last partner's
    acceptance activates a draft.
    """
    if not actor.has_role("org_admin") or actor.organisation_id is None:
        raise Forbidden(_l("Alleen een beheerder van een partner kan het convenant aanvaarden."))
    version = _lock(session, version)
    if version.status == "superseded":
        raise Conflict(_l("Deze versie is vervangen door een nieuwere versie."))
    if sha256 != version.sha256:
        raise Conflict(_l("Het convenant dat u las is niet deze versie. Lees het opnieuw."))
    organisation = session.get(Organisation, actor.organisation_id)
    if organisation is None or organisation.slug not in version.partner_slugs:
        raise Forbidden(_l("Uw organisatie is geen partner in deze versie van het convenant."))
    already = session.scalar(
        select(CovenantAcceptance).where(
            CovenantAcceptance.version_id == version.id,
            CovenantAcceptance.organisation_id == organisation.id,
        )
    )
    if already is not None:
        raise Conflict(_l("Uw organisatie heeft deze versie al aanvaard."))
    acceptance = CovenantAcceptance(
        version_id=version.id,
        organisation_id=organisation.id,
        user_id=actor.user_id,
        accepted_at=utcnow(),
        sha256=sha256,
    )
    try:
        with session.begin_nested():
            session.add(acceptance)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("Uw organisatie heeft deze versie al aanvaard.")) from None
    record(
        session,
        actor,
        "covenant.accept",
        detail={"version": version.number, "sha256": sha256, "organisation": organisation.slug},
    )
    if version.status == "draft" and all(
        p.acceptance is not None for p in partner_acceptances(session, version)
    ):
        _activate(session, actor, version, how="all_accepted", reason=None)
    return acceptance


def activate_version(
    session: Session, actor: Actor, version: CovenantVersion, reason: str
) -> CovenantVersion:
    """The covenant admin puts a draft into force before every partner accepted it."""
    if not actor.has_role("covenant_admin"):
        raise Forbidden(_l("Alleen de convenantbeheerder kan een versie activeren."))
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise DomainError(
            _l("Geef een reden van %(min)d tot %(max)d tekens.", min=REASON_MIN, max=REASON_MAX)
        )
    version = _lock(session, version)
    if version.status != "draft":
        raise Conflict(_l("Alleen een concept kan worden geactiveerd."))
    return _activate(session, actor, version, how="explicit", reason=reason)


def _activate(
    session: Session, actor: Actor, version: CovenantVersion, *, how: str, reason: str | None
) -> CovenantVersion:
    now = utcnow()
    superseded = []
    older = session.scalars(
        select(CovenantVersion).where(
            CovenantVersion.id != version.id,
            (CovenantVersion.status == "active")
            | ((CovenantVersion.status == "draft") & (CovenantVersion.number < version.number)),
        )
    ).all()
    for other in older:
        other.status = "superseded"
        other.superseded_at = now
        superseded.append(other.number)
    try:
        with session.begin_nested():
            session.flush()
            version.status = "active"
            version.activated_at = now
            version.activated_by_id = actor.user_id
            version.activated_how = how
            version.activation_reason = reason
            session.flush()
    except IntegrityError:
        raise Conflict(_l("Iemand anders activeerde net een andere versie.")) from None
    covenant_activated(session)
    record(
        session,
        actor,
        "covenant.activate",
        detail={
            "version": version.number,
            "sha256": version.sha256,
            "how": how,
            "superseded": sorted(superseded),
        },
    )
    return version
