"""Language choice: Dutch by default, also English, Turkish and Arabic (right to left)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from babel.dates import get_datetime_format
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_time, get_locale, get_translations, gettext
from markupsafe import Markup

RTL_LANGUAGES = frozenset({"ar"})
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "tr": "Türkçe", "ar": "العربية"}
#: The comma between the words of a list, where it is not the Latin one. Babel's list
#: patterns (``babel.lists.format_list``) join the last two words with "and" ("en", "و")
#: and give Arabic no comma at all, which would change the wording of every list: the
#: portal's lists are plain enumerations, so only the comma follows the language.
LIST_SEPARATORS = {"ar": "، "}


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


def _language(lang: str | None = None) -> str:
    if lang:
        return lang
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def list_separator(lang: str | None = None) -> str:
    """The comma between two words of a list in ``lang`` (the current language when
    ``None``): Arabic writes the Arabic comma, "، ", not the Latin one."""
    return LIST_SEPARATORS.get(_language(lang).split("_")[0], ", ")


def join_words(items: Iterable[Any], lang: str | None = None) -> str:
    """Words (category names, recipients) as one list for display, with the comma of the
    reader's language; for text built in Python (a consent statement, a tenant's page)."""
    return list_separator(lang).join(str(item) for item in items)


def words(items: Iterable[Any]) -> Markup:
    """The template filter ``words``: ``join_words`` that keeps autoescaping (a word that is
    markup, such as a Dutch name marked ``lang="nl"``, stays markup; text is escaped)."""
    return Markup(list_separator()).join(items)  # noqa: S704 - a constant; the items escape


def local_datetime(moment: datetime) -> str:
    """A moment as a reader writes it on paper: the long date and the time to the minute in
    the portal's time zone (``BABEL_DEFAULT_TIMEZONE``), e.g. "5 december 2026, 14:03".

    Why: Babel's "long" date-time adds seconds and a raw UTC offset ("+0100"), which means
    nothing to a tenant. Date and time are joined the way the language joins them (CLDR).
    """
    pattern = get_datetime_format("long", locale=_language())
    return (
        str(pattern)
        .replace("'", "")
        .replace("{1}", format_date(moment, "long"))
        .replace("{0}", format_time(moment, "short"))
    )


def code_in_words(labels: Mapping[str, Any], code: Any) -> str:
    """A stored code in the reader's words; an unknown or missing code as "Onbekend", never
    the raw code."""
    found = labels.get(code) if isinstance(code, str) else None
    return str(found) if found is not None else gettext("Onbekend")


def nowrap(value: Any) -> Markup:
    """A reference such as "KP-2026-000025" kept on one line inside a translated heading (a
    phone would otherwise break it at a hyphen); escaped like any value."""
    return Markup('<span class="kp-nowrap">{}</span>').format(value)


def bdi(value: Any) -> Markup:
    """Someone's own words inside a translated sentence, isolated for direction: a Dutch note
    in an Arabic sentence (or the reverse) keeps its own order and punctuation; escaped."""
    return Markup("<bdi>{}</bdi>").format(value)


def install_template_filters(app: Flask) -> None:
    """The language-aware filters and globals of the templates: ``words`` for lists,
    ``local_datetime`` for moments, ``nowrap`` for a reference in a heading, ``bdi`` for
    someone's own words in a sentence, ``list_separator()`` for lists built in a macro."""
    app.jinja_env.filters.update(words=words, local_datetime=local_datetime, nowrap=nowrap, bdi=bdi)
    app.jinja_env.globals.update(list_separator=list_separator)
