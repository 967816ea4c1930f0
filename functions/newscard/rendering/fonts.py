"""Bundled fonts and the per-character fallback chain; rendering never reads system fonts.

Pillow has no font fallback: a character missing from the font it is given is drawn as the
``.notdef`` box. So every headline is split into runs, each drawn with the first font in a chain
whose character map covers it. Small fonts ship in the function package; the CJK collection
(20 MB), the colour emoji (11 MB) and less common scripts live in the card-assets layer.
"""

from __future__ import annotations

import mmap
import struct
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont

from newscard.models.article import writing_script
from newscard.rendering.shaping import LAMBDA_LAYER, SOURCE_LAYER, require_shaping

PACKAGE_FONTS = Path(__file__).parent / "fonts"
LAYER_FONT_DIRS = (LAMBDA_LAYER / "fonts", SOURCE_LAYER / "fonts")

# NotoColorEmoji is a CBDT bitmap font with a single 109 px strike: other sizes raise
# "invalid pixel size", so emoji are drawn at 109 px and scaled.
EMOJI_STRIKE = 109

Family = Literal["sans", "serif"]

# Faces of NotoSansCJK-Bold.ttc: the same characters drawn the way each locale expects
# (e.g. 直, 骨 differ between Japanese and Chinese), so the article's language picks the face.
_CJK_FACES = {"ja": 0, "ko": 1, "zh-hans": 2, "zh-hant": 3, "zh-hk": 4}
_TRADITIONAL = ("zh-hant", "zh-tw", "zh-mo")
_EXTRA_SCRIPTS = (
    "Thai", "Bengali", "Tamil", "Gujarati", "Gurmukhi", "Telugu", "Kannada", "Malayalam",
    "Sinhala", "Georgian", "Armenian", "Ethiopic", "Khmer", "Lao", "Myanmar", "Oriya",
    "MeeteiMayek", "OlChiki", "TaiTham", "Javanese", "CanadianAboriginal", "Cherokee",
)  # fmt: skip


class FontMissing(RuntimeError):
    """A bundled font file is not where the package or the layer should have put it."""


@dataclass(frozen=True)
class Face:
    """One font face: a file (and face index in a collection) and how its runs are laid out."""

    name: str
    filename: str
    index: int = 0
    rtl: bool = False  # the script it exists for is written right to left
    emoji: bool = False

    # Faces (in chains of ~30) key the measuring caches, which line breaking queries tens of
    # thousands of times per card: the generated __hash__ would rebuild a 5-tuple on every lookup.
    @cached_property
    def _hash(self) -> int:
        return hash((self.name, self.filename, self.index, self.rtl, self.emoji))

    def __hash__(self) -> int:
        return self._hash

    @property
    def path(self) -> Path:
        return font_path(self.filename)


def font_path(filename: str) -> Path:
    """Where a bundled font lives: the package first, then the layer (Lambda's /opt, or the checkout)."""
    for directory in (PACKAGE_FONTS, *LAYER_FONT_DIRS):
        candidate = directory / filename
        if candidate.is_file():
            return candidate
    raise FontMissing(f"font {filename} is in neither {PACKAGE_FONTS} nor the card-assets layer")


