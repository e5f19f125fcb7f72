"""Audit events in plain words: actions, bases, categories, roles and organisations.

The log stores codes (``case.view``, ``statutory:wgs_help``, ``consent:12``, ``identity``);
people read words. Codes that belong to the chain (categories, legal bases, roles, partner
names) are looked up in the covenant, in the reader's language; the portal's own codes
(actions, portal roles) have translated labels here. Packages that add actions (consent,
handover) register their labels with ``register_action_labels`` from their ``init_app``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.labels import ROLE_LABELS
from portal.accounts.models import Organisation
from portal.audit.models import AuditEvent

#: Professional labels per action code (Dutch source text, translated).
ACTION_LABELS: dict[str, Any] = {
    "case.view": _l("Gegevens bekeken"),
    "case.create": _l("Casus aangemaakt"),
    "case.search": _l("Gezocht op persoonsgegevens"),
    "case.list": _l("Casuslijst bekeken"),
    "case.update": _l("Casus gewijzigd"),
    "case.signal": _l("Signaal bij de casus gevoegd"),
    "case.known_elsewhere": _l("Nagegaan of de huurder bij andere partners bekend is"),
    "person.add": _l("Persoon toegevoegd"),
    "person.remove": _l("Persoon verwijderd"),
    "groundwork.add": _l("Voorwerk vastgelegd"),
    "groundwork.update": _l("Voorwerk gewijzigd"),
    "groundwork.life_map": _l("Levenskaart bijgewerkt"),
    "signals.upload": _l("Signalenbestand geüpload"),
    "signals.import": _l("Signalen geïmporteerd"),
    "signals.api": _l("Signalen aangeleverd door een gekoppeld systeem"),
    "api.client_registered": _l("Gekoppeld systeem geregistreerd"),
    "api.client_secret": _l("Nieuw geheim voor een gekoppeld systeem"),
    "api.client_revoked": _l("Gekoppeld systeem uitgezet"),
    "api.token": _l("Toegangstoken uitgegeven aan een gekoppeld systeem"),
    "api.token_revoked": _l("Toegangstoken ingetrokken"),
    "api.webhook_set": _l("Webhook-adres van een gekoppeld systeem ingesteld"),
    "api.webhook_removed": _l("Webhook-adres van een gekoppeld systeem verwijderd"),
    "api.referral": _l("Overdracht gelezen door een gekoppeld systeem"),
    "person.update": _l("Persoonsgegevens gewijzigd"),
    "tenant.say": _l("De huurder schreef een eigen kijk of een vraag"),
    "tenant.say_answered": _l("Vraag van de huurder beantwoord"),
    "tenant.correction": _l("De huurder gaf een nieuw contactgegeven door"),
    "tenant.correction_decided": _l("Nieuw contactgegeven van de huurder bevestigd of afgewezen"),
    "tenant.correction_read": _l("Nieuw contactgegeven van de huurder gelezen om over te nemen"),
    "tenant.my_case": _l("De huurder bekeek de eigen zaak"),
    "tenant.my_data": _l("De huurder bekeek of downloadde de eigen gegevens"),
    "mandate.record": _l("Wettelijk vertegenwoordiger vastgelegd"),
    "mandate.end": _l("Wettelijke vertegenwoordiging beëindigd"),
    "keys.shred": _l("Sleutel vernietigd: gegevens voorgoed gewist"),
    "keys.rotate": _l("Sleutels opnieuw verpakt"),
    "keys.new_master_key": _l("Nieuwe hoofdsleutel gemaakt"),
    "retention.erase": _l("Gegevens gewist na de bewaartermijn"),
    "audit.export": _l("Logboek geëxporteerd"),
    "audit.read": _l("Logboek ingezien"),
    "auth.login": _l("Ingelogd"),
    "auth.login_failed": _l("Inloggen mislukt"),
    "auth.lockout": _l("Account tijdelijk geblokkeerd"),
    "auth.mfa_verified": _l("Code uit de app goedgekeurd"),
    "auth.mfa_enrolled": _l("App voor inlogcodes ingesteld"),
    "auth.mfa_enrol_failed": _l("Instellen van de app mislukt"),
    "auth.recovery_code_used": _l("Herstelcode gebruikt"),
    "auth.logout": _l("Uitgelogd"),
    "auth.logout_everywhere": _l("Overal uitgelogd"),
    "auth.session_ended": _l("Sessie beëindigd door het portaal"),
    "auth.password_changed": _l("Wachtwoord gewijzigd"),
    "auth.reauthenticated": _l("Identiteit opnieuw bevestigd"),
    "auth.reauth_failed": _l("Opnieuw bevestigen mislukt"),
    "account.invitation_sent": _l("Uitnodiging verstuurd"),
    "account.invitation_accepted": _l("Uitnodiging aanvaard"),
    "account.invitation_revoked": _l("Uitnodiging ingetrokken"),
    "account.deactivated": _l("Account uitgezet"),
    "account.reactivated": _l("Account weer aangezet"),
    "account.provisioned": _l("Account gemaakt via de inlogdienst van de organisatie"),
    "sso.refused": _l("Inloggen via de organisatie geweigerd"),
    "sso.settings_changed": _l("Instellingen van de organisatie-inlog gewijzigd"),
    "covenant.load": _l("Convenantversie geladen"),
    "covenant.accept": _l("Convenant aanvaard"),
    "covenant.activate": _l("Convenant geactiveerd"),
}

#: What the tenant reads about an action on their data (B1).
TENANT_ACTIONS: dict[str, Any] = {
    "case.view": _l("Bekeek uw gegevens"),
    "case.create": _l("Maakte uw dossier"),
    "person.update": _l("Veranderde uw gegevens"),
    "tenant.say_answered": _l("Beantwoordde uw vraag"),
    "tenant.correction_decided": _l("Keek naar uw nieuwe telefoonnummer of e-mailadres"),
    "mandate.record": _l("Legde vast wie u wettelijk vertegenwoordigt"),
    "retention.erase": _l("Wiste oude gegevens"),
    "keys.shred": _l("Wiste uw gegevens voor altijd"),
}
TENANT_ACTION_OTHER = _l("Gebruikte uw gegevens")

#: Bases that are not a legal basis of the covenant, for professionals.
BASIS_LABELS: dict[str, Any] = {
    "owner": _l("Eigen casus (de organisatie die de casus heeft)"),
    "data_subject": _l("De huurder zelf"),
    "system": _l("Taak van het portaal"),
    "recorder": _l("Eigen vastlegging van de organisatie"),
}

#: The same for tenants (B1).
TENANT_BASIS = {
    "owner": _l("Deze organisatie werkt aan uw dossier."),
    "consent": _l("U gaf hiervoor toestemming."),
    "system": _l("Het portaal deed dit zelf, volgens de afspraken tussen de organisaties."),
    "recorder": _l("Deze organisatie las wat zij zelf over uw contact vastlegde."),
}

PORTAL_SYSTEM = _l("Ketenportaal (automatisch)")


def register_action_labels(labels: Mapping[str, Any]) -> None:
    """Plug in the labels of a package's own actions (e.g. consent or handover events)."""
    ACTION_LABELS.update(labels)


