"""The download of "Mijn gegevens" for computers (JSON)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from handover.my_data.facts import MyData

#: The shape of the download, so a later change of fields can be told apart.
FORMAT = "ketenportaal-my-data-v1"


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def as_json(data: MyData) -> dict[str, Any]:
    """The download for computers: English keys, texts in her language, ISO dates, amounts in
    whole cents. Her BSN whole: it is her own file."""
    return {"format": FORMAT, **_json_value(asdict(data))}
