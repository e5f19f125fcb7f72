"""The export for the national monitor (Monitor Vroegsignalering): one municipality's early
signals of a period, with its contact attempts and outcome, in the VNG model's shape.

No names and no BSN leave the portal this way: of the resident only the birth date, postcode,
house number and its addition, as the monitor asks. The values come from the municipality's
own signal cases (what it received and recorded, ``EarlySignal``), read through the policy
point in one audited look naming every case, so the export is the same before and after the
corporation's referral closed. The JSON document is checked against the schema kept in
``docs/schemas/vroegsignalering-monitor.schema.json`` before it is handed out: a document
that does not fit is a bug, never a file sent to the monitor.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import jsonschema
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from handover.earlysignal.models import EarlySignal
from handover.earlysignal.policy import visible_signals
from handover.models import Referral
from portal import ROOT
from portal.accounts.models import Organisation
from portal.actor import Actor
from portal.cases.signal_csv.values import split_house_number
from portal.sharing import plain, reveal_list

SCHEMA_PATH = ROOT / "docs" / "schemas" / "vroegsignalering-monitor.schema.json"
#: The model's own words (not translated: the monitor reads them).
KINDS = {
    "mail": "Mail",
    "letter": "Brief",
    "sms_whatsapp": "SMS/Whatsapp",
    "phone": "Telefoon",
    "house_visit": "Huisbezoek",
    "card": "Kaartje",
    "other": "Overige",
    "administrative": "Administratief",
}
DAY_PARTS = {"morning": "Ochtend", "afternoon": "Middag", "evening": "Avond"}
RESULTS = {
    "not_picked_up_repeat": "Niet opgepakt: herhaalde melding",
    "not_picked_up_unjustified": "Niet opgepakt: onterecht signaal",
    "deceased": "Inwoner is overleden",
    "not_resident": "Persoon is geen inwoner (meer) in de gemeente",
    "not_picked_up_other": "Niet opgepakt: andere reden",
    "known_to_debt_help": "Inwoner al bekend bij schuldhulpverlening",
    "other_trajectory": "Inwoner heeft al een ander lopend traject",
    "no_contact": "Definitief geen contact kunnen krijgen",
    "no_response_after_contact": "Geen reactie na eerder contact",
    "no_help_wanted": "Inwoner hoeft geen hulp vanuit vroegsignalering",
    "already_paid": "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    "budget_advice_quick_fix": "(Budget)advies en/of quick fix",
    "follow_up_financial": "Vervolghulp en/of verwijzing financieel",
    "referral_without_contact": "Verwijzing zonder contact",
    "follow_up_non_financial": "Vervolghulp en/of verwijzing niet financieel",
}
#: A housing corporation reports rent arrears: the model's partner type "Huur".
PARTNER_TYPE = "Huur"

SIGNAL_FIELDS = ("amount_cents", "arrears_since", "birth_date", "postcode", "house_number")
ATTEMPT_FIELDS = ("kind", "reached", "attempted_on", "day_part")

CSV_COLUMNS = (
    "signaal_id",
    "signaalpartner_type",
    "crisissignaal",
    "warmeOverdracht",
    "bedrag",
    "ontstaansdatum",
    "signaaldatum",
    "geboortedatum",
    "postcode",
    "huisnummer",
    "huisnummertoevoeging",
    "contactpogingen",
    "contactpogingen_bereikt",
    "eerste_contactpoging",
    "datum_opgepakt",
    "resultaat",
)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _day(value: Any) -> str | None:
    value = plain(value)
    return value.isoformat() if isinstance(value, date) else None


def _euros(cents: Any) -> str | None:
    cents = plain(cents)
    return f"{cents // 100}.{cents % 100:02d}" if isinstance(cents, int) and cents >= 0 else None


def document(
    session: Session, actor: Actor, start: date, end: date, *, now: datetime
) -> dict[str, Any]:
    """The monitor document of the actor's organisation for signals sent from ``start`` up
    to and including ``end``; one audit event names every case it reads."""
    signals = list(
        session.scalars(
            select(EarlySignal)
            .where(visible_signals(actor), EarlySignal.signal_date.between(start, end))
            .options(
                selectinload(EarlySignal.attempts),
                joinedload(EarlySignal.referral).joinedload(Referral.case),
            )
            .order_by(EarlySignal.signal_date, EarlySignal.id)
        )
    )
    rows = []
    for signal in signals:
        fields: dict[Any, tuple[str, ...]] = {signal: SIGNAL_FIELDS}
        fields.update(dict.fromkeys(signal.attempts, ATTEMPT_FIELDS))
        rows.append((signal.referral.case, fields))
    shown = reveal_list(
        session,
        actor,
        rows,
        action="earlysignal.monitor_export",
        recorder_org_id=actor.organisation_id or 0,
        purpose=signals[0].referral.purpose if signals else None,
    )
    organisation = session.get(Organisation, actor.organisation_id)
    result = {
        "formaat": 1,
        "gemeente": organisation.name if organisation is not None else "",
        "periode": {"van": start.isoformat(), "tot_en_met": end.isoformat()},
        "aangemaakt": now.replace(microsecond=0).isoformat(),
        "signalen": [_signal(s, revealed) for s, revealed in zip(signals, shown, strict=True)],
    }
    jsonschema.validate(result, schema(), format_checker=jsonschema.FormatChecker())
    return result


def _signal(signal: EarlySignal, revealed: Any) -> dict[str, Any]:
    values = revealed.of(signal)
    number = plain(values["house_number"])
    house, addition = split_house_number(number) if number else (None, None)
    postcode = plain(values["postcode"])
    attempts = []
    for attempt in signal.attempts:
        seen = revealed.of(attempt)
        kind, day = plain(seen["kind"]), _day(seen["attempted_on"])
        if kind not in KINDS or day is None:
            continue
        attempts.append(
            {
                "soort": KINDS[kind],
                "bereikt": plain(seen["reached"]) == "yes",
                "datum": day,
                "dagdeel": DAY_PARTS.get(plain(seen["day_part"]) or ""),
            }
        )
    return {
        "signaal_id": signal.referral.case.reference + f"-{signal.id}",
        "signaalpartner": {"type": PARTNER_TYPE},
        "crisissignaal": signal.crisis,
        "warmeOverdracht": signal.warm_handover,
        "bedrag": _euros(values["amount_cents"]),
        "ontstaansdatum": _day(values["arrears_since"]),
        "signaaldatum": signal.signal_date.isoformat(),
        "client": {
            "geboortedatum": _day(values["birth_date"]),
            "postcode": postcode.replace(" ", "").upper() if postcode else None,
            "huisnummer": house,
            "huisnummertoevoeging": addition,
        },
        "contactpogingen": attempts,
        "zaak": {
            "datum_opgepakt": signal.picked_up_on.isoformat() if signal.picked_up_on else None,
            "resultaat": RESULTS.get(signal.outcome or ""),
        },
    }


def as_csv(doc: dict[str, Any]) -> str:
    """The same signals as one CSV row each (``;``-separated, as Dutch spreadsheets read it):
    the contact attempts summed up as their number, how many reached the resident, and the
    date of the first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in doc["signalen"]:
        attempts = s["contactpogingen"]
        client = s["client"]
        writer.writerow(
            [
                s["signaal_id"],
                s["signaalpartner"]["type"],
                "ja" if s["crisissignaal"] else "nee",
                "ja" if s["warmeOverdracht"] else "nee",
                (s["bedrag"] or "").replace(".", ","),
                s["ontstaansdatum"] or "",
                s["signaaldatum"],
                client["geboortedatum"] or "",
                client["postcode"] or "",
                client["huisnummer"] or "",
                client["huisnummertoevoeging"] or "",
                len(attempts),
                sum(1 for a in attempts if a["bereikt"]),
                min((a["datum"] for a in attempts), default=""),
                s["zaak"]["datum_opgepakt"] or "",
                s["zaak"]["resultaat"] or "",
            ]
        )
    return out.getvalue()
