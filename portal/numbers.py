"""Numbers from outside: ids in URLs, integers in query strings, money amounts in forms and files.

Python's integers have no upper bound, the database's do (PostgreSQL ``integer`` ends at
2^31-1; SQLite refuses anything beyond 2^63-1 before it reaches the table), and the sealed
money format is a fixed 8 bytes. So a number a person typed or a URL carried is checked here,
once, before it reaches a query or a service: an impossible id is simply not found, an
impossible page number is no page number, and an impossible amount is a form error.
Only ASCII digits count: ``int()`` also reads Arabic-Indic and other Unicode digits, which no
screen of ours produces.
"""

from __future__ import annotations

import re
from typing import Any, overload

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, ValidationError

#: The largest id a table can hold (PostgreSQL ``integer``), and so the largest id a URL names.
MAX_ID = 2**31 - 1
#: The largest audit sequence number (a ``bigint``): the cursor of the audit log's pages.
MAX_SEQ = 2**63 - 1
#: The largest amount the portal accepts anywhere (arrears, income, debts, agreements): far
#: above any household's rent arrears, far below where a mistyped number would become absurd.
MAX_EUROS = 10_000_000
MAX_CENTS = MAX_EUROS * 100

_DIGITS = re.compile(r"[0-9]{1,19}")
_AMOUNT = re.compile(
    r"^(?:(?P<plain>\d+)(?:[.,](?P<plain_cents>\d{1,2}))?"
    r"|(?P<dotted>\d{1,3}(?:\.\d{3})+)(?:,(?P<dotted_cents>\d{1,2}))?"
    r"|(?P<commaed>\d{1,3}(?:,\d{3})+)(?:\.(?P<commaed_cents>\d{1,2}))?)$",
    re.ASCII,
)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every URL rule: ASCII digits naming 1..MAX_ID, anything else is 404.

    Registered as ``int`` on the app (``init_app``) so no rule can forget it; ids start at 1
    everywhere (database ids, question numbers, covenant version numbers).
    """

    regex = r"[0-9]+"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # no need to turn a thousand digits into an int
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Any) -> None:
    """Before any blueprint: a rule picks its converter when it is added to the map."""
    app.url_map.converters["int"] = IdConverter


def parse_int(text: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """ASCII digits naming a number in ``low..high``, or None."""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


@overload
def query_int(
    args: MultiDict[str, str], name: str, *, default: int, low: int = 1, high: int = MAX_ID
) -> int: ...
@overload
def query_int(
    args: MultiDict[str, str],
    name: str,
    *,
    default: None = None,
    low: int = 1,
    high: int = MAX_ID,
) -> int | None: ...
def query_int(
    args: MultiDict[str, str],
    name: str,
    *,
    default: int | None = None,
    low: int = 1,
    high: int = MAX_ID,
) -> int | None:
    """An integer query argument within ``low..high``, or ``default``.

    A query string is navigation (a page cursor, a period), never a form: a value that is
    not a plain number in range is treated as absent rather than as an error page.
    """
    number = parse_int(args.get(name, ""), low=low, high=high)
    return default if number is None else number


class AmountError(ValueError):
    """Not an amount; the message is translatable and names no value."""


class AmountTooHigh(AmountError):
    """An amount above ``MAX_EUROS``."""


#: Longer is no amount anyone writes (``10.000.000,00`` is 13), even if it is a thousand zeros.
MAX_AMOUNT_LENGTH = 20


def parse_cents(text: str) -> int:
    """Euros as people write them (1.250,50 or 1250.50 or € 1250) as whole cents.

    A single separator followed by three digits groups thousands (``1.234`` is 1234 euros).
    Raises ``AmountError`` for anything else, ``AmountTooHigh`` above ``MAX_EUROS``.
    """
    value = text.strip().replace("€", "").replace(" ", "")
    match = _AMOUNT.match(value) if len(value) <= MAX_AMOUNT_LENGTH else None
    if not match:
        raise AmountError(_l("geen geldig bedrag (bijvoorbeeld 1250,00)"))
    groups = match.groupdict()
    for whole, cents in (
        ("plain", "plain_cents"),
        ("dotted", "dotted_cents"),
        ("commaed", "commaed_cents"),
    ):
        if groups[whole] is not None:
            digits = re.sub(r"\D", "", groups[whole]).lstrip("0")
            if len(digits) > len(str(MAX_EUROS)):  # no int() of a thousand digits
                raise AmountTooHigh(too_high_message())
            total = int(digits or "0") * 100 + int((groups[cents] or "0").ljust(2, "0"))
            if total > MAX_CENTS:
                raise AmountTooHigh(too_high_message())
            return total
    raise AmountError(_l("geen geldig bedrag (bijvoorbeeld 1250,00)"))  # pragma: no cover


def too_high_message() -> Any:
    return _l("Vul een bedrag in tot € 10.000.000")
