"""Every string of a page a tenant sees has its English, Turkish and Arabic translation.

The strings are read from the tenant templates themselves (with Babel's own extractor, as
``make messages`` does), not from the catalogue: a new sentence on a tenant page fails here
even when nobody ran ``make messages``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from portal import ROOT

TEMPLATES = ROOT / "templates"
#: The pages a tenant (or anyone not signed in) sees, and what they include.
TENANT_TEMPLATES = sorted(
    [
        *TEMPLATES.glob("consent/tenant/*.html"),
        TEMPLATES / "audit/_tenant_accesses.html",
        TEMPLATES / "main/accessibility.html",
        TEMPLATES / "main/home.html",
        TEMPLATES / "signalling/tenant_objection.html",
        *TEMPLATES.glob("handover/tenant/*.html"),
        TEMPLATES / "handover/pdf/my_data.html",
        TEMPLATES / "covenant/explained.html",
        TEMPLATES / "layouts/base.html",
        TEMPLATES / "layouts/_language_switch.html",
        TEMPLATES / "errors/error.html",
        *TEMPLATES.glob("components/*.html"),
    ]
)


def _strings(path: Path) -> set[str]:
    found = set()
    for _line, message, _comments, _context in extract_from_file("jinja2", str(path)):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue(lang: str):
    path = ROOT / "portal" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalogue = read_po(fh, locale=lang)
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalogue if m.id}


def test_the_tenant_templates_exist_and_have_strings():
    assert all(path.exists() for path in TENANT_TEMPLATES)
    assert sum(len(_strings(path)) for path in TENANT_TEMPLATES) > 100


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_every_tenant_string_is_translated(lang):
    catalogue = _catalogue(lang)
    missing = []
    for path in TENANT_TEMPLATES:
        for text in sorted(_strings(path)):
            message = catalogue.get(text)
            strings = message.string if message is not None else None
            done = all(strings) if isinstance(strings, tuple) else bool(strings)
            if not done or (message is not None and message.fuzzy):
                missing.append(f"{path.relative_to(ROOT)}: {text!r}")
    assert missing == []
