"""The one Jinja2 environment for pages, listings, feed and sitemap: autoescaped, strict, with filters."""

from __future__ import annotations

import json
import mimetypes
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup

from newscard.rendering import i18n, renditions
from newscard.rendering.hyphenation import SoftHyphens, with_soft_hyphens

if TYPE_CHECKING:
    from jinja2 import Environment


def json_for_script(value: Any) -> Markup:
    """JSON safe inside <script>: no '</script>' or '<!--' break-out, no HTML entities needed."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704 - escaped above for the script context


# Characters a URL may carry as they are (RFC 3986 reserved and unreserved, plus '%' of existing escapes).
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def safe_url(url: str) -> str:
    """Percent-encode what a valid URL may not hold (quotes, spaces, <, >, non-ASCII), as browsers do.

    Escaping already keeps such characters from breaking out of an attribute; this also keeps the
    value a valid URL for validators and crawlers.
    """
    return quote(url, safe=_URL_SAFE)


# Code points XML 1.0 does not allow at all (C0 controls but tab, newline and return; lone
# surrogates; U+FFFE/U+FFFF): the complement of its Char production, listed. The negated form
# ("[^\t\n\r\u0020-\ud7ff...]") matches the same, but compiling it costs 5-9 ms of every cold start.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def drop_non_xml(value: Any) -> Any:
    """Every template output, last line of defence: a character XML forbids would make the whole
    feed.xml or sitemap.xml ill-formed (validation rejects them; old index entries may still hold one)."""
    if not isinstance(value, str) or not _NOT_XML.search(value):
        return value
    cleaned = _NOT_XML.sub("", value)
    # Removing characters cannot create markup, so escaped text stays escaped.
    return Markup(cleaned) if isinstance(value, Markup) else cleaned  # noqa: S704


def image_type(path: str) -> str:
    """The media type of a site image from its name (cards and page images are JPEG, PNG or WebP)."""
    return mimetypes.guess_type(path)[0] or "image/jpeg"


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Jinja2 is imported here, on the first page rendered, not when a handler module is imported.
    from jinja2 import Environment, PackageLoader, StrictUndefined

    # Every template is escaped, XML included: HTML escaping (&, <, >, ", ') is also valid XML.
    env = Environment(
        loader=PackageLoader("newscard.rendering", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=drop_non_xml,
    )
    env.filters["json_for_script"] = json_for_script
    env.filters["url"] = safe_url
    env.filters["timestamp"] = i18n.format_timestamp
    env.filters["short_date"] = i18n.format_date_only
    env.filters["names"] = i18n.format_names
    env.filters["short_date_time"] = i18n.format_date_time
    env.filters["full_date"] = i18n.format_full_date
    env.filters["month_year"] = i18n.format_month_year
    env.filters["image_type"] = image_type
    # Visible prose only: titles, meta tags, JSON-LD, feeds and sitemaps carry the text as written.
    # The filter for a teaser's or a listing's few words; soft_hyphens(lang) for an article's prose.
    env.filters["hyphenate"] = with_soft_hyphens
    env.globals["soft_hyphens"] = SoftHyphens
    env.globals["nav_labels"] = i18n.nav_labels
    env.globals["labels"] = i18n.labels
    env.globals["list_separators"] = i18n.list_separators
    env.globals["source_sets"] = renditions.source_sets
    env.globals["fallback"] = renditions.fallback
    env.globals["srcset"] = renditions.srcset
    return env
