"""Locale-aware text for pages: dates, name lists and the few interface words, via Babel (CLDR)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.lists import format_list

FALLBACK = "en"

# The handful of interface words a page prints. CLDR has no "By" or "Updated", so they live here;
# a language missing from this table falls back to English words (dates stay localised).
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "nothing": "Nothing published yet.",
        "by": "By",
        "updated": "Updated",
        "tags": "Topics",
        "photo": "Photo",
        "latest": "Latest news",
        "sections": "Sections",
    },
    "fr": {
        "skip": "Aller au contenu",
        "nothing": "Rien de publié pour l’instant.",
        "by": "Par",
        "updated": "Mis à jour",
        "tags": "Sujets",
        "photo": "Photo",
        "latest": "À la une",
        "sections": "Rubriques",
    },
    "de": {
        "skip": "Zum Inhalt springen",
        "nothing": "Noch nichts veröffentlicht.",
        "by": "Von",
        "updated": "Aktualisiert",
        "tags": "Themen",
        "photo": "Foto",
        "latest": "Neueste Nachrichten",
        "sections": "Ressorts",
    },
    "es": {
        "skip": "Saltar al contenido",
        "nothing": "Aún no hay nada publicado.",
        "by": "Por",
        "updated": "Actualizado",
        "tags": "Temas",
        "photo": "Foto",
        "latest": "Últimas noticias",
        "sections": "Secciones",
    },
    "ar": {
        "skip": "انتقل إلى المحتوى",
        "nothing": "لم يُنشر شيء بعد.",
        "by": "بقلم",
        "updated": "آخر تحديث",
        "tags": "مواضيع",
        "photo": "صورة",
        "latest": "آخر الأخبار",
        "sections": "الأقسام",
    },
    "he": {
        "skip": "דלג לתוכן",
        "nothing": "עדיין לא פורסם דבר.",
        "by": "מאת",
        "updated": "עודכן",
        "tags": "נושאים",
        "photo": "צילום",
        "latest": "חדשות אחרונות",
        "sections": "מדורים",
    },
}


@lru_cache(maxsize=64)
def locale_for(language: str) -> Locale:
    """The Babel locale for a BCP 47 tag, falling back to its language, then to English."""
    for candidate in (language.replace("-", "_"), language.split("-")[0]):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(FALLBACK)


def labels(language: str) -> dict[str, str]:
    return _LABELS.get(language.split("-")[0].lower(), _LABELS[FALLBACK])


def format_timestamp(moment: datetime, language: str) -> str:
    """Long date and short time in the article's own offset, in the reader's language's order."""
    locale = locale_for(language)
    date_text = format_date(moment, "long", locale=locale)
    time_text = format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale)
    offset = moment.utcoffset()
    # Babel prints a zero offset as "GMT+00:00"; readers everywhere know it as UTC.
    zone_text = "UTC" if not offset else format_time(moment, "ZZZZ", tzinfo=moment.tzinfo, locale=locale)
    # CLDR glue patterns look like "{1}, {0}" or "{1} 'à' {0}": quotes mark literal text.
    pattern = str(get_datetime_format("long", locale=locale)).replace("'", "")
    return pattern.replace("{0}", f"{time_text} {zone_text}").replace("{1}", date_text)


def format_date_only(moment: datetime, language: str) -> str:
    return format_date(moment, "medium", locale=locale_for(language))


def format_names(names: list[str], language: str) -> str:
    """'A, B and C' with the language's own conjunction."""
    return format_list(names, locale=locale_for(language)) if names else ""


def og_locale(language: str) -> str:
    """Open Graph wants language_TERRITORY; fill a missing territory with CLDR's likely one."""
    locale = locale_for(language)
    territory = locale.territory
    if territory is None:
        likely = str(get_global("likely_subtags").get(locale.language, ""))
        territory = likely.split("_")[-1] if likely.count("_") >= 1 else None
    return f"{locale.language}_{territory}" if territory else locale.language


def list_separators(count: int, language: str) -> list[str]:
    """The text between items of a list of `count`, so items can be markup (links) yet joined per CLDR."""
    if count <= 0:
        return []
    marks = [f"\ue000{i}\ue001" for i in range(count)]
    joined = format_names(marks, language)
    separators = []
    for i in range(count - 1):
        start = joined.index(marks[i]) + len(marks[i])
        separators.append(joined[start : joined.index(marks[i + 1])])
    return [*separators, ""]


# Words of listing navigation (pagination, archive); kept apart from _LABELS so each can grow alone.
_NAV_LABELS: dict[str, dict[str, str]] = {
    "en": {"pages": "Pages", "page": "Page", "newer": "Newer", "older": "Older", "archive": "Archive"},
    "fr": {
        "pages": "Pages",
        "page": "Page",
        "newer": "Plus récents",
        "older": "Plus anciens",
        "archive": "Archives",
    },
    "de": {"pages": "Seiten", "page": "Seite", "newer": "Neuere", "older": "Ältere", "archive": "Archiv"},
    "es": {
        "pages": "Páginas",
        "page": "Página",
        "newer": "Más recientes",
        "older": "Anteriores",
        "archive": "Archivo",
    },
    "ar": {"pages": "الصفحات", "page": "صفحة", "newer": "الأحدث", "older": "الأقدم", "archive": "الأرشيف"},
    "he": {
        "pages": "עמודים",
        "page": "עמוד",
        "newer": "חדשים יותר",
        "older": "ישנים יותר",
        "archive": "ארכיון",
    },
}


def nav_labels(language: str) -> dict[str, str]:
    return _NAV_LABELS.get(language.split("-")[0].lower(), _NAV_LABELS[FALLBACK])


def format_date_time(moment: datetime, language: str) -> str:
    """Medium date and short time in the moment's own offset, glued by the language's CLDR pattern
    (a teaser's "30 Nov 2026, 08:15")."""
    locale = locale_for(language)
    date_text = format_date(moment, "medium", locale=locale)
    time_text = format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale)
    pattern = str(get_datetime_format("medium", locale=locale)).replace("'", "")
    return pattern.replace("{0}", time_text).replace("{1}", date_text)


def format_full_date(moment: datetime, language: str) -> str:
    return format_date(moment, "full", locale=locale_for(language))


def format_month_year(moment: datetime, language: str) -> str:
    """'November 2026' in the language's own words and order (CLDR skeleton yMMMM)."""
    return format_skeleton("yMMMM", moment, locale=locale_for(language))
