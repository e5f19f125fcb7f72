"""Conditions followed up, in words: review results, how a trajectory ended, audit actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REVIEW_LABELS = {
    "kept": _l("Nagekomen"),
    "breached": _l("Niet nagekomen"),
}
END_LABELS = {
    "kept": _l("Goed afgerond: de voorwaarden zijn nagekomen"),
    "broken": _l("Verbroken: de voorwaarden zijn niet nagekomen"),
}
ACTION_LABELS = {
    "condition.added": _l("Voorwaarde van een traject vastgelegd"),
    "condition.reviewed": _l("Voorwaarde getoetst"),
    "trajectory.ended": _l("Einde van een traject vastgelegd"),
    "conditions.view": _l("Voorwaarden van een traject bekeken"),
}
