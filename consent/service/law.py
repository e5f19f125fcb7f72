"""What goes to whom by law for a purpose, whatever the tenant answers."""

from __future__ import annotations

from dataclasses import dataclass

from portal.covenant.rules import Covenant, LegalBasis


@dataclass(frozen=True)
class LawNotice:
    """Categories that go to one recipient role for a purpose by law, whatever the tenant
    answers: the partners playing the role, the statutory basis and the categories."""

    role: str
    partners: tuple[str, ...]
    basis: LegalBasis
    categories: tuple[str, ...]


def law_notices(covenant: Covenant, purpose: str) -> list[LawNotice]:
    """What goes to whom by law for ``purpose``, regardless of consent.

    A tenant asked for consent easily reads her "no" as "nobody gets anything"; the pages
    must say first what a statutory basis (such as the Wgs for debt help) passes on anyway.
    Derived from the covenant's sharing rules (every category whose basis is not consent),
    so the notice changes with the covenant and is never written into a template. One
    notice per recipient role and basis, categories in covenant order; none for a purpose
    the covenant does not know.
    """
    if purpose not in covenant.purposes:
        return []
    notices = []
    for role in covenant.recipients(purpose):
        package = covenant.sharing_package(purpose, role)
        by_basis: dict[str, list[str]] = {}
        for category in covenant.categories:
            basis = package.get(category)
            if basis is not None and not basis.is_consent:
                by_basis.setdefault(basis.code, []).append(category)
        for code, categories in by_basis.items():
            notices.append(
                LawNotice(
                    role,
                    covenant.partners_with_role(role),
                    covenant.legal_bases[code],
                    tuple(categories),
                )
            )
    return notices
