"""Display names of the statistics' groups, in the user's language: the case room's statuses,
plus the group of erased cases, which only the statistics have."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.cases.labels import STATUS_LABELS as CASE_STATUS_LABELS
from portal.reports.service import ERASED

STATUS_LABELS = {**CASE_STATUS_LABELS, ERASED: _l("Gewist")}
