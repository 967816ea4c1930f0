"""The article format, v1 (SPEC section 1): the one place its rules live."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from itertools import takewhile
from typing import Annotated, Literal

from babel.core import get_global
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from newscard.models.image_urls import check_image_url

MAX_DOCUMENT_BYTES = 1024 * 1024
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX = 96
# Scripts (ISO 15924, as BCP 47 script subtags) written right to left: every script whose letters
# Unicode gives the bidi class R or AL, plus Aran (Nastaliq), the Syriac variants, Book Pahlavi and
# Garay (Unicode 16). A tag's script outranks its language: pa-Arab (Shahmukhi Punjabi) and ff-Adlm
# (Fula in Adlam) run right to left, ku-Latn and sd-Deva left to right.
RTL_SCRIPTS = frozenset(
    {
        "adlm", "arab", "aran", "armi", "avst", "chrs", "cprt", "elym", "gara", "hatr", "hebr", "hung",
        "khar", "lydi", "mand", "mani", "mend", "merc", "mero", "narb", "nbat", "nkoo", "orkh", "ougr",
        "palm", "phli", "phlp", "phlv", "phnx", "prti", "rohg", "samr", "sarb", "sogd", "sogo", "syrc",
        "syre", "syrj", "syrn", "thaa", "yezi",
    }
)  # fmt: skip
# Script subtags that name no one writing system (common, inherited, unwritten, unknown, notations)
# say nothing about direction; neither do private-use ones (Qaaa-Qabx). The language decides.
_UNDECIDED_SCRIPTS = frozenset({"zyyy", "zinh", "zxxx", "zzzz", "zmth", "zsym", "zsye"})
# Languages whose usual script runs right to left, for when CLDR's likely subtags (below) do not
# know the language: a fallback, and the SPEC's own list (ar, he, fa, ur) is in it. iw and ji are
# the withdrawn codes of Hebrew and Yiddish that Java and old systems still emit.
RTL_LANGUAGES = frozenset(
    {
        "ar", "arc", "azb", "bal", "bgn", "brh", "bqi", "ckb", "dv", "fa", "glk", "haz", "he", "iw",
        "ji", "khw", "ks", "lki", "lrc", "mzn", "nqo", "pnb", "prs", "ps", "sd", "sdh", "skr", "syr",
        "ug", "ur", "yi",
    }
)  # fmt: skip


def text_direction(language: str) -> Literal["ltr", "rtl"]:
    """The writing direction of a BCP 47 tag: its script subtag's if it has one, else its language's."""
    script = writing_script(language)
    if script is not None:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    primary, extlangs, _ = language_subtags(language)
    return "rtl" if any(code in RTL_LANGUAGES for code in (*extlangs, primary)) else "ltr"


@lru_cache(maxsize=256)
def writing_script(language: str) -> str | None:
    """The script (ISO 15924, lower case) a BCP 47 tag is written in: its script subtag, else the
    language's usual one from CLDR's likely subtags (in its region, if given); None when neither
    says. One answer for the page's direction and the cards' fonts: ur, ks, iw -> arab, arab, hebr."""
    primary, extlangs, rest = language_subtags(language)
    script = next((subtag for subtag in rest if len(subtag) == 4 and subtag.isalpha()), None)
    if script is not None and script not in _UNDECIDED_SCRIPTS and not "qaaa" <= script <= "qabx":
        return script
    region = next((s for s in rest if (len(s) == 2 and s.isalpha()) or (len(s) == 3 and s.isdigit())), None)
    # An extlang is the language itself (zh-yue is Cantonese); its macrolanguage is the fallback.
    languages = (*extlangs, primary) if primary else ()
    return next((usual for code in languages if (usual := _usual_script(code, region)) is not None), None)


def language_subtags(language: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A BCP 47 tag taken apart, lower case: its primary language, its extlangs (zh-yue: yue) and
    the subtags that follow up to the first singleton (script, region, variants). What follows a
    singleton is an extension or private use and describes no language: ar-u-nu-latn is Arabic,
    and its "latn" is no script subtag. Private use alone (x-...) and i-klingon give ("", (), ())."""
    head = list(takewhile(lambda subtag: len(subtag) > 1, language.lower().replace("_", "-").split("-")))
    if not head:
        return "", (), ()
    extlangs = tuple(takewhile(lambda subtag: len(subtag) == 3 and subtag.isalpha(), head[1:4]))
    return head[0], extlangs, tuple(head[1 + len(extlangs) :])


