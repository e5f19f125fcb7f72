"""The shelter hand-over in words: the checklist's items and the audit log's actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ITEM_LABELS = {
    "shelter_arranged": _l("Opvang geregeld"),
    "school_informed": _l("School van de kinderen ingelicht"),
    "care_informed": _l("Zorg voor de kinderen ingelicht"),
}
ITEM_HINTS = {
    "shelter_arranged": _l("Waar het gezin terechtkan en vanaf wanneer. Alleen uw organisatie "
                           "leest dit; de corporatie ziet dat het geregeld is."),
    "school_informed": _l("Met wie u sprak (school, leerplicht), als u dat wilt vastleggen."),
    "care_informed": _l("Met wie u sprak (wijkteam, jeugdhulp), als u dat wilt vastleggen."),
}  # fmt: skip
ACTION_LABELS = {
    "shelter.started": _l("Opvang na ontruiming gestart"),
    "shelter.no_partner": _l("Geen meldpunt opvang in het convenant"),
    "shelter.item_done": _l("Punt voor de opvang afgevinkt"),
    "shelter.ready": _l("Opvang na ontruiming voorbereid"),
    "shelter.referred_again": _l("Opnieuw aangemeld bij de opvang"),
    "shelter.view": _l("Opvang na ontruiming bekeken"),
}