def language() -> str:
    return str(get_locale()) if has_request_context() else "nl"


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def role_label(role: str | None) -> str:
    if not role:
        return ""
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


def covenant_or_none(session: Session) -> Any:
    """The rules in force, or None (the pages still work, with codes instead of names)."""
    from portal.covenant.rules import NoActiveCovenant, active_covenant

    try:
        return active_covenant(session)
    except NoActiveCovenant:
        return None


def hidden_partner(covenant: Any, organisation: Organisation | None) -> bool:
    """A partner whose every covenant role keeps its involvement from the other partners."""
    if covenant is None or organisation is None:
        return False
    roles = covenant.roles_of(organisation.slug)
    return bool(roles) and not any(covenant.roles[r].involvement_visible for r in roles)


def hidden_partner_ids(session: Session) -> set[int]:
    """Ids of the organisations whose involvement other partners may not be told."""
    covenant = covenant_or_none(session)
    if covenant is None:
        return set()
    return {o.id for o in session.scalars(select(Organisation)) if hidden_partner(covenant, o)}


def event_bases(event: AuditEvent, case_id: int | None = None) -> list[str]:
    """The distinct bases an event names: for one case of an event about many, that case's;
    else per category from ``detail`` when there, else the ``basis`` column (``;``-joined)."""
    if event.subjects and case_id is not None:
        found = dict(event.subject_list).get(case_id) or ""
        return sorted({b for b in found.split(";") if b})
    bases = event.detail_dict.get("bases") if event.detail and event.detail != "{}" else None
    if isinstance(bases, dict) and bases:
        return sorted({str(b) for b in bases.values() if b})
    return sorted({b for b in (event.basis or "").split(";") if b})


ON_BEHALF = {
    "mandate": _l("als vertegenwoordiger (machtiging %(ref)s)"),
    "emergency": _l("met noodtoegang (melding %(ref)s)"),
}


def basis_in_words(session: Session, basis: str | None) -> str:
    """One basis code of the policy point ("owner", "statutory:wgs_help", "consent:3") as a
    professional reads it (the Jinja filter ``basis_words``)."""
    if not basis:
        return ""
    return Describer(session, language(), covenant_or_none(session), {}).basis(basis)


def on_behalf_label(value: str | None) -> str:
    """On whose behalf an actor acted, in words ("" when for themself)."""
    if not value:
        return ""
    kind, _sep, ref = value.partition(":")
    text = ON_BEHALF.get(kind)
    return str(text) % {"ref": ref} if text is not None else value


HIDDEN_PARTNER = _l("Een andere ketenpartner (betrokkenheid afgeschermd)")