def _usual_script(language: str, region: str | None) -> str | None:
    """The script a language is usually written in (in that region, if given), from CLDR's likely
    subtags: azb -> Arab, ks -> Arab, pa-PK -> Arab but pa -> Guru. Babel ships this table in its
    global data, offline; Locale.character_order would need a CLDR locale, which azb or glk lack."""
    likely = get_global("likely_subtags")
    aliases = get_global("language_aliases")
    keys = [f"{language}_{region.upper()}"] if region else []
    keys.append(language)
    # A withdrawn or merged code (iw, prs) stands for its replacement (he, fa_AF).
    alias = aliases.get(language)
    if isinstance(alias, str):
        keys.append(alias)
    for key in keys:
        found = likely.get(key)
        if isinstance(found, str):
            return next((part.lower() for part in found.split("_")[1:] if len(part) == 4), None)
    return None


# C0/C1 controls (tab and newline are whitespace, handled by collapsing) and the bidi
# embedding/override/isolate controls behind "Trojan Source"-style display spoofing.
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Code points that are not characters: lone surrogates (only reachable through JSON \\ud800
# escapes) cannot be encoded as UTF-8 at all, and the 66 Unicode noncharacters (U+FDD0-FDEF and
# the last two of every plane) are not allowed in XML, so one would make feed.xml ill-formed.
NOT_CHARACTERS = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
# Characters that draw nothing on their own: a headline made only of these is a blank card.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Mc", "Zs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u180e")
_WHITESPACE_RUN = re.compile(r"\s+")
# RFC 3339 date-time; the offset is mandatory so times are never ambiguous.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
# A well-formed BCP 47 language tag (RFC 5646 section 2.1), subtag by subtag as its ABNF has them,
# in either case. One deliberate narrowing: the primary language is 2-3 letters (ISO 639). The ABNF
# also allows 4 letters (reserved) and 5-8 (registrable, none registered), which would let plain
# words such as "arabic" or "french" through as tags.
_LANGTAG = (
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"  # language, then extended language subtags: zh-yue
    r"(?:-[A-Za-z]{4})?"  # script: Hant, Arab
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region: BR, 419
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants: valencia, 1996
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions, a singleton but x: u-nu-latn
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?"  # private use: x-twain
)
_BCP47 = re.compile(rf"(?:{_LANGTAG}|[Xx](?:-[A-Za-z0-9]{{1,8}})+)")
# The grandfathered tags the ABNF cannot describe (RFC 5646 section 2.2.8, "irregular"); the regular
# ones (zh-min-nan, art-lojban, no-bok) already have a langtag's shape.
_IRREGULAR_TAGS = frozenset(
    {
        "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
        "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl", "sgn-ch-de",
    }
)  # fmt: skip


def not_a_character_message(value: str) -> str | None:
    """Why value cannot be published as text (a lone surrogate or a noncharacter), or None."""
    bad = NOT_CHARACTERS.search(value)
    if bad is None:
        return None
    code = ord(bad.group())
    kind = (
        "a lone surrogate (half of an emoji or rare character)"
        if 0xD800 <= code <= 0xDFFF
        else "a noncharacter"
    )
    return f"contains {kind}, U+{code:04X}, which is not text; remove it"


def _clean_text(value: str) -> str:
    """Reject non-characters, control and bidi-override characters, then collapse whitespace runs."""
    problem = not_a_character_message(value)
    if problem:
        raise ValueError(problem)
    if _FORBIDDEN_CHARS.search(value):
        bad = _FORBIDDEN_CHARS.search(value)
        assert bad is not None
        raise ValueError(f"contains an invisible control character (U+{ord(bad.group()):04X}); remove it")
    return _WHITESPACE_RUN.sub(" ", value).strip()


def _require_visible(value: str) -> str:
    """At least one character that draws something: not only zero-width, combining or blank marks."""
    if value and not any(
        unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in _BLANK_LETTERS
        for char in value
    ):
        raise ValueError("has no visible characters (only zero-width, combining or blank ones)")
    return value


def _require_rfc3339(value: object) -> object:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("must be a date and time with a UTC offset, like 2025-12-06T09:00:00+00:00")
    if not isinstance(value, str):
        raise ValueError("must be a date and time written as text, like 2025-12-06T09:00:00+00:00")
    return value


def _require_utc_year(value: datetime) -> datetime:
    # The site files every article by its UTC day; 0001-01-01T00:00+14:00 is a valid RFC 3339 time
    # whose UTC day falls before year 1, which no date type (Python's, DynamoDB keys, sitemaps) holds.
    try:
        value.astimezone(UTC)
    except OverflowError:
        side = "before the year 0001" if value.year == 1 else "after the year 9999"
        raise ValueError(f"is {side} once converted to UTC") from None
    return value


def _require_image_src(value: str) -> str:
    if value.startswith("https://"):
        check_image_url(value)  # the fetcher's own rules (ports, literal private addresses, syntax)
        return value
    segments = value.split("/")
    if (
        segments[0] == "assets"
        and len(segments) > 1
        and all(segment not in ("", ".", "..") and "\\" not in segment for segment in segments[1:])
    ):
        return value
    raise ValueError("must be a file under assets/ (like assets/photo.jpg) or an https:// address")


def _require_https(value: str) -> str:
    if not re.match(r"^https://[^\s/?#]+[^\s]*$", value):
        raise ValueError("must be a full https:// address")
    return value


def _require_language(value: str) -> str:
    # fullmatch: re.match with "$" would also take a tag followed by a newline.
    if not _BCP47.fullmatch(value) and value.lower() not in _IRREGULAR_TAGS:
        raise ValueError("must be a language tag like en, fr, ar or pt-BR")
    return value


def _length_between(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) < low:
            raise ValueError("must not be empty")
        if len(value) > high:
            raise ValueError(f"must be at most {high} characters (this one has {len(value)})")
        return value

    return check


Headline = Annotated[
    str,
    AfterValidator(_clean_text),
    AfterValidator(_length_between(1, 300)),
    AfterValidator(_require_visible),
]
Dek = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(0, 600))]
Section = Annotated[
    str, AfterValidator(_clean_text), AfterValidator(_length_between(1, 80)), AfterValidator(_require_visible)
]
ShortText = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(1, 300))]
AltText = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(1, 1000))]
Caption = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(0, 1000))]
BodyText = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(1, 20_000))]
Tag = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(1, 40))]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_require_rfc3339), AfterValidator(_require_utc_year)]
ImageSrc = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_require_image_src)]
HttpsUrl = Annotated[
    str, StringConstraints(max_length=2048), AfterValidator(_require_https), AfterValidator(_clean_text)
]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=SLUG_MAX)]
Language = Annotated[str, StringConstraints(max_length=35), AfterValidator(_require_language)]


