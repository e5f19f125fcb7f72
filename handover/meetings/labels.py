"""Case meetings in words: the tenant's answer, the confidentiality statement, the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ANSWER_LABELS = {"coming": _l("Komt"), "not_coming": _l("Komt niet")}
#: The tenant's own words for her answer (B1).
ANSWER_WORDS = {"coming": _l("U komt"), "not_coming": _l("U komt niet")}
STATEMENT = _l(
    "Ik ben bij dit casusoverleg als gast. Ik hoor en zie hier gegevens over mensen en hun "
    "situatie. Ik houd die geheim: ik vertel ze aan niemand door, ik schrijf ze niet op en ik "
    "maak er geen foto of opname van. Dat blijft zo, ook na het overleg. Alleen als de wet mij "
    "verplicht iets te melden, mag ik dat doen."
)
ACTION_LABELS = {
    "meeting.plan": _l("Casusoverleg gepland"),
    "meeting.agenda": _l("Casus op de agenda van een casusoverleg gezet"),
    "meeting.invite": _l("Partner uitgenodigd voor een casusoverleg"),
    "meeting.invite_tenant": _l("Huurder uitgenodigd voor een casusoverleg"),
    "meeting.tenant_answer": _l("Huurder antwoordde op de uitnodiging voor een casusoverleg"),
    "meeting.close": _l("Bespreking in een casusoverleg afgesloten"),
    "meeting.guest": _l("Gast aangemeld voor een casusoverleg"),
    "meeting.guest_signed": _l("Gast tekende de geheimhoudingsverklaring"),
    "meeting.minutes": _l("Verslag van een casusoverleg vastgelegd"),
    "meeting.agreement": _l("Afspraak in een casusoverleg gemaakt"),
    "meeting.view": _l("Bespreking in een casusoverleg bekeken"),
}
