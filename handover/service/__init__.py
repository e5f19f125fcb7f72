"""The referral life cycle: every transition is one function with its rules.

draft → sent → accepted | declined | returned | expired | withdrawn → in_progress →
completed | escalated (the next rung of the covenant's ladder takes over). Each transition
locks the referral row and checks the version the user saw, so two people acting at once
produce exactly one outcome; the loser gets ``Conflict``. Every transition is recorded as a
``ReferralEvent`` and in the audit log, and the other side is told by e-mail (a reference and
a link only). Every change of status goes through ``common.move``, which also stores what the
referral grants now (``case_grant``): its package while it is active, nothing once closed.

One module per subject: ``common`` (who may act, the lock, ``move``), ``sending``,
``receiving``, ``closing`` (decline, return, withdraw), ``ladder`` (reopen, escalate),
``deadlines``, ``groundwork`` (the receiver's checks) and ``stopped_consent``. Callers use
this package's names: ``from handover import service``.
"""

from handover.service.closing import DECLINE, RETURN, WITHDRAW, decline, return_to_sender, withdraw
from handover.service.common import (
    REASON_MAX,
    PackageItem,
    Proposal,
    clean_reason,
    lock,
    move,
    notify_party,
    require_staff,
)
from handover.service.deadlines import SlaResult, check_sla
from handover.service.groundwork import ITEM_CATEGORIES, check_item, item_checks
from handover.service.ladder import escalate, escalate_locked, may_offer_next, next_step, reopen
from handover.service.receiving import accept, report, tenant_reached
from handover.service.sending import ask_consent, propose, send, send_many, send_on_behalf
from handover.service.stopped_consent import consent_ended

__all__ = [
    "DECLINE",
    "ITEM_CATEGORIES",
    "REASON_MAX",
    "RETURN",
    "WITHDRAW",
    "PackageItem",
    "Proposal",
    "SlaResult",
    "accept",
    "ask_consent",
    "check_item",
    "check_sla",
    "clean_reason",
    "consent_ended",
    "decline",
    "escalate",
    "escalate_locked",
    "item_checks",
    "lock",
    "may_offer_next",
    "move",
    "next_step",
    "notify_party",
    "propose",
    "reopen",
    "report",
    "require_staff",
    "return_to_sender",
    "send",
    "send_many",
    "send_on_behalf",
    "tenant_reached",
    "withdraw",
]