SANS_BOLD = Face("sans-bold", "NotoSans-Bold.ttf")
SANS_REGULAR = Face("sans-regular", "NotoSans-Regular.ttf")
SERIF_BOLD = Face("serif-bold", "NotoSerif-Bold.ttf")
ARABIC = Face("arabic", "NotoSansArabic-Bold.ttf", rtl=True)
HEBREW = Face("hebrew", "NotoSansHebrew-Bold.ttf", rtl=True)
DEVANAGARI = Face("devanagari", "NotoSansDevanagari-Bold.ttf")
SYMBOLS = Face("symbols", "NotoSansSymbols2-Regular.ttf")
EMOJI = Face("emoji", "NotoColorEmoji.ttf", emoji=True)
# Scripts Noto draws only in another style or weight, and the right-to-left ones.
THAANA = Face("thaana", "NotoSansThaana-Bold.ttf", rtl=True)
SYRIAC = Face("syriac", "NotoSansSyriac-Regular.ttf", rtl=True)
ADLAM = Face("adlam", "NotoSansAdlam-Bold.ttf", rtl=True)
EXTRA = (
    *(Face(script.lower(), f"NotoSans{script}-Bold.ttf") for script in _EXTRA_SCRIPTS),
    THAANA,
    SYRIAC,
    ADLAM,
    Face("tibetan", "NotoSerifTibetan-Bold.ttf"),
    Face("tifinagh", "NotoSansTifinagh-Regular.ttf"),
    Face("mongolian", "NotoSansMongolian-Regular.ttf"),
)


def cjk_face(language: str) -> Face:
    """The CJK face for a BCP 47 tag: Japanese, Korean, Simplified or Traditional Chinese shapes."""
    tag = language.lower()
    primary = tag.split("-")[0]
    if primary == "zh":
        if tag.startswith("zh-hk"):
            key = "zh-hk"
        elif tag.startswith(_TRADITIONAL) or writing_script(tag) == "hant":  # zh-yue-HK, zh-Hant-...
            key = "zh-hant"
        else:
            key = "zh-hans"
    else:
        # Non-CJK articles quoting Han characters: Simplified Chinese is the most widely read.
        key = primary if primary in ("ja", "ko") else "zh-hans"
    return Face(f"cjk-{key}", "NotoSansCJK-Bold.ttc", _CJK_FACES[key])


class Chain(tuple[Face, ...]):
    """A font chain that hashes once. Chains key the measuring caches with the text, and a plain
    tuple rehashes its ~22 faces on every lookup: about 3,000 hash calls per card."""

    @cached_property
    def _hash(self) -> int:
        return tuple.__hash__(self)

    def __hash__(self) -> int:
        return self._hash


@lru_cache(maxsize=64)
def font_chain(language: str = "en", *, family: Family = "sans", bold: bool = True) -> tuple[Face, ...]:
    """Fonts to try, in order, for text in a language: its own script's font first, emoji last.

    The language's own font goes first so that shared characters (digits, punctuation, spaces)
    come from it and stay in the same run as the letters around them, which keeps bidi and
    shaping whole and the style even.
    """
    latin = SERIF_BOLD if family == "serif" else (SANS_BOLD if bold else SANS_REGULAR)
    cjk = cjk_face(language)
    # By the script the language is written in (its subtag, else CLDR's usual one), so Sindhi,
    # Uyghur, Sorani or pa-Arab get the Arabic font's digits and punctuation as Urdu does.
    own = {
        "arab": ARABIC, "aran": ARABIC, "hebr": HEBREW, "deva": DEVANAGARI, "thaa": THAANA,
        "syrc": SYRIAC, "syre": SYRIAC, "syrj": SYRIAC, "syrn": SYRIAC,
        "hans": cjk, "hant": cjk, "hani": cjk, "jpan": cjk, "kore": cjk, "hang": cjk,
    }.get(writing_script(language) or "")  # fmt: skip
    chain = [latin, ARABIC, HEBREW, DEVANAGARI, cjk, *EXTRA, SYMBOLS, EMOJI]
    if own is not None:
        chain.remove(own)
        chain.insert(0, own)
    return Chain(chain)


# Each size is a FreeType face of its own (about 1.5 MB for the CJK collection): bounded.
@lru_cache(maxsize=96)
def load_font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    """A face at a pixel size (emoji always at their one strike), cached: cards reuse few sizes."""
    require_shaping()
    pixels = EMOJI_STRIKE if face.emoji else size
    return ImageFont.truetype(str(face.path), pixels, index=face.index, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=64)
