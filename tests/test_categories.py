"""One declaration of categories: every personal field of every model belongs to exactly one
data category of the covenant, declared next to its column with ``personal(kind, category)``.

The policy point decides per category, so a personal column without one could never be shown
to a partner on purpose, nor withheld on purpose: it would fall outside every rule. These
tests walk every mapped model, so a new model or column is checked without being listed.
"""

from __future__ import annotations

import importlib
import pkgutil
import tomllib

import pytest

import consent
import handover
import portal
from portal.cases.models import Person
from portal.cases.models.case import HOUSEHOLD
from portal.crypto.fields import EncryptedRow, encrypted_columns
from portal.db import Base
from portal.demo import DEMO_COVENANT

COVENANT_CATEGORIES = set(tomllib.loads(DEMO_COVENANT.read_text())["categories"])


def _import_every_model() -> None:
    for package in (portal, consent, handover):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module.name.endswith(".models") or ".models." in module.name:
                importlib.import_module(module.name)


def _models_with_personal_data() -> list[type]:
    _import_every_model()
    found = [m.class_ for m in Base.registry.mappers if encrypted_columns(m.class_)]
    assert found, "no model with encrypted columns: the walk found nothing"
    return sorted(found, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("model", _models_with_personal_data(), ids=lambda m: m.__name__)
def test_every_personal_column_has_exactly_one_covenant_category(model):
    assert issubclass(model, EncryptedRow), f"{model.__name__} must be an EncryptedRow"
    columns = set(encrypted_columns(model))
    declared = model.__categories__
    assert columns - set(declared) == set(), f"{model.__name__}: personal columns without category"
    assert set(declared) - columns == set(), f"{model.__name__}: categories for no column"
    assert set(declared.values()) <= COVENANT_CATEGORIES, model.__name__


def test_every_member_but_the_main_tenant_is_household_data_entirely():
    """Names, birth dates, relation and the minor flag of the other members are household."""
    child = Person(is_main_tenant=False)
    tenant = Person(is_main_tenant=True)
    for field in encrypted_columns(Person):
        assert child.category_of(field) == HOUSEHOLD, field
    assert tenant.category_of("surname") == "identity"
    assert tenant.category_of("birth_date") == "identity"
    assert Person.__categories__["minor"] == HOUSEHOLD


def test_the_minor_flag_is_not_stored_in_the_clear():
    assert "minor" in encrypted_columns(Person)
    plain = {c.name for c in Person.__table__.columns} - {
        column for column, _kind in encrypted_columns(Person).values()
    }
    assert not any("minor" in name for name in plain), plain
