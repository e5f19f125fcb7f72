"""Grants kept where an index serves them: the ``case_grant`` table.

A grant says why an organisation may see part of a case it does not own: an active referral
with its package, a joint decision's voter. The records that grant live in other packages
(``handover``), which the kernel cannot import. Asking each of them per case made every list
cost a look at every granting record: the inbox of a partner with a hundred thousand
referrals computed them all to show 25 cases. So the services that give and end grants write
them here, in the same transaction as the change (``set_grants``), and the policy point only
reads this table:

* ``shared_with(org)``: a WHERE clause on ``Case``, one index probe per case row looked at;
* ``grants_of``: an organisation's grants on one case, one indexed query (``grants_on``
  for the cases of a list page at once);
* the inbox walks ``ix_case_grant_organisation`` in case-id order (``portal.cases.inbox``).

The granting records stay the truth. Each package registers, per kind of record, every grant
its records give now (``register_grant_source``): ``flask grants check`` compares that with the
table and ``flask grants rebuild`` repairs it, and the kinds whose packages come from the
covenant in force are recomputed when another version is activated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseGrant
from portal.db import utcnow


@dataclass(frozen=True)
class Grant:
    """Why an organisation may see part of a case it does not own."""

    organisation_id: int
    recipient_role: str
    purpose: str
    categories: frozenset[str]
    #: The record that grants, for the audit log and the table, e.g. "referral:12".
    source: str
    #: A grant that runs out by itself (emergency access): not read after this moment.
    expires_at: datetime | None = None


#: Every grant the records of one kind give now, with the case each is on.
ExpectedGrants = Callable[[Session], Iterable[tuple[int, Grant]]]


@dataclass(frozen=True)
class GrantSource:
    """A kind of granting record: ``kind`` is the prefix of its grants' ``source``."""

    kind: str
    expected: ExpectedGrants
    #: Its packages come from the covenant in force (not stored on the record): recomputed
    #: when another covenant version is activated.
    follows_covenant: bool = False


_sources: dict[str, GrantSource] = {}


def register_grant_source(source: GrantSource) -> None:
    _sources[source.kind] = source


# --- reading ----------------------------------------------------------------------------------


def in_force() -> ColumnElement[bool]:
    """A grant counts until its expiry, checked at every read (no job has to run first)."""
    return or_(CaseGrant.expires_at.is_(None), CaseGrant.expires_at > utcnow())


def shared_with(organisation_id: int) -> ColumnElement[bool]:
    """A WHERE clause on ``Case``: some grant shows the case to the organisation. A correlated
    EXISTS, so the database probes the index per case it looks at instead of collecting every
    case shared with the organisation first."""
    return exists().where(
        CaseGrant.case_id == Case.id, CaseGrant.organisation_id == organisation_id, in_force()
    )


def grants_of(session: Session, case_id: int, organisation_id: int) -> list[Grant]:
    return grants_on(session, [case_id], organisation_id).get(case_id, [])


def grants_on(
    session: Session, case_ids: Iterable[int], organisation_id: int
) -> dict[int, list[Grant]]:
    """The organisation's grants on each of the cases (a case without any is left out)."""
    rows = session.scalars(
        select(CaseGrant)
        .where(
            CaseGrant.organisation_id == organisation_id,
            CaseGrant.case_id.in_(case_ids),
            in_force(),
        )
        .order_by(CaseGrant.id)
    )
    found: dict[int, list[Grant]] = {}
    for row in rows:
        found.setdefault(row.case_id, []).append(_grant(row))
    return found


def _grant(row: CaseGrant) -> Grant:
    categories = frozenset(row.categories.split(",")) if row.categories else frozenset()
    return Grant(
        row.organisation_id,
        row.recipient_role,
        row.purpose,
        categories,
        row.source,
        row.expires_at,
    )


# --- writing ----------------------------------------------------------------------------------

_Key = tuple[int, int, str, str, str, str, datetime | None]
#: Records read per query when many are written at once (well under SQLite's variable limit).
_CHUNK = 400


def _key(case_id: int, grant: Grant) -> _Key:
    categories = ",".join(sorted(grant.categories))
    return (
        case_id,
        grant.organisation_id,
        grant.recipient_role,
        grant.purpose,
        categories,
        grant.source,
        grant.expires_at,
    )


def _row_key(row: CaseGrant) -> _Key:
    return _key(row.case_id, _grant(row))


