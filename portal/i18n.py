"""Language choice: Dutch by default, also English, Turkish and Arabic (right to left)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations

RTL_LANGUAGES = frozenset({"ar"})
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "tr": "Türkçe", "ar": "العربية"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs: the source language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RTL_LANGUAGES else "ltr"


def install_template_gettext(app: Flask) -> None:
    """Templates translate through a catalogue found with one look-up of the locale.

    Why: Flask-Babel's own template callables find the catalogue anew on every ``_()``
    (a dozen reads of Flask's context locals and the locale's name built again), and a page
    says ``_()`` fifty to a hundred and fifty times. The catalogues are kept per locale for
    the app's life, as Flask-Babel keeps them. The locale is still asked on every call, so
    ``force_locale`` (a receipt or an export in the reader's language) holds in templates.
    Call after ``babel.init_app``, which installs its own.
    """
    catalogues: dict[str, Any] = {}

    def catalogue() -> Any:
        name = str(get_locale())
        found = catalogues.get(name)
        if found is None:
            found = catalogues[name] = get_translations()
        return found

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # the i18n extension's
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
