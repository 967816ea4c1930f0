"""Locale-aware text for pages: dates and name lists via Babel (CLDR), interface words via gettext."""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.lists import format_list

from newscard.models.article import language_subtags, text_direction

FALLBACK = "en"
DOMAIN = "newscard"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is used, per page language."""
    return message


# The interface words pages print, by the name templates use. CLDR has no "By" or "Updated", so
# they come from gettext catalogs (locale/<lang>/LC_MESSAGES/newscard.po, compiled to .mo by
# scripts/compile_catalogs.py); a language without a catalog falls back to these English words.
MESSAGES: dict[str, str] = {
    "skip": N_("Skip to content"),
    "nothing": N_("Nothing published yet."),
    "by": N_("By"),
    "updated": N_("Updated"),
    "tags": N_("Topics"),
    "photo": N_("Photo"),
    "latest": N_("Latest news"),
    "sections": N_("Sections"),
    "previous": N_("Previous page"),
    "next": N_("Next page"),
    "archive": N_("Archive"),
    # Listing navigation: the pagination's label, "Page 2" in a listing's title, and the links to
    # the pages of newer and of older articles.
    "pages": N_("Pages"),
    "page": N_("Page"),
    "newer": N_("Newer"),
    "older": N_("Older"),
}
# The words of listing navigation (pagination, archive), by the names the templates use.
NAV_WORDS = ("pages", "page", "newer", "older", "archive")


@lru_cache(maxsize=64)
def locale_for(language: str) -> Locale:
    """The Babel locale for a BCP 47 tag, falling back to its language, then to English."""
    for candidate in _locale_candidates(language):
        try:
            locale = Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
        # Babel drops the script beside a variant it does not know (sr_Latn_RS_ekavsk gives
        # sr_Cyrl_RS): then the next, shorter candidate keeps it.
        asked = next((part for part in candidate.split("_")[1:] if len(part) == 4 and part.isalpha()), None)
        if asked is None or locale.script is None or asked.lower() == locale.script.lower():
            return locale
    return Locale.parse(FALLBACK)


def _locale_candidates(language: str) -> list[str]:
    """Babel identifiers for a tag, most specific first. Babel reads language_Script_REGION_VARIANT
    and rejects anything more, so the tag's extensions and private use are cut off (ar-u-nu-latn is
    Arabic, zh-Hant-TW-x-foo Traditional Chinese), and so is an extlang: zh-yue-HK takes zh_HK's
    data and catalogs (Traditional, Hong Kong) rather than none."""
    primary, _extlangs, rest = language_subtags(language)
    if not primary:
        return []
    script_and_region = [
        subtag
        for subtag in rest[:2]
        if (len(subtag) == 4 and subtag.isalpha())
        or len(subtag) == 2
        or (len(subtag) == 3 and subtag.isdigit())
    ]
    candidates = ["_".join([primary, *rest]), "_".join([primary, *script_and_region]), primary]
    return list(dict.fromkeys(candidates))


def catalog_names(language: str) -> list[str]:
    """Catalog folders to try for a BCP 47 tag, most specific first: zh-TW -> zh_Hant_TW, zh_Hant, zh."""
    locale = locale_for(language)
    names = [str(locale)]
    if locale.script:
        names.append(f"{locale.language}_{locale.script}")
    if locale.territory:
        names.append(f"{locale.language}_{locale.territory}")
    names.append(locale.language)
    # Babel calls Norwegian Bokmål "nb" and Filipino "fil"; tags may say "no" or "tl".
    names.extend({"no": ["nb"], "tl": ["fil"]}.get(language.split("-")[0].lower(), []))
    return list(dict.fromkeys(names))


@lru_cache(maxsize=64)
def translations(language: str) -> gettext.NullTranslations:
    """The most specific catalog there is for the tag (gettext's own search would try zh before
    zh_Hant, since it expands each name to its bare language first); English without one."""
    for name in catalog_names(language):
        if (LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
            return gettext.translation(DOMAIN, LOCALE_DIR, languages=[name])
    return gettext.NullTranslations()


@lru_cache(maxsize=64)
def labels(language: str) -> dict[str, str]:
    """The interface words in the language (English where it has no catalog)."""
    catalog = translations(language)
    return {name: catalog.gettext(message) for name, message in MESSAGES.items()}


def direction(language: str) -> str:
    """rtl for right-to-left languages and scripts (the article model decides), else ltr."""
    return text_direction(language)


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


@lru_cache(maxsize=64)
def nav_labels(language: str) -> dict[str, str]:
    """The words of listing navigation in the language, from its catalog (English where it has none)."""
    words = labels(language)
    return {name: words[name] for name in NAV_WORDS}


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
