"""What the investigation's page shows: every text through the policy point (one audit
event for the investigation, one for its list of files), the seal of each court file
checked, the subtenant's own case and its referrals, and the forms (a failed one as it was
posted)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handover.fraud import courtfile, sealing, subtenant
from handover.fraud.forms import EntryForm, OutcomeForm, ReferForm, SubtenantForm
from handover.fraud.models import FraudInvestigation
from portal.accounts.models import User
from portal.actor import Actor
from portal.attachments import service as attachments
from portal.attachments.forms import AttachmentForm
from portal.cases.forms import ActionForm
from portal.cases.models import Case
from portal.covenant.rules import active_covenant
from portal.crypto.fields import EncryptedRow
from portal.sharing import reveal
from portal.workdays import local_today

TEXTS = (
    "grounds",
    "outcome_motivation",
    "subtenant_surname",
    "subtenant_initials",
    "subtenant_phone",
    "subtenant_email",
    "subtenant_note",
)


def context(
    session: Session, actor: Actor, investigation: FraudInvestigation, forms: dict[str, Any]
) -> dict[str, Any]:
    case = investigation.case
    entries = sealing.entries_in_order(investigation)
    fields: list[tuple[EncryptedRow, tuple[str, ...]]] = [
        (investigation, TEXTS),
        *((entry, ("visitors", "text")) for entry in entries),
    ]
    shown = reveal(session, actor, case, fields, action="fraud.view")
    files = attachments.listing(session, actor, case, investigation.subject, action="fraud.view")
    own_case = (
        session.get(Case, investigation.subtenant_case_id)
        if investigation.subtenant_case_id
        else None
    )
    options = subtenant.help_options(session)
    refer_form = forms.get("refer_form") or ReferForm(formdata=None)
    refer_form.help.choices = [(o.value, o.organisation.name) for o in options]
    return {
        "case": case,
        "investigation": investigation,
        "entries": entries,
        "shown": shown,
        "files": files,
        "court_files": [(f, sealing.verify(session, f)) for f in investigation.court_files],
        "may_assemble": courtfile.may_assemble(investigation),
        "own_case": own_case,
        "own_referrals": subtenant.referrals_of(session, own_case.id) if own_case else [],
        "options": options,
        "covenant": active_covenant(session) if options else None,
        "people": _people(session, investigation),
        "entry_form": forms.get("entry_form")
        or EntryForm(formdata=None, happened_on=local_today()),
        "file_form": forms.get("file_form") or AttachmentForm(formdata=None),
        "outcome_form": forms.get("outcome_form")
        or OutcomeForm(formdata=None, decided_on=local_today()),
        "subtenant_form": forms.get("subtenant_form") or SubtenantForm(formdata=None),
        "refer_form": refer_form,
        "seal_form": ActionForm(formdata=None),
        "seal_error": forms.get("seal_error"),
    }


def _people(session: Session, investigation: FraudInvestigation) -> dict[int, str]:
    """Who opened, recorded, decided and sealed: display names by user id."""
    ids = {e.created_by_id for e in investigation.entries}
    ids |= {f.sealed_by_id for f in investigation.court_files}
    ids |= {investigation.opened_by_id, investigation.outcome_by_id}
    wanted = {i for i in ids if i is not None}
    return {
        user.id: user.display_name
        for user in session.scalars(select(User).where(User.id.in_(wanted)))
    }
