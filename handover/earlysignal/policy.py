"""Who may know a signal case, and the one place that decides what the signalling partner
learns of it.

* The signal case is the municipality's: only the organisation the signal was sent to loads
  it (``load_signal``; anyone else gets NotFound, as for a missing one), and only it reads
  what it recorded (``reveal_own``: its contact attempts and its reason), even though the
  case itself belongs to the corporation.
* The corporation that sent the signal learns what the VNG model permits
  (``sender_feedback``): whether the signal was picked up, and the outcome only when it is
  one meant for the signalling partner (a repeat, an unjustified signal, the resident died,
  no longer a resident). Never the reason behind "not picked up: other reason", never
  another outcome, never a contact attempt or a date of one. Every page, fragment and file
  the sender sees of a signal asks this function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from handover.earlysignal.labels import FEEDBACK_LABELS, OUTCOME_LABELS
from handover.earlysignal.models import (
    EITHER,
    NOT_PICKED_UP,
    SHARED_WITH_SENDER,
    EarlySignal,
)
from handover.models import Referral
from portal.accounts.roles import CASEWORK_ROLES
from portal.actor import Actor
from portal.crypto.fields import EncryptedRow
from portal.errors import NotFound
from portal.sharing import Revealed, reveal_recorded

#: The referral statuses whose meaning for an early signal the feedback replaces; the others
#: (withdrawn by the sender, declined, returned) the sender sees as for any referral.
FEEDBACK_STATUSES = ("sent", "accepted", "in_progress", "completed")


def visible_signals(actor: Actor) -> ColumnElement[bool]:
    """The signal cases the actor may know: those of signals sent to its organisation."""
    if actor.kind != "staff" or actor.organisation_id is None or not actor.roles & CASEWORK_ROLES:
        return EarlySignal.id.is_(None)
    return EarlySignal.recipient_org_id == actor.organisation_id


def load_signal(
    session: Session, actor: Actor, referral_id: int, *loads: ExecutableOption
) -> EarlySignal:
    """The signal case of a referral, if the actor's organisation received the signal."""
    signal = session.scalar(
        select(EarlySignal)
        .where(EarlySignal.referral_id == referral_id, visible_signals(actor))
        .options(*loads)
    )
    if signal is None:
        raise NotFound()
    return signal


def reveal_own(
    session: Session,
    actor: Actor,
    signal: EarlySignal,
    fields: Mapping[EncryptedRow, Iterable[str]],
) -> Revealed:
    """The municipality's own records of the signal, for the municipality only (audited)."""
    referral = signal.referral
    return reveal_recorded(
        session,
        actor,
        referral.case,
        signal.recipient_org_id,
        fields,
        purpose=referral.purpose,
    )


@dataclass(frozen=True)
class Feedback:
    """What the signalling partner learns: ``waiting``, ``picked_up`` or ``not_picked_up``,
    and an outcome code only when the model lets the signaller know it."""

    state: str
    outcome: str | None = None

    @property
    def text(self) -> str:
        label = str(FEEDBACK_LABELS[self.state])
        if self.outcome is None:
            return label
        if self.outcome in NOT_PICKED_UP:  # its label says "niet opgepakt" already
            return str(OUTCOME_LABELS[self.outcome])
        return str(_l("%(state)s: %(outcome)s", state=label, outcome=OUTCOME_LABELS[self.outcome]))


def sender_feedback(signal: EarlySignal) -> Feedback:
    """The single rule for what the sender of a signal may learn of the municipality's work."""
    if signal.outcome in NOT_PICKED_UP:
        shared = signal.outcome if signal.outcome in SHARED_WITH_SENDER else None
        return Feedback("not_picked_up", shared)
    if signal.outcome in EITHER:
        return Feedback("picked_up" if signal.picked_up else "not_picked_up", signal.outcome)
    if signal.picked_up or signal.outcome is not None:
        return Feedback("picked_up")
    return Feedback("waiting")


def feedback_for(session: Session, referrals: Iterable[Referral]) -> dict[int, Feedback]:
    """The sender's feedback for every signal among ``referrals`` (one query), by referral
    id; a referral that is no signal, or whose status the feedback does not replace, has
    none."""
    wanted = [r.id for r in referrals if r.status in FEEDBACK_STATUSES]
    if not wanted:
        return {}
    signals = session.scalars(select(EarlySignal).where(EarlySignal.referral_id.in_(wanted)))
    return {s.referral_id: sender_feedback(s) for s in signals}
