"""Nuisance files in words: kinds, sources, an agreement's status, the audit log's actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "noise": _l("Geluid"),
    "threats": _l("Bedreiging of agressie"),
    "hoarding": _l("Vervuiling of verzamelen"),
    "drugs": _l("Drugs"),
    "pets": _l("Huisdieren"),
    "other": _l("Anders"),
}
SOURCE_LABELS = {
    "neighbour": _l("Buren"),
    "police": _l("Politie"),
    "own_observation": _l("Eigen waarneming van de corporatie"),
    "other": _l("Iemand anders"),
}
STATUS_LABELS = {
    "open": _l("Loopt nog"),
    "kept": _l("Nagekomen"),
    "broken": _l("Niet nagekomen"),
}
ACTION_LABELS = {
    "nuisance.report": _l("Overlastmelding vastgelegd"),
    "nuisance.agreement": _l("Afspraak over overlast vastgelegd"),
    "nuisance.kept": _l("Afspraak over overlast nagekomen"),
    "nuisance.broken": _l("Afspraak over overlast niet nagekomen"),
    "nuisance.view": _l("Overlastdossier bekeken"),
}