class _Strict(BaseModel):
    # Unknown fields are rejected so a typo ("hedline") never silently vanishes.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class FocalPoint(_Strict):
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)


class Author(_Strict):
    name: ShortText
    url: HttpsUrl | None = None
    # A headshot, drawn by the opinion card layout.
    image: ImageSrc | None = None


class Hero(_Strict):
    src: ImageSrc
    alt: AltText
    caption: Caption | None = None
    credit: Caption | None = None
    focal_point: FocalPoint | None = None


CardLayout = Literal["overlay", "split", "opinion", "text"]
CardPreset = Literal["og", "square", "story"]
SocialHeadline = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(1, 120))]
CardLabel = Annotated[str, AfterValidator(_clean_text), AfterValidator(_length_between(1, 24))]


class CardImage(_Strict):
    """A photo for the cards only (a tighter or brighter crop than the page's hero)."""

    src: ImageSrc
    alt: AltText
    focal_point: FocalPoint | None = None


class Card(_Strict):
    """Per-article card options (SPEC section 9): social headline, label, layout, image, crops."""

    headline: SocialHeadline | None = None
    label: CardLabel | None = None
    layout: CardLayout | None = None
    image: CardImage | None = None
    focal_points: dict[CardPreset, FocalPoint] = Field(default_factory=dict)


class ParagraphBlock(_Strict):
    type: Literal["paragraph"]
    text: BodyText


class HeadingBlock(_Strict):
    type: Literal["heading"]
    text: ShortText


class ImageBlock(_Strict):
    type: Literal["image"]
    src: ImageSrc
    alt: AltText
    caption: Caption | None = None
    credit: Caption | None = None


class QuoteBlock(_Strict):
    type: Literal["quote"]
    text: BodyText
    attribution: ShortText | None = None


