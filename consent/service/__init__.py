"""Consent operations: ask, prove who you are, give, withdraw, expire, acknowledge.

Every function takes the session and the acting ``Actor``, enforces the rules, writes its
audit event, flushes and never commits. Personal data is read only through the policy point
(``portal.sharing.reveal``), with a system actor where the portal itself must look (sending
an invitation, checking a birth date), so every look is audited.

The life of a consent, one module per step:

1. ``request_consent`` (``asking``): a professional of the case's owner asks for a purpose,
   recipients and categories (those whose covenant basis is consent: ``options``; what goes
   by law anyway: ``law``). Invitations (``invitations``) go by e-mail (outbox), SMS (after
   commit) and/or a printed letter; each link carries its own single-use token. Categories
   the tenant refused (``refusal``) are asked again only with a reason.
2. ``start_link_challenge`` / ``verify_challenge`` (``identity``): the tenant proves who they
   are with a one-time code (``codes``) and their birth date (or ``identity_from_bsn`` after
   a DigiD-style broker); too many failures lock the check for a while (``lockout``).
3. ``answer_request`` (``answers``): the tenant's granular choices become immutable
   ``ConsentRecord`` rows (``records``, one per recipient), with the exact statement they
   confirmed (``statements``). Professionals record consent given on paper or verbally
   (``offline``).
4. ``withdraw`` / ``expire_due`` (``withdrawal``): a ``ConsentEvent``; the owner is
   notified, every recipient organisation that received data under the consent must
   acknowledge (``notices``), and the ``on_consent_withdrawn`` hooks run.

Callers use this package as one: ``from consent import service; service.withdraw(...)``.
"""

from consent.service._common import first_adult
from consent.service.answers import answer_request
from consent.service.asking import (
    LANGUAGES,
    QUICK_CHANNELS,
    VALIDITY_DAYS,
    ask_missing,
    cancel_request,
    pending_request,
    request_consent,
)
from consent.service.identity import (
    IDENTITY_ACTOR,
    IdentityRefused,
    identity_from_bsn,
    proved_mandate,
    start_link_challenge,
    start_return_challenge,
    verify_challenge,
)
from consent.service.invitations import INVITATION_ACTOR, open_invitation, send_again
from consent.service.law import LawNotice, law_notices
from consent.service.links import case_consent_url, tenant_link
from consent.service.notices import acknowledge, received_under
from consent.service.offline import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    Evidence,
    confirm_verbal,
    record_offline,
)
from consent.service.options import (
    RecipientOption,
    clean_items,
    consent_categories,
    consent_purposes,
    recipient_options,
)
from consent.service.records import GDPR_CONSENT, GDPR_EXPLICIT_CONSENT, Answer
from consent.service.refusal import Refusal, refusals
from consent.service.representative import MANDATE_LABELS, Representative
from consent.service.statements import (
    STATEMENT_VERSION,
    recipient_name,
    statement,
    tenant_statement,
    text_sha256,
    valid_until_for,
)
from consent.service.withdrawal import expire_due, withdraw

__all__ = [
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "GDPR_CONSENT",
    "GDPR_EXPLICIT_CONSENT",
    "IDENTITY_ACTOR",
    "INVITATION_ACTOR",
    "LANGUAGES",
    "MANDATE_LABELS",
    "QUICK_CHANNELS",
    "STATEMENT_VERSION",
    "VALIDITY_DAYS",
    "Answer",
    "Evidence",
    "IdentityRefused",
    "LawNotice",
    "RecipientOption",
    "Refusal",
    "Representative",
    "acknowledge",
    "answer_request",
    "ask_missing",
    "cancel_request",
    "case_consent_url",
    "clean_items",
    "confirm_verbal",
    "consent_categories",
    "consent_purposes",
    "expire_due",
    "first_adult",
    "identity_from_bsn",
    "law_notices",
    "open_invitation",
    "pending_request",
    "proved_mandate",
    "received_under",
    "recipient_name",
    "recipient_options",
    "record_offline",
    "refusals",
    "request_consent",
    "send_again",
    "start_link_challenge",
    "start_return_challenge",
    "statement",
    "tenant_link",
    "tenant_statement",
    "text_sha256",
    "valid_until_for",
    "verify_challenge",
    "withdraw",
]
