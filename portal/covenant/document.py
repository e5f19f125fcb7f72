"""Reading a covenant file (TOML) into a checked, normalised document.

The covenant is the one place where the chain's rules live, so a file that is wrong in any way
is refused as a whole, with every problem named by its place in the file
(``purposes.debt_help.sharing.welfare2: unknown role 'welfare2'``). Nothing here touches the
database: the caller passes the organisation slugs it knows, and gets back plain JSON-able data
that ``portal.covenant.rules.Covenant`` turns into answers. The format is documented in
``docs/covenant.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: The file format this portal reads (the ``format`` key at the top of the file).
FORMAT = 1
LANGUAGES = ("nl", "en", "tr", "ar")
REQUIRED_LANGUAGES = ("nl", "en")
#: Languages a tenant may read; tenant-facing texts without them fall back to Dutch.
TENANT_LANGUAGES = ("tr", "ar")
BASIS_KINDS = ("statutory", "consent")
DECISION_RULES = ("unanimity", "majority")
#: What approving a joint decision leads to: an assignment to carry it out (an eviction), a
#: conditional trajectory (last chance, second chance, behavioural instruction), or only the
#: sealed record.
DECISION_EFFECTS = ("assignment", "trajectory", "record")
#: The kinds of facts the portal can show as evidence under a prevention step (the providers
#: in ``handover/decisions/prevention.py``). The groundwork kinds are reserved for the
#: groundwork records (contact attempts per channel, payment arrangements).
EVIDENCE_KINDS = (
    "referrals",
    "crisis_involvement",
    "household",
    "contact_attempts",
    "payment_arrangements",
    "nuisance",
)

#: When a referral ends without help (declined, returned, expired): offer the next rung at
#: once ("automatic", when one partner plays it), or put the choice before the sender.
ESCALATIONS = ("automatic", "sender")
#: Days the sender has to choose the next step before the coordinating role is alerted.
DEFAULT_ESCALATION_DAYS = 5
#: Emergency access lasts hours, never days (``purposes.X.emergency_hours``).
MAX_EMERGENCY_HOURS = 72
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
ACTIVITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,59}$")
#: NEN 7513 asks the audit log be kept at least five years.
MIN_AUDIT_YEARS = 5
MAX_AUDIT_YEARS = 100
#: The Besluit gemeentelijke schuldhulpverlening (art. 2) starts rent signals at 30 days.
MIN_SIGNAL_DAYS_OVERDUE = 30
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Problem:
    """One error or warning, at a dotted place in the file."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class Parsed:
    document: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)


class CovenantFileError(ValueError):
    """The file is not a valid covenant; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.warnings = warnings or []


def parse(source: str, known_slugs: Collection[str] | None = None) -> Parsed:
    """Parse and check a covenant file; raise ``CovenantFileError`` listing all errors.

    ``known_slugs`` are the organisations in the database; a partner without one is refused
    (its acceptance could never be given, and no referral could reach it). ``None`` skips that
    check, for tools that look at a file without a database.
    """
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise CovenantFileError([_toml_problem(source, str(exc))]) from None
    checker = _Checker(known_slugs)
    document = checker.document(raw)
    if checker.errors:
        raise CovenantFileError(checker.errors, checker.warnings)
    return Parsed(document=document, warnings=checker.warnings)


# --- TOML syntax errors, told by place --------------------------------------------------------

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_DECLARE_TWICE = re.compile(r"^Cannot declare \((.*)\) twice")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _dotted(parts: list[str]) -> str:
    return ".".join(p.strip().strip("'\"") for p in parts if p.strip())


def _toml_problem(source: str, message: str) -> Problem:
    """Turn tomllib's message into a place and a plain message (duplicates by their path)."""
    match = _AT.search(message)
    line = int(match.group(1)) if match else None
    text = _AT.sub("", message)
    where = f"line {line}" if line else "end of file"
    declared = _DECLARE_TWICE.match(text)
    if declared:
        path = _dotted(declared.group(1).rstrip(",").split(","))
        return Problem(path, f"declared twice ({where})")
    if text.startswith("Cannot overwrite a value") and line:
        key = _key_at_line(source, line)
        if key:
            return Problem(key, f"declared twice ({where})")
    return Problem(where, f"not valid TOML: {text[:1].lower()}{text[1:]}")