Block = Annotated[ParagraphBlock | HeadingBlock | ImageBlock | QuoteBlock, Field(discriminator="type")]


class Article(_Strict):
    """A validated article; derived values (slug, direction) are properties, never stored twice."""

    headline: Headline
    slug: Slug | None = None
    dek: Dek | None = None
    section: Section
    published_at: Timestamp
    updated_at: Timestamp | None = None
    language: Language = "en"
    authors: list[Author] = Field(default_factory=list, max_length=50)
    hero: Hero | None = None
    body: list[Block] = Field(min_length=1, max_length=2000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    canonical_url: HttpsUrl | None = None
    card: Card | None = None

    @model_validator(mode="after")
    def _updated_not_before_published(self) -> Article:
        if self.updated_at is not None and self.updated_at < self.published_at:
            raise ValueError("updated_at must not be before published_at")
        return self

    @property
    def resolved_slug(self) -> str:
        """The slug given, or the one derived from the headline."""
        return self.slug or slugify(self.headline)

    @property
    def direction(self) -> Literal["ltr", "rtl"]:
        return text_direction(self.language)

    @property
    def last_modified(self) -> datetime:
        return self.updated_at or self.published_at

    def image_sources(self) -> list[tuple[str, str]]:
        """Every image the article references, as (JSON pointer to src, src)."""
        found: list[tuple[str, str]] = []
        if self.hero is not None:
            found.append(("/hero/src", self.hero.src))
        for index, block in enumerate(self.body):
            if isinstance(block, ImageBlock):
                found.append((f"/body/{index}/src", block.src))
        return found

    def card_image_sources(self) -> list[tuple[str, str]]:
        """Images only the cards use: card.image and the authors' headshots (JSON pointer, src)."""
        found: list[tuple[str, str]] = []
        if self.card is not None and self.card.image is not None:
            found.append(("/card/image/src", self.card.image.src))
        for index, author in enumerate(self.authors):
            if author.image is not None:
                found.append((f"/authors/{index}/image", author.image))
        return found


# Letters NFKD cannot take to ASCII; enough for Cyrillic and Greek headlines to give readable slugs.
_TRANSLITERATION = str.maketrans(
    {
        **dict(
            zip(
                "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
                [
                    "a",
                    "b",
                    "v",
                    "g",
                    "d",
                    "e",
                    "e",
                    "zh",
                    "z",
                    "i",
                    "i",
                    "k",
                    "l",
                    "m",
                    "n",
                    "o",
                    "p",
                    "r",
                    "s",
                    "t",
                    "u",
                    "f",
                    "kh",
                    "ts",
                    "ch",
                    "sh",
                    "shch",
                    "",
                    "y",
                    "",
                    "e",
                    "yu",
                    "ya",
                    "i",
                    "yi",
                    "ye",
                    "g",
                ],
                strict=True,
            )
        ),
        **dict(
            zip(
                "αβγδεζηθικλμνξοπρσςτυφχψω",
                [
                    "a",
                    "v",
                    "g",
                    "d",
                    "e",
                    "z",
                    "i",
                    "th",
                    "i",
                    "k",
                    "l",
                    "m",
                    "n",
                    "x",
                    "o",
                    "p",
                    "r",
                    "s",
                    "s",
                    "t",
                    "y",
                    "f",
                    "ch",
                    "ps",
                    "o",
                ],
                strict=True,
            )
        ),
        "ß": "ss",
        "æ": "ae",
        "ø": "o",
        "đ": "d",
        "ł": "l",
        "þ": "th",
        "œ": "oe",
        "ı": "i",
    }
)


def slugify(headline: str) -> str:
    """Derive a URL slug from a headline: transliterated, or a short stable hash if nothing transliterates."""
    decomposed = unicodedata.normalize("NFKD", headline.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_TRANSLITERATION)
    words = re.findall(r"[a-z0-9]+", bare.encode("ascii", "ignore").decode("ascii"))
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > 80:
            break
        slug = candidate
    digest = hashlib.sha256(headline.encode("utf-8")).hexdigest()[:8]
    if not slug:
        return f"article-{digest}"
    # Letters that did not transliterate (CJK beside Latin, say) would otherwise vanish, and two
    # different headlines could collapse to one slug: the hash keeps them apart.
    untransliterated = any(ch.isalnum() and not ch.isascii() for ch in bare)
    return f"{slug}-{digest}" if untransliterated else slug