def coverage(face: Face) -> _Coverage:
    """The characters the face maps to a real glyph (read from its cmap, not guessed)."""
    return _Coverage(_read_cmap(face.path, face.index))


def covers(face: Face, codepoint: int) -> bool:
    return codepoint in coverage(face)


class _Coverage:
    """Sorted, merged code point ranges with a bisect lookup: 45 000 CJK entries stay small."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(ranges):
            if ends and start <= ends[-1] + 1:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        self._starts, self._ends = starts, ends

    def __contains__(self, codepoint: object) -> bool:
        if not isinstance(codepoint, int):
            return False
        at = bisect_right(self._starts, codepoint) - 1
        return at >= 0 and codepoint <= self._ends[at]


def _read_cmap(path: Path, index: int) -> list[tuple[int, int]]:
    """Inclusive code point ranges with a non-zero glyph, from the best Unicode cmap subtable
    (format 12 or 4)."""
    # Mapped, not read: only the cmap's pages of the 20 MB CJK collection are ever touched.
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _parse_cmap(data, index)


def _parse_cmap(data: mmap.mmap, index: int) -> list[tuple[int, int]]:
    offset = 0
    if data[:4] == b"ttcf":
        (offset,) = struct.unpack_from(">I", data, 12 + 4 * index)
    (num_tables,) = struct.unpack_from(">H", data, offset + 4)
    cmap = next(
        table_offset
        for tag, _, table_offset, _ in (
            struct.unpack_from(">4sIII", data, offset + 12 + 16 * i) for i in range(num_tables)
        )
        if tag == b"cmap"
    )
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    subtables: dict[tuple[int, int, int], int] = {}
    for i in range(count):
        platform_id, encoding_id, sub_offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        (fmt,) = struct.unpack_from(">H", data, cmap + sub_offset)
        subtables[(platform_id, encoding_id, fmt)] = cmap + sub_offset
    for key in ((3, 10, 12), (0, 4, 12), (0, 6, 12), (3, 1, 4), (0, 3, 4)):
        if key in subtables:
            return _format12(data, subtables[key]) if key[2] == 12 else _format4(data, subtables[key])
    return []


def _format12(data: mmap.mmap, at: int) -> list[tuple[int, int]]:
    """A format 12 subtable is already ranges (start, end, first glyph): read in one unpack, kept
    as ranges (the CJK collection's 45,000 code points are ~6,000 groups). A group whose first
    glyph is 0 (.notdef) maps its first code point to nothing."""
    (groups,) = struct.unpack_from(">I", data, at + 12)
    values = struct.unpack_from(f">{3 * groups}I", data, at + 16)
    return [
        (start + (1 if glyph == 0 else 0), end)
        for start, end, glyph in zip(values[0::3], values[1::3], values[2::3], strict=True)
        if start + (1 if glyph == 0 else 0) <= end
    ]


def _format4(data: mmap.mmap, at: int) -> list[tuple[int, int]]:
    (seg_x2,) = struct.unpack_from(">H", data, at + 6)
    segs = seg_x2 // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts = struct.unpack_from(f">{segs}H", data, at + 16 + seg_x2)
    deltas = struct.unpack_from(f">{segs}h", data, at + 16 + 2 * seg_x2)
    range_at = at + 16 + 3 * seg_x2
    range_offsets = struct.unpack_from(f">{segs}H", data, range_at)
    found: list[tuple[int, int]] = []
    for s in range(segs):
        for cp in range(starts[s], ends[s] + 1):
            if cp == 0xFFFF:
                continue
            if range_offsets[s] == 0:
                glyph = (cp + deltas[s]) & 0xFFFF
            else:
                (glyph,) = struct.unpack_from(
                    ">H", data, range_at + 2 * s + range_offsets[s] + 2 * (cp - starts[s])
                )
                glyph = (glyph + deltas[s]) & 0xFFFF if glyph else 0
            if glyph:
                found.append((cp, cp))
    return found
