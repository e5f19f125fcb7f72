"""Fixtures for the case pages: signed-in caseworkers, cases with groundwork, CSV files."""

from __future__ import annotations

import pytest

from portal.workdays import local_today

HEADER = (
    "tenant_number;bsn;surname;initials;birth_date;street;house_number;postcode;city;"
    "phone;email;arrears_amount;arrears_months;signal_date"
)


def row(
    bsn: str = "111222333",
    *,
    tenant_number: str = "H-1001",
    surname: str = "Testpersoon",
    initials: str = "A.",
    birth_date: str = "1985-03-04",
    street: str = "Dorpsstraat",
    house_number: str = "12",
    postcode: str = "1234 AB",
    city: str = "Demostad",
    phone: str = "0612345678",
    email: str = "",
    amount: str = "1.250,50",
    months: str = "2",
    signal_date: str = "2026-11-01",
) -> str:
    return ";".join(
        [
            tenant_number,
            bsn,
            surname,
            initials,
            birth_date,
            street,
            house_number,
            postcode,
            city,
            phone,
            email,
            amount,
            months,
            signal_date,
        ]
    )


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


@pytest.fixture
def caseworker(make_user):
    return make_user("corporatie", ("caseworker",))


@pytest.fixture
def signed_in(client, login, caseworker, session):
    """A client signed in as a caseworker of the corporation.

    Requests share the test's session: a view that rolls back after a refused change would
    take uncommitted fixtures with it. Committing here only releases a savepoint; the
    test's outer transaction is still rolled back at the end.
    """
    session.commit()
    return login(client, caseworker)


TODAY = local_today()


@pytest.fixture
def refer(session):
    """``refer(case, org_id, *categories, purpose=..., role=...)``: an active referral.

    Stands in for the handover package: it stores the grant an active referral would, so the
    organisation sees that one case, and may see the categories the covenant allows for the
    purpose and role.
    """
    from itertools import count

    from portal.grants import Grant, set_grants

    numbers = count(1)

    def make(case, org_id: int, *categories: str, purpose="debt_help", role="debt_coach"):
        source = f"test:{next(numbers)}"
        set_grants(
            session, case.id, source, [Grant(org_id, role, purpose, frozenset(categories), source)]
        )

    return make
