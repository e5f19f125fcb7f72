"""Emergency access in words: the reasons, the verdicts and the audit log's actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REASON_LABELS = {
    "danger_to_life": _l("Levensgevaar voor de huurder of een huisgenoot"),
    "danger_to_others": _l("Gevaar voor anderen"),
    "child_safety": _l("Een kind is niet veilig"),
    "homeless_tonight": _l("Vannacht zonder dak, met kinderen of kwetsbaar"),
}
VERDICT_LABELS = {
    "justified": _l("Terecht gebruikt"),
    "unjustified": _l("Niet terecht gebruikt"),
}
ACTION_LABELS = {
    "emergency.open": _l("Noodtoegang geopend"),
    "emergency.end": _l("Noodtoegang beëindigd"),
    "emergency.expire": _l("Noodtoegang verlopen"),
    "emergency.review": _l("Noodtoegang getoetst"),
    "emergency.view": _l("Reden van noodtoegang bekeken"),
}