def _key_at_line(source: str, line: int) -> str | None:
    """The dotted key defined on ``line``, prefixed by the table header above it."""
    lines = source.splitlines()
    if line > len(lines):
        return None
    table: list[str] = []
    for text in lines[: line - 1]:
        header = _HEADER.match(text)
        if header:
            table = header.group(1).split(".")
    header = _HEADER.match(lines[line - 1])
    if header:
        return _dotted(header.group(1).split("."))
    key, sep, _value = lines[line - 1].partition("=")
    if not sep:
        return None
    return _dotted([*table, *key.split(".")])


# --- the checker ------------------------------------------------------------------------------

_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    int: "a whole number",
    float: "a number with decimals",
    bool: "true or false",
    dict: "a table",
    list: "an array",
    date: "a date",
}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Checker:
    """Walks the parsed TOML once, collecting every error rather than stopping at the first."""

    def __init__(self, known_slugs: Collection[str] | None) -> None:
        self.known_slugs = None if known_slugs is None else set(known_slugs)
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(Problem(path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(path, message))

    # -- primitives

    def _is(self, path: str, value: Any, kind: type, expected: str) -> bool:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            self.error(path, f"expected {expected}, got {_type_name(value)}")
        return ok

    def fields(
        self,
        path: str,
        value: Any,
        required: Mapping[str, Callable[[str, Any], Any]],
        optional: Mapping[str, Callable[[str, Any], Any]] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Check a table's keys (unknown and missing ones) and each value with its checker."""
        if not self._is(path, value, dict, "a table"):
            return None
        optional = optional or {}
        result: dict[str, Any] = dict(defaults or {})
        for key, item in value.items():
            check = required.get(key) or optional.get(key)
            if check is None:
                self.error(_join(path, key), "unknown key")
                continue
            result[key] = check(_join(path, key), item)
        for key in required:
            if key not in value:
                self.error(_join(path, key), "missing required key")
                result[key] = None
        return result

    def string(self, path: str, value: Any) -> str | None:
        if not self._is(path, value, str, "a string"):
            return None
        if not value.strip():
            self.error(path, "must not be empty")
            return None
        return value.strip()

    def boolean(self, path: str, value: Any) -> bool | None:
        return value if self._is(path, value, bool, "true or false") else None

    def days(self, path: str, value: Any) -> int | None:
        if not self._is(path, value, int, "a whole number of days"):
            return None
        if value < 1:
            self.error(path, f"must be at least 1 day, got {value}")
            return None
        return value

    def emergency_hours(self, path: str, value: Any) -> int | None:
        """How long emergency access under this purpose lasts: short, by design."""
        if not self._is(path, value, int, "a whole number of hours"):
            return None
        if not 1 <= value <= MAX_EMERGENCY_HOURS:
            self.error(path, f"must be 1 to {MAX_EMERGENCY_HOURS} hours, got {value}")
            return None
        return value

    def one_of(self, choices: tuple[str, ...]) -> Callable[[str, Any], str | None]:
        def check(path: str, value: Any) -> str | None:
            if not self._is(path, value, str, "a string"):
                return None
            if value not in choices:
                listed = ", ".join(f"'{c}'" for c in choices)
                self.error(path, f"must be one of {listed}, got '{value}'")
                return None
            return value

        return check

    def text(self, path: str, value: Any, *, tenant: bool = False) -> dict[str, str] | None:
        """A display text per language: Dutch and English required, Turkish and Arabic optional.

        A tenant-facing text without Turkish or Arabic is accepted with a warning: the tenant
        summary shows the Dutch text in those languages.
        """
        if isinstance(value, str):
            self.error(path, 'expected a table of languages, e.g. { nl = "…", en = "…" }')
            return None
        result = self.fields(
            path,
            value,
            required=dict.fromkeys(REQUIRED_LANGUAGES, self.string),
            optional={lang: self.string for lang in LANGUAGES if lang not in REQUIRED_LANGUAGES},
        )
        if result is None:
            return None
        if tenant:
            for lang in TENANT_LANGUAGES:
                if lang not in value:
                    self.warn(path, f"no '{lang}' text; tenants reading '{lang}' see Dutch")
        return {k: v for k, v in result.items() if v is not None}

    def tenant_text(self, path: str, value: Any) -> dict[str, str] | None:
        return self.text(path, value, tenant=True)

    def codes_table(self, path: str, value: Any) -> dict[str, Any]:
        """A table of entries keyed by a snake_case code."""
        if not self._is(path, value, dict, "a table"):
            return {}
        for key in value:
            if not CODE.match(key):
                self.error(_join(path, key), "code must be snake_case (a-z, 0-9 and _)")
        return value

    def code_list(
        self,
        path: str,
        value: Any,
        known: Collection[str],
        what: str,
        *,
        allow_empty: bool = True,
    ) -> list[str]:
        """An array of codes that must each exist in ``known`` and appear once."""
        if not self._is(path, value, list, "an array"):
            return []
        if not value and not allow_empty:
            self.error(path, f"must name at least one {what}")
        seen: set[str] = set()
        result: list[str] = []
        for i, item in enumerate(value):
            where = _join(path, i)
            if not self._is(where, item, str, f"a {what} code"):
                continue
            if item not in known:
                self.error(where, f"unknown {what} '{item}'")
            elif item in seen:
                self.error(where, f"{what} '{item}' appears twice")
            else:
                seen.add(item)
                result.append(item)
        return result

    # -- sections

    def document(self, raw: dict[str, Any]) -> dict[str, Any]:
        sections = {
            "format": lambda p, v: v,
            "covenant": lambda p, v: v,
            "roles": self.codes_table,
            "partners": lambda p, v: v,
            "categories": self.codes_table,
            "legal_bases": self.codes_table,
            "purposes": self.codes_table,
        }
        optional = {
            "prevention_steps": self.codes_table,
            "decisions": self.codes_table,
            "audit": lambda p, v: v,
            "signalling": lambda p, v: v,
        }
        top = self.fields("", raw, sections, optional) or {}
        fmt = raw.get("format")
        if fmt is not None and self._is("format", fmt, int, "a whole number") and fmt != FORMAT:
            self.error("format", f"unsupported format {fmt} (this portal reads {FORMAT})")

        def section(name: str) -> dict[str, Any]:
            value = top.get(name)
            return value if isinstance(value, dict) else {}

        covenant = self.covenant(section_raw=raw.get("covenant"))
        audit = self.audit(raw.get("audit"))
        roles = self.roles(section("roles"))
        categories = self.categories(section("categories"))
        bases = self.legal_bases(section("legal_bases"))
        steps = self.prevention_steps(section("prevention_steps"))
        partners = self.partners(raw.get("partners"), roles)
        played = {role for p in partners.values() for role in p.get("roles") or []}
        for code in roles:
            if code not in played:
                self.warn(f"roles.{code}", "no partner plays this role")
        if isinstance(top.get("purposes"), dict) and not top["purposes"]:
            self.error("purposes", "must name at least one purpose")
        purposes = self.purposes(section("purposes"), roles, categories, bases, played)
        decisions = self.decisions(section("decisions"), roles, purposes, steps, played)
        signalling = self.signalling(raw.get("signalling"), purposes)
        shared = {c for p in purposes.values() for pkg in p["sharing"].values() for c in pkg}
        for code, category in categories.items():
            kept = category.get("third_party") or category.get("owner_only")
            if code not in shared and not kept:
                self.warn(f"categories.{code}", "never shared under any purpose")
        return {
            "format": FORMAT,
            "covenant": covenant,
            "roles": roles,
            "partners": partners,
            "categories": categories,
            "legal_bases": bases,
            "prevention_steps": steps,
            "purposes": purposes,
            "decisions": decisions,
            "audit": audit,
            "signalling": signalling,
        }

    def audit(self, raw: Any) -> dict[str, Any]:
        """How long the audit log is kept, and the processing activity of a partner's own
        work on its own cases (NEN 7513): an identifier in the register of processing
        activities (AVG art. 30) the partners keep."""
        defaults = {"retention_years": MIN_AUDIT_YEARS, "own_processing_activity": "case_work"}
        if raw is None:
            return defaults

        def years(path: str, value: Any) -> int | None:
            if not self._is(path, value, int, "a whole number of years"):
                return None
            if not MIN_AUDIT_YEARS <= value <= MAX_AUDIT_YEARS:
                self.error(
                    path,
                    f"must be {MIN_AUDIT_YEARS} (NEN 7513) to {MAX_AUDIT_YEARS} years, got {value}",
                )
                return None
            return value

        result = self.fields(
            "audit",
            raw,
            required={},
            optional={"retention_years": years, "own_processing_activity": self.identifier},
            defaults=defaults,
        )
        return result or defaults

    def signalling(self, raw: Any, purposes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Early signalling under the Wgs: when a case may be reported to the municipality
        (a threshold on amount and days overdue) and the municipality's legal deadlines.
        Absent: the covenant does not arrange early signalling, and nothing is reported."""
        if raw is None:
            return None

        def purpose(path: str, value: Any) -> str | None:
            code = self.string(path, value)
            if code is not None and code not in purposes:
                self.error(path, f"unknown purpose {code!r}")
                return None
            return code

        def whole(minimum: int, unit: str) -> Callable[[str, Any], int | None]:
            def check(path: str, value: Any) -> int | None:
                if not self._is(path, value, int, f"a whole number of {unit}"):
                    return None
                if value < minimum:
                    self.error(path, f"must be at least {minimum} {unit}, got {value}")
                    return None
                return value

            return check

        defaults = {
            "min_amount_euro": 0,
            "first_conversation_weeks": 4,
            "crisis_working_days": 3,
            "decision_weeks": 8,
        }
        return self.fields(
            "signalling",
            raw,
            required={
                "purpose": purpose,
                "min_days_overdue": whole(MIN_SIGNAL_DAYS_OVERDUE, "days"),
            },
            optional={
                "min_amount_euro": whole(0, "euro"),
                "first_conversation_weeks": whole(1, "weeks"),
                "crisis_working_days": whole(1, "working days"),
                "decision_weeks": whole(1, "weeks"),
            },
            defaults=defaults,
        )

    def identifier(self, path: str, value: Any) -> str | None:
        """An identifier into a register kept outside the portal: printable, at most 60."""
        if not self._is(path, value, str, "a string"):
            return None
        if not ACTIVITY.match(value):
            self.error(path, "must be 1 to 60 letters, digits, '.', '_', ':' or '-'")
            return None
        return value

    def covenant(self, section_raw: Any) -> dict[str, Any]:
        if section_raw is None:
            return {}

        def effective(path: str, value: Any) -> str | None:
            if isinstance(value, date) and not hasattr(value, "hour"):
                return value.isoformat()
            self.error(path, f"expected a date (YYYY-MM-DD), got {_type_name(value)}")
            return None

        result = self.fields(
            "covenant",
            section_raw,
            required={"region": self.string, "title": self.tenant_text},
            optional={"effective_from": effective},
            defaults={"effective_from": None},
        )
        return result or {}

    def roles(self, raw: dict[str, Any]) -> dict[str, Any]:
        result = {}
        for code, value in raw.items():
            entry = self.fields(
                f"roles.{code}",
                value,
                required={"name": self.tenant_text, "involvement_visible": self.boolean},
                optional={"crisis_response": self.boolean, "coordinates": self.boolean},
                defaults={"crisis_response": False, "coordinates": False},
            )
            if entry is not None:
                result[code] = entry
        return result

    def partners(self, raw: Any, roles: Mapping[str, Any]) -> dict[str, Any]:
        if raw is None or not self._is("partners", raw, dict, "a table"):
            return {}
        if not raw:
            self.error("partners", "must name at least one partner")
        result = {}
        for slug, value in raw.items():
            path = f"partners.{slug}"
            if not SLUG.match(slug):
                self.error(path, "slug must be lowercase letters, digits and -, at most 40")
            elif self.known_slugs is not None and slug not in self.known_slugs:
                self.error(path, f"no organisation with slug '{slug}' in the database")
            entry = self.fields(
                path,
                value,
                required={
                    "name": self.text,
                    "roles": lambda p, v: self.code_list(p, v, roles, "role", allow_empty=False),
                },
            )
            if entry is not None:
                result[slug] = entry
        return result

    def categories(self, raw: dict[str, Any]) -> dict[str, Any]:
        result = {}
        for code, value in raw.items():
            entry = self.fields(
                f"categories.{code}",
                value,
                required={
                    "name": self.tenant_text,
                    "description": self.tenant_text,
                    "retention_days": self.days,
                },
                optional={
                    "special": self.boolean,
                    "third_party": self.boolean,
                    "owner_only": self.boolean,
                },
                defaults={"special": False, "third_party": False, "owner_only": False},
            )
            if entry is not None:
                result[code] = entry
        return result

    def legal_bases(self, raw: dict[str, Any]) -> dict[str, Any]:
        result = {}
        for code, value in raw.items():
            path = f"legal_bases.{code}"
            entry = self.fields(
                path,
                value,
                required={
                    "kind": self.one_of(BASIS_KINDS),
                    "name": self.tenant_text,
                    "plain": self.tenant_text,
                },
                optional={"reference": self.string, "special_categories": self.boolean},
                defaults={"reference": None, "special_categories": False},
            )
            if entry is None:
                continue
            if entry["kind"] == "statutory" and "reference" not in value:
                self.error(
                    f"{path}.reference", "missing required key (a statutory basis names its law)"
                )
            result[code] = entry
        return result

    def prevention_steps(self, raw: dict[str, Any]) -> dict[str, Any]:
        result = {}
        for code, value in raw.items():
            entry = self.fields(
                f"prevention_steps.{code}",
                value,
                required={"name": self.text},
                optional={
                    "evidence": lambda p, v: self.code_list(p, v, EVIDENCE_KINDS, "evidence kind")
                },
                defaults={"evidence": list(EVIDENCE_KINDS)},
            )
            if entry is not None:
                result[code] = entry
        return result

    def purposes(
        self,
        raw: dict[str, Any],
        roles: Mapping[str, Any],
        categories: Mapping[str, Any],
        bases: Mapping[str, Any],
        played: set[str],
    ) -> dict[str, Any]:
        result = {}
        for code, value in raw.items():
            path = f"purposes.{code}"
            entry = self.fields(
                path,
                value,
                required={
                    "name": self.tenant_text,
                    "plain": self.tenant_text,
                    "sharing": lambda p, v: self.sharing(p, v, roles, categories, bases),
                },
                optional={
                    "ladder": lambda p, v: v,
                    "processing_activity": self.identifier,
                    "escalation": self.one_of(ESCALATIONS),
                    "escalation_days": self.days,
                    "emergency_hours": self.emergency_hours,
                },
                defaults={
                    "ladder": [],
                    "processing_activity": code,
                    "escalation": "sender",
                    "escalation_days": DEFAULT_ESCALATION_DAYS,
                },
            )
            if entry is None:
                continue
            entry["sharing"] = entry.get("sharing") or {}
            entry["ladder"] = self.ladder(
                f"{path}.ladder", value.get("ladder", []), roles, entry["sharing"], played
            )
            result[code] = entry
        return result

    def sharing(
        self,
        path: str,
        value: Any,
        roles: Mapping[str, Any],
        categories: Mapping[str, Any],
        bases: Mapping[str, Any],
    ) -> dict[str, dict[str, str]]:
        """``recipient_role -> {category: legal basis}``; every category needs its basis."""
        if not self._is(path, value, dict, "a table"):
            return {}
        result: dict[str, dict[str, str]] = {}
        for role, package in value.items():
            where = _join(path, role)
            if role not in roles:
                self.error(where, f"unknown role '{role}'")
                continue
            if not self._is(where, package, dict, "a table of category = legal basis"):
                continue
            if not package:
                self.error(where, "shares no categories (leave the role out instead)")
            checked: dict[str, str] = {}
            for category, basis in package.items():
                at = _join(where, category)
                if category not in categories:
                    self.error(at, f"unknown category '{category}'")
                    continue
                if categories[category].get("third_party"):
                    self.error(
                        at,
                        f"category '{category}' holds third parties' data (third_party = true) "
                        "and is shared with no one",
                    )
                    continue
                if categories[category].get("owner_only"):
                    self.error(
                        at,
                        f"category '{category}' stays with the case's owner (owner_only = true) "
                        "and is shared with no one",
                    )
                    continue
                if basis == "":
                    self.error(at, f"category '{category}' has no legal basis")
                    continue
                if not self._is(at, basis, str, "a legal basis code"):
                    continue
                if basis not in bases:
                    self.error(at, f"unknown legal basis '{basis}'")
                    continue
                found = bases[basis]
                if (
                    categories[category].get("special")
                    and found.get("kind") != "consent"
                    and not found.get("special_categories")
                ):
                    self.error(
                        at,
                        f"special category '{category}' needs consent or a basis that allows "
                        f"special categories, not '{basis}'",
                    )
                    continue
                checked[category] = basis
            result[role] = checked
        return result

    def ladder(
        self,
        path: str,
        value: Any,
        roles: Mapping[str, Any],
        sharing: Mapping[str, Any],
        played: set[str],
    ) -> list[dict[str, Any]]:
        """The escalation ladder: recipient roles in order, each with its SLA days."""
        if not self._is(path, value, list, "an array of tables ([[...ladder]])"):
            return []
        rungs: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            where = _join(path, i)
            rung = self.fields(
                where,
                item,
                required={
                    "role": self.string,
                    "response_days": self.days,
                    "first_contact_days": self.days,
                },
            )
            if rung is None or rung.get("role") is None:
                continue
            role = rung["role"]
            at = f"{where}.role"
            if role not in roles:
                self.error(at, f"unknown role '{role}'")
            elif role in seen:
                self.error(at, f"role '{role}' appears twice in the ladder")
            elif role not in sharing:
                self.error(
                    at, f"role '{role}' receives nothing under this purpose (no sharing.{role})"
                )
            elif role not in played:
                self.error(at, f"no partner plays role '{role}'")
            else:
                seen.add(role)
                rungs.append(rung)
        return rungs

    def decisions(
        self,
        raw: dict[str, Any],
        roles: Mapping[str, Any],
        purposes: Mapping[str, Any],
        steps: Mapping[str, Any],
        played: set[str],
    ) -> dict[str, Any]:
        result = {}
        for code, value in raw.items():
            path = f"decisions.{code}"

            def roles_list(p: str, v: Any, *, allow_empty: bool = True) -> list[str]:
                return self.code_list(p, v, roles, "role", allow_empty=allow_empty)

            def purpose(p: str, v: Any) -> str | None:
                if not self._is(p, v, str, "a purpose code"):
                    return None
                if v not in purposes:
                    self.error(p, f"unknown purpose '{v}'")
                    return None
                return v

            entry = self.fields(
                path,
                value,
                required={
                    "name": self.text,
                    "purpose": purpose,
                    "voters": lambda p, v: roles_list(p, v, allow_empty=False),
                    "rule": self.one_of(DECISION_RULES),
                    "voting_days": self.days,
                },
                optional={
                    "veto": roles_list,
                    "voters_if_minors": roles_list,
                    "prevention_steps": lambda p, v: self.code_list(p, v, steps, "prevention step"),
                    "effect": self.one_of(DECISION_EFFECTS),
                    "min_months": self.months,
                    "alternatives": lambda p, v: self.code_list(p, v, raw, "decision"),
                    "shelter_handover": purpose,
                    "shelter_before_bailiff_if_minors": self.boolean,
                },
                defaults={
                    "veto": [],
                    "voters_if_minors": [],
                    "prevention_steps": [],
                    "effect": "record",
                    "min_months": None,
                    "alternatives": [],
                    "shelter_handover": None,
                    "shelter_before_bailiff_if_minors": False,
                },
            )
            if entry is None:
                continue
            self._shelter(path, entry, purposes)
            if entry.get("effect") == "trajectory" and "min_months" not in value:
                self.error(
                    f"{path}.min_months", "missing required key (a trajectory has a minimum length)"
                )
            elif entry.get("effect") != "trajectory" and "min_months" in value:
                self.error(f"{path}.min_months", "only a decision with effect 'trajectory' has one")
            voters = entry.get("voters") or []
            extra = entry.get("voters_if_minors") or []
            for i, role in enumerate(extra):
                if role in voters:
                    self.error(f"{path}.voters_if_minors[{i}]", f"role '{role}' already votes")
            everyone = [*voters, *extra]
            for i, role in enumerate(entry.get("veto") or []):
                if role not in everyone:
                    self.error(f"{path}.veto[{i}]", f"role '{role}' is not a voter")
            sharing = purposes.get(entry.get("purpose") or "", {}).get("sharing", {})
            for key, listed in (("voters", voters), ("voters_if_minors", extra)):
                for i, role in enumerate(listed):
                    at = f"{path}.{key}[{i}]"
                    if role not in played:
                        self.error(at, f"no partner plays role '{role}'")
                    elif entry.get("purpose") and role not in sharing:
                        self.error(
                            at,
                            f"role '{role}' must vote but receives nothing under purpose "
                            f"'{entry['purpose']}'",
                        )
            result[code] = entry
        for code, entry in result.items():
            for i, other in enumerate(entry.get("alternatives") or []):
                at = f"decisions.{code}.alternatives[{i}]"
                if other == code:
                    self.error(at, "a decision cannot be its own alternative")
                elif other in result and result[other].get("effect") != "trajectory":
                    self.error(
                        at, f"decision '{other}' is not a trajectory (effect = 'trajectory')"
                    )
        return result

    def _shelter(self, path: str, entry: dict[str, Any], purposes: Mapping[str, Any]) -> None:
        """The shelter hand-over follows an approved eviction: only with an assignment, under
        a purpose with a shelter point to refer to; the bailiff rule needs the hand-over."""
        shelter = entry.get("shelter_handover")
        if shelter and entry.get("effect") not in (None, "assignment"):
            self.error(
                f"{path}.shelter_handover", "only a decision with effect 'assignment' has one"
            )
        elif shelter and not purposes.get(shelter, {}).get("ladder"):
            self.error(
                f"{path}.shelter_handover",
                f"purpose '{shelter}' has no ladder: nobody to hand the household over to",
            )
        if entry.get("shelter_before_bailiff_if_minors") and not shelter:
            self.error(
                f"{path}.shelter_before_bailiff_if_minors",
                "needs shelter_handover: the purpose of the hand-over it waits for",
            )

    def months(self, path: str, value: Any) -> int | None:
        if not self._is(path, value, int, "a whole number of months"):
            return None
        if value < 1:
            self.error(path, f"must be at least 1 month, got {value}")
            return None
        return value