@dataclass
class Describer:
    """Turns codes into words for one page: organisations and the covenant are read once.

    ``viewer_organisation_id`` is the organisation of the professional who reads: another
    partner whose every covenant role has ``involvement_visible = false`` (care, mental
    health) is then not named, because telling that it is involved in a case already says
    something about the tenant. Without a viewer (the tenant reading about themself) every
    organisation is named.
    """

    session: Session
    lang: str
    covenant: Any
    organisations: dict[int, Organisation]
    viewer_organisation_id: int | None = None

    @classmethod
    def for_events(
        cls,
        session: Session,
        events: Iterable[AuditEvent],
        lang: str | None = None,
        *,
        viewer_organisation_id: int | None = None,
    ) -> Describer:
        org_ids = {e.organisation_id for e in events if e.organisation_id is not None}
        query = select(Organisation).where(Organisation.id.in_(org_ids))
        orgs = {o.id: o for o in session.scalars(query)} if org_ids else {}
        return cls(
            session, lang or language(), covenant_or_none(session), orgs, viewer_organisation_id
        )

    def hidden(self, organisation_id: int | None) -> bool:
        """Must this organisation's involvement stay unnamed for the viewer?"""
        if self.viewer_organisation_id is None or organisation_id is None:
            return False
        if organisation_id == self.viewer_organisation_id:
            return False
        return hidden_partner(self.covenant, self.organisations.get(organisation_id))

    # --- codes of the chain, from the covenant ------------------------------------------------

    def category(self, code: str) -> str:
        if self.covenant is not None and code in self.covenant.categories:
            return self.covenant.categories[code].name.get(self.lang)
        return code

    def categories(self, event: AuditEvent) -> list[str]:
        return [self.category(c) for c in event.category_list]

    def organisation(self, organisation_id: int | None) -> str:
        org = self.organisations.get(organisation_id) if organisation_id is not None else None
        if org is None:
            return ""
        if self.hidden(organisation_id):
            return str(HIDDEN_PARTNER)
        if self.covenant is not None and org.slug in self.covenant.partners:
            return self.covenant.partners[org.slug].name.get(self.lang)
        return org.name

    def chain_roles(self, organisation_id: int | None) -> str:
        """The covenant roles the organisation plays (e.g. "Schuldhulpcoach"), if a partner."""
        org = self.organisations.get(organisation_id) if organisation_id is not None else None
        if org is None or self.covenant is None or self.hidden(organisation_id):
            return ""
        roles = sorted(self.covenant.roles_of(org.slug))
        return " / ".join(self.covenant.roles[r].name.get(self.lang) for r in roles)

    def basis(self, basis: str) -> str:
        """One basis code for professionals: the covenant's name of the legal basis."""
        kind, _sep, code = basis.partition(":")
        if kind in BASIS_LABELS and not code:
            return str(BASIS_LABELS[kind])
        if kind == "statutory":
            legal = self.covenant.legal_bases.get(code) if self.covenant is not None else None
            return legal.name.get(self.lang) if legal else str(_l("Wettelijke grondslag"))
        if kind == "consent":
            name = self._consent_basis_name() or str(_l("Toestemming van de huurder"))
            return str(_l("%(name)s (toestemming nr. %(id)s)", name=name, id=code))
        return basis

    def bases(self, event: AuditEvent, case_id: int | None = None) -> list[str]:
        return [self.basis(b) for b in event_bases(event, case_id)]

    def _consent_basis_name(self) -> str | None:
        if self.covenant is None:
            return None
        names = [b.name.get(self.lang) for b in self.covenant.legal_bases.values() if b.is_consent]
        return names[0] if len(names) == 1 else None

    # --- for tenants (B1) -----------------------------------------------------------------------

    def tenant_reasons(
        self, event: AuditEvent, case_organisation_id: int | None, case_id: int | None = None
    ) -> list[str]:
        """Why, in plain words: the covenant's explanation of each legal basis, or a sentence."""
        bases = event_bases(event, case_id)
        if not bases:
            if event.actor_kind == "system":
                bases = ["system"]
            elif (
                event.organisation_id is not None and event.organisation_id == case_organisation_id
            ):
                bases = ["owner"]
        reasons: list[str] = []
        for basis in bases:
            kind, _sep, code = basis.partition(":")
            text: str | None = None
            if (
                kind == "statutory"
                and self.covenant is not None
                and code in self.covenant.legal_bases
            ):
                text = self.covenant.legal_bases[code].plain.get(self.lang)
            elif kind in TENANT_BASIS:
                text = str(TENANT_BASIS[kind])
            if text and text not in reasons:
                reasons.append(text)
        purpose = event.detail_dict.get("purpose") if event.detail != "{}" else None
        if purpose and self.covenant is not None and purpose in self.covenant.purposes:
            reasons.insert(0, self.covenant.purposes[purpose].name.get(self.lang) + ".")
        return reasons

    def tenant_action(self, action: str) -> str:
        return str(TENANT_ACTIONS.get(action, TENANT_ACTION_OTHER))
