"""Invariant 1 in the code: every personal column is encrypted; one function decrypts.

Professional accounts (``user_account``), their invitations and organisations hold work
contact data, not tenant data, and are the only tables allowed plain personal-looking columns.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from portal import MODEL_MODULES, ROOT
from portal.crypto.fields import EncryptedType
from portal.db import Base

for _module in MODEL_MODULES:
    importlib.import_module(_module)

#: Column names that hold data about a person (tenant, household member, representative).
PERSONAL = re.compile(
    r"(surname|initials|first_name|given_name|full_name|birth|bsn|phone|e_?mail|street"
    r"|house_number|postcode|city|address|arrears|amount|debt|income|note|motivation"
    r"|life_map|remark|situation|health)"
)
WORK_CONTACT_TABLES = {"user_account", "organisation", "invitation"}

#: Modules allowed to call ``decrypt_field``: the crypto layer, the blind-index check, the
#: policy point (decide, audit, then decrypt), and the outbox, which reads a recipient only
#: to hand it to the mail server; and early signalling's readiness, which turns a case's
#: arrears and groundwork into a state and a bitmask that nobody is shown (no value leaves it).
DECRYPT_CALLERS = {
    "portal/crypto/fields.py",
    "portal/cases/service.py",
    "portal/sharing.py",
    "portal/outbox/service.py",
    "handover/signalling/service/readiness.py",
    # Facts for the prevention record (codes, counts, dates): the page shows them only to a
    # viewer the policy point allows their category, in its one audit event.
    "handover/decisions/groundwork.py",
    "handover/nuisance/prevention.py",
}


def test_every_personal_column_is_encrypted():
    plain = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        if table.name not in WORK_CONTACT_TABLES
        for column in table.columns
        if PERSONAL.search(column.name) and not isinstance(column.type, EncryptedType)
    ]
    assert plain == [], "personal data must use EncryptedType (docs/keys.md)"


def test_the_models_encrypt_what_the_design_lists():
    tables = Base.metadata.tables
    for table, columns in {
        "person": [
            "surname",
            "initials",
            "birth_date",
            "bsn",
            "phone",
            "email",
            "street",
            "house_number",
            "postcode",
            "city",
        ],
        "case_file": ["arrears_cents"],
        "outbox_message": ["to_address", "body"],
    }.items():
        for column in columns:
            assert isinstance(tables[table].c[column].type, EncryptedType), (table, column)


def test_only_the_seam_decrypts():
    callers = set()
    for package in ("portal", "consent", "handover"):
        for path in (ROOT / package).rglob("*.py"):
            if re.search(r"\bdecrypt_fields?\(", path.read_text()):
                callers.add(str(Path(path).relative_to(ROOT)))
    assert callers <= DECRYPT_CALLERS, "show personal data through the policy point"
