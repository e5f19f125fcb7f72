"""What the law asks us to tell besides her data (GDPR art. 15(1)): for which purposes, to
which recipients, on which legal basis, how long it is kept, where it came from, and her
rights; all read from the covenant in force."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from handover.decisions.models import Decision
from handover.models import Referral
from handover.my_data.facts import CategoryUse, Processing, Recipient, Retention, Right, Source
from portal.cases.models import Case, Signal
from portal.covenant.rules import Covenant
from portal.covenant.views import plain_duration
from portal.i18n import join_words
from portal.sharing import Revealed
from portal.workdays import local_date

SIGNAL_SOURCE = {
    "form": _l("%(org)s zette uw gegevens in het portaal."),
    "import": _l("%(org)s gaf uw huurachterstand door in het maandelijkse bestand."),
    "api": _l("Het computersysteem van %(org)s gaf uw huurachterstand door."),
}


def _held_categories(covenant: Covenant, shown: Revealed) -> list[str]:
    """The categories of what was shown of her case (what her owner holds about her), in the
    covenant's order."""
    return [c for c in covenant.categories if shown.allowed(c)]


def _shared_purposes(
    covenant: Covenant, referrals: list[Referral], decisions: list[Decision], records: list[Any]
) -> list[str]:
    codes = [r.purpose for r in referrals] + [d.purpose for d in decisions]
    codes += [r.purpose for r in records]
    return [c for c in dict.fromkeys(codes) if c in covenant.purposes]


def processing(
    covenant: Covenant,
    case: Case,
    owner: str,
    shown: Revealed,
    referrals: list[Referral],
    decisions: list[Decision],
    records: list[Any],
    lang: str,
    not_the_owners: Collection[str] = (),
) -> tuple[Processing, ...]:
    """The owner's own work on her case, then each covenant purpose that applies to it, with
    every recipient role, its partners, and the basis per category (from the covenant).
    ``not_the_owners``: categories shown to her that a partner keeps for itself (where the
    shelter point says she can stay): the owner does not hold them, so they are not listed
    under its work; the partner's purpose lists them."""
    contract = _(
        "U heeft een huurcontract met %(org)s. Voor dat contract en om een huurachterstand met "
        "u op te lossen, mogen zij deze gegevens gebruiken.",
        org=owner,
    )
    own_roles = join_words(
        (
            covenant.roles[r].name.get(lang)
            for r in covenant.roles_of(case.organisation.slug)
            if r in covenant.roles
        ),
        lang,
    )
    found = [
        Processing(
            purpose=_("Uw dossier bij %(org)s", org=owner),
            explained=_(
                "%(org)s houdt uw dossier bij. Zij willen samen met u voorkomen dat u uw huis "
                "kwijtraakt.",
                org=owner,
            ),
            recipients=(
                Recipient(
                    organisations=(owner,),
                    role=own_roles,
                    categories=tuple(
                        CategoryUse(_category_name(covenant, c, lang), _("Huurcontract"), contract)
                        for c in _held_categories(covenant, shown)
                        if c not in not_the_owners
                    ),
                ),
            ),
        )
    ]
    for code in _shared_purposes(covenant, referrals, decisions, records):
        purpose = covenant.purposes[code]
        recipients = []
        for role, package in purpose.sharing.items():
            bases = [(c, covenant.legal_bases[b]) for c, b in package.items()]
            recipients.append(
                Recipient(
                    organisations=tuple(
                        covenant.partners[s].name.get(lang)
                        for s in covenant.partners_with_role(role)
                    ),
                    role=covenant.roles[role].name.get(lang),
                    categories=tuple(
                        CategoryUse(
                            _category_name(covenant, c, lang),
                            basis.name.get(lang),
                            basis.plain.get(lang),
                        )
                        for c, basis in bases
                    ),
                )
            )
        found.append(Processing(purpose.name.get(lang), purpose.plain.get(lang), tuple(recipients)))
    return tuple(found)


def _category_name(covenant: Covenant, code: str, lang: str) -> str:
    category = covenant.categories.get(code)
    return category.name.get(lang) if category is not None else _("Onbekend")


def retention(
    covenant: Covenant,
    case: Case,
    shown: Revealed,
    referrals: list[Referral],
    decisions: list[Decision],
    records: list[Any],
    lang: str,
) -> tuple[Retention, ...]:
    """How long each category of her case is kept after the case closes (the covenant's
    ``retention_days``), and the day it goes once the case is closed."""
    codes = set(_held_categories(covenant, shown))
    for code in _shared_purposes(covenant, referrals, decisions, records):
        for package in covenant.purposes[code].sharing.values():
            codes |= set(package)
    closed = local_date(case.closed_at) if case.closed_at else None
    found = []
    for category in covenant.categories.values():
        if category.code not in codes:
            continue
        days = category.retention_days
        found.append(
            Retention(
                category=category.name.get(lang),
                description=category.description.get(lang),
                period=plain_duration(days),
                days=days,
                until=closed + timedelta(days=days) if closed is not None else None,
            )
        )
    return tuple(found)


def sources(
    signals: list[Signal], items: list[Any], names: dict[int, str], owner: str, consented: bool
) -> tuple[Source, ...]:
    """Where her data came from: the signals that opened or updated her case, the
    organisations that wrote down what they did with her, and her own answers."""
    found = [
        Source(
            s.signal_date,
            str(SIGNAL_SOURCE.get(s.source, SIGNAL_SOURCE["form"]))
            % {"org": names.get(s.organisation_id, owner)},
        )
        for s in signals
    ]
    if not signals:
        found.append(Source(None, str(SIGNAL_SOURCE["form"]) % {"org": owner}))
    for org_id in dict.fromkeys(i.organisation_id for i in items):
        found.append(
            Source(
                None,
                _("%(org)s schreef gegevens op uit hun contact met u.", org=names.get(org_id, "")),
            )
        )
    if consented:
        found.append(Source(None, _("Uw toestemming gaf u zelf.")))
    return tuple(found)


def rights() -> tuple[Right, ...]:
    return (
        Right(
            _("Inzien"),
            _(
                "U mag altijd vragen welke gegevens de organisaties over u hebben, en wie ze "
                "heeft bekeken."
            ),
        ),
        Right(
            _("Verbeteren"),
            _("Klopt er iets niet? Dan mag u vragen om het te verbeteren."),
        ),
        Right(
            _("Wissen"),
            _(
                "U mag vragen om gegevens te wissen. Soms moet een organisatie gegevens nog "
                "bewaren. Dan hoort u waarom."
            ),
        ),
        Right(
            _("Bezwaar maken"),
            _(
                "Bent u het niet eens met hoe een organisatie uw gegevens gebruikt? Dan mag u "
                "bezwaar maken."
            ),
        ),
        Right(
            _("Toestemming intrekken"),
            _(
                "Heeft u ja gezegd? Dan mag u dat altijd weer intrekken. Dat is net zo "
                "makkelijk als ja zeggen."
            ),
        ),
        Right(
            _("Klagen"),
            _(
                "Heeft u een klacht over hoe er met uw gegevens wordt omgegaan? Dan kunt u die "
                "indienen bij de organisatie, of bij de Autoriteit Persoonsgegevens."
            ),
        ),
    )