def set_grants(session: Session, case_id: int, source: str, grants: Iterable[Grant]) -> None:
    """Make the stored grants of one record (``source``, e.g. "referral:12") on the case
    exactly ``grants``; none when the record grants nothing now. Called by the service that
    changes the record, in the same transaction."""
    set_many_grants(session, {(case_id, source): grants})


def set_many_grants(session: Session, records: Mapping[tuple[int, str], Iterable[Grant]]) -> None:
    """``set_grants`` for many records at once (a batch of referrals sent together): one
    query for what is stored, one statement per kind of change."""
    wanted: list[tuple[int, Grant]] = []
    for (case_id, source), grants in records.items():
        for grant in grants:
            if grant.source != source:
                raise ValueError(f"every grant of {source} must name it as its source")
            wanted.append((case_id, grant))
    stored: list[CaseGrant] = []
    keys = list(records)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        stored += session.scalars(
            select(CaseGrant).where(
                CaseGrant.source.in_({source for _case, source in chunk}),
                CaseGrant.case_id.in_({case_id for case_id, _source in chunk}),
            )
        )
    mine = [row for row in stored if (row.case_id, row.source) in records]
    _replace(session, mine, wanted)


def _replace(session: Session, stored: list[CaseGrant], wanted: list[tuple[int, Grant]]) -> int:
    """Delete the stored rows nobody wants, add the wanted ones missing; the number changed."""
    want = {_key(case_id, grant): grant for case_id, grant in wanted}
    have = {_row_key(row): row for row in stored}
    gone = [row for key, row in have.items() if key not in want]
    for row in gone:
        session.delete(row)
    # Deletes first: a changed package is the same (case, source, organisation, role).
    session.flush()
    new = [key for key in want if key not in have]
    for case_id, organisation_id, role, purpose, categories, source, expires_at in new:
        session.add(
            CaseGrant(
                case_id=case_id,
                organisation_id=organisation_id,
                recipient_role=role,
                purpose=purpose,
                categories=categories,
                source=source,
                expires_at=expires_at,
            )
        )
    session.flush()
    return len(gone) + len(new)


# --- checking and rebuilding from the records ---------------------------------------------------


def _stored_of(session: Session, kind: str) -> list[CaseGrant]:
    return list(session.scalars(select(CaseGrant).where(CaseGrant.source.startswith(f"{kind}:"))))


def differences(session: Session) -> list[str]:
    """What the table holds that no record gives, and what a record gives that the table
    lacks: one line each, empty when they agree."""
    found = []
    kinds = set()
    for kind, source in sorted(_sources.items()):
        kinds.add(kind)
        want = {_key(case_id, grant) for case_id, grant in source.expected(session)}
        have = {_row_key(row) for row in _stored_of(session, kind)}
        found += [f"missing: {_describe(key)}" for key in sorted(want - have)]
        found += [f"not granted: {_describe(key)}" for key in sorted(have - want)]
    for row in session.scalars(select(CaseGrant).order_by(CaseGrant.id)):
        if row.source.split(":", 1)[0] not in kinds:
            found.append(f"no such kind of record: {_describe(_row_key(row))}")
    return found


def _describe(key: _Key) -> str:
    case_id, organisation_id, role, purpose, categories, source, expires_at = key
    until = f", until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    return (
        f"{source} on case {case_id} to organisation {organisation_id} "
        f"({role}, {purpose}: {categories or '-'}{until})"
    )


def rebuild(session: Session, kinds: Iterable[str] | None = None) -> int:
    """Make the table match the records of the given kinds (every registered kind by
    default); the number of rows added or removed."""
    changed = 0
    for kind in sorted(_sources if kinds is None else kinds):
        wanted = list(_sources[kind].expected(session))
        changed += _replace(session, _stored_of(session, kind), wanted)
    return changed


def covenant_activated(session: Session) -> None:
    """Another covenant version is in force: packages taken from it may have changed."""
    rebuild(session, [kind for kind, source in _sources.items() if source.follows_covenant])


# --- the command line ---------------------------------------------------------------------------

grants_cli = AppGroup("grants", help="The grants table against the records that grant.")


@grants_cli.command("check")
def check_command() -> None:
    """Compare the table with the referrals and decisions; exit 1 when they differ."""
    from portal.extensions import db

    found = differences(db.session)
    for line in found:
        click.echo(line)
    click.echo(f"{len(found)} difference(s).")
    if found:
        raise SystemExit(1)


@grants_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute the table from the referrals and decisions (after a repair by hand)."""
    from portal.extensions import db

    changed = rebuild(db.session)
    db.session.commit()
    click.echo(f"{changed} grant row(s) added or removed.")
