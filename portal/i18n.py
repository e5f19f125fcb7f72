"""Language choice: Dutch by default, also English, Turkish and Arabic (right to left)."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

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
