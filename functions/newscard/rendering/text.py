"""Headline typesetting: font runs, bidi order, line breaks, the largest size that fits, balance.

The order of decisions follows what an editor would do by hand: keep whole words and shrink the
type; only when even the smallest size cannot hold a word on a line, break the word; only when
even that cannot fit the lines allowed, cut the headline and end it with an ellipsis.
"""

from __future__ import annotations

import itertools
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from newscard.rendering.fonts import EMOJI_STRIKE, SANS_REGULAR, Face, covers, load_font
from newscard.rendering.hyphenation import hyphenates, syllable_breaks

if TYPE_CHECKING:
    from icu4py.breakers import LineBreaker

logger = logging.getLogger(__name__)

ELLIPSIS = "…"
REPLACEMENT = "\ufffd"
# Emoji bitmaps are about 1.2 em tall; this brings them to the height of capitals and ascenders.
EMOJI_SCALE = 0.86

# Kinsoku shori (JIS X 4051): characters that may not begin a line, and ones that may not end it.
_NO_LINE_START = frozenset(
    "、。，．・：；？！゛゜ー～〜…‥」』）】〕〉》〗〙〛｝〟”’.,:;?!)]}%‰℃"  # closing punctuation
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"  # small kana
    "ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々〻"  # small katakana extensions, iteration marks
)
_NO_LINE_END = frozenset("「『（【〔〈《〖〘〚｛〝“‘([{")
_NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")
# Hyphen-like characters after which a word may break, as UAX #14 allows.
_BREAK_AFTER = frozenset("-‐–—/")
# Characters after which a line may break whatever comes before them (UAX #14 classes BA, ZW): the
# Tibetan tsheg between syllables, and the zero width space an editor puts in to mark a break.
_BREAK_AFTER_ALWAYS = frozenset("\u0f0b\u200b")
# Emoji whose default presentation is colour even without U+FE0F (Emoji_Presentation=Yes, BMP).
_BMP_EMOJI = frozenset(
    [
        8986,
        8987,
        9193,
        9194,
        9195,
        9196,
        9200,
        9203,
        9725,
        9726,
        9748,
        9749,
        *list(range(9800, 9812)),
        9855,
        9875,
        9889,
        9898,
        9899,
        9917,
        9918,
        9924,
        9925,
        9934,
        9940,
        9962,
        9970,
        9971,
        9973,
        9978,
        9981,
        9989,
        9994,
        9995,
        10024,
        10060,
        10062,
        10067,
        10068,
        10069,
        10071,
        10133,
        10134,
        10135,
        10160,
        10175,
        11035,
        11036,
        11088,
        11093,
    ]
)


@dataclass(frozen=True)
class Run:
    """Text drawn with one face in one direction; the unit of measuring and drawing."""

    text: str
    face: Face
    rtl: bool


@dataclass(frozen=True)
class Line:
    """One typeset line: its logical text, its runs in visual (left to right) order, its width."""

    text: str
    runs: tuple[Run, ...]
    width: float


@dataclass(frozen=True)
class TextBlock:
    """A fitted headline: lines, font size and line height in pixels, whether it was cut short."""

    lines: tuple[Line, ...]
    size: int
    line_height: int
    truncated: bool
    words_broken: bool = False

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(line.text for line in self.lines)


# --- clusters and fonts -------------------------------------------------------------------------


def _extends(char: str, previous: str) -> bool:
    """Whether char belongs to the cluster before it (marks, joiners, selectors, modifiers)."""
    cp = ord(char)
    if unicodedata.category(char) in ("Mn", "Mc", "Me"):
        return True
    if cp in (0x200C, 0x200D, 0x20E3) or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return True
    if 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F:
        return True
    # Flags are pairs of regional indicators.
    regional = range(0x1F1E6, 0x1F200)
    return cp in regional and len(previous) == 1 and ord(previous) in regional


def clusters(text: str) -> list[str]:
    """Grapheme-like clusters: never split a base from its marks, a conjunct, or an emoji sequence."""
    out: list[str] = []
    join_next = False
    for char in text:
        if out and (join_next or _extends(char, out[-1])):
            out[-1] += char
        else:
            out.append(char)
        # After a virama (Devanagari conjuncts) or a ZWJ (emoji sequences) the next letter joins.
        # Myanmar's asat (U+103A) has a virama's combining class but only kills the vowel before
        # it; it stacks nothing (U+1039 does), so a word may end there.
        join_next = char == "\u200d" or (
            unicodedata.combining(char) == 9 and unicodedata.category(char) == "Mn" and char != "\u103a"
        )
    return out


def _is_emoji(cluster: str) -> bool:
    codepoints = [ord(c) for c in cluster]
    if 0xFE0E in codepoints:
        return False
    if 0xFE0F in codepoints or 0x20E3 in codepoints:
        return True
    base = codepoints[0]
    return 0x1F000 <= base <= 0x1FAFF or base in _BMP_EMOJI


def _ignorable(char: str) -> bool:
    cp = ord(char)
    return cp in (0x200C, 0x200D) or 0xFE00 <= cp <= 0xFE0F or 0xE0000 <= cp <= 0xE0FFF


def _face_for(cluster: str, chain: tuple[Face, ...], previous: Face | None) -> Face | None:
    """The first face that covers the whole cluster; shared characters stay with their neighbours."""
    base = ord(cluster[0])
    if _is_emoji(cluster):
        for face in chain:
            if face.emoji and covers(face, base):
                return face
    neutral = unicodedata.category(cluster[0])[0] not in "LM"
    if neutral and previous is not None and not previous.emoji and covers(previous, base):
        return previous
    needed = [ord(c) for c in cluster if not _ignorable(c)]
    for face in chain:
        if not face.emoji and all(covers(face, cp) for cp in needed):
            return face
    for face in chain:
        if covers(face, base):
            return face
    return None


@lru_cache(maxsize=4096)
def runs(text: str, chain: tuple[Face, ...], rtl: bool) -> tuple[Run, ...]:
    """Split text into runs by face, in visual order for a paragraph of the given direction."""
    pieces: list[tuple[str, Face | None]] = []
    previous: Face | None = None
    for cluster in clusters(text):
        if cluster == " ":
            pieces.append((cluster, None))
            continue
        face = _face_for(cluster, chain, previous)
        if face is None:
            # Nothing we ship draws it. Its compatibility form may be drawable (mathematical
            # alphanumerics: "𝔘𝔫𝔦" is "Uni"; "㎏" is "kg"); else U+FFFD rather than an empty box.
            folded = unicodedata.normalize("NFKC", cluster)
            face = _face_for(folded, chain, previous) if folded != cluster else None
            cluster, face = (folded, face) if face is not None else (REPLACEMENT, SANS_REGULAR)
        pieces.append((cluster, face))
        previous = face
    # Spaces join the run around them when both sides use the same face, else stand alone.
    merged: list[list[object]] = []  # [text, face or None]
    for index, (piece, face) in enumerate(pieces):
        if face is None:
            before = next((f for _, f in reversed(pieces[:index]) if f is not None), None)
            after = next((f for _, f in pieces[index + 1 :] if f is not None), None)
            # Emoji fonts have no space glyph, so a space next to emoji is drawn on its own.
            face = before if before is not None and before == after and not before.emoji else None
        if merged and merged[-1][1] == face:
            merged[-1][0] = str(merged[-1][0]) + piece
        else:
            merged.append([piece, face])
    return _visual_order([(str(t), f if isinstance(f, Face) else None) for t, f in merged], chain, rtl)


def _visual_order(
    pieces: list[tuple[str, Face | None]], chain: tuple[Face, ...], rtl: bool
) -> tuple[Run, ...]:
    """The Unicode bidi algorithm at run level (rules W7, N1, N2, I1, I2, L2).

    Runs are strong right-to-left (Arabic, Hebrew faces), strong left-to-right (letters in other
    faces), numbers (European digits in a left-to-right face) or neutral (spaces, emoji). Within a
    run, Raqm and FriBiDi order the characters; this orders the runs.
    """
    kinds: list[str] = []
    for text, face in pieces:
        if face is None or face.emoji or not any(c.isalpha() for c in text):
            number = face is not None and not face.emoji and any(c.isdigit() for c in text)
            kinds.append("R" if face is not None and face.rtl else "EN" if number else "ON")
        else:
            kinds.append("R" if face.rtl else "L")
    # W7: numbers after left-to-right text (or at the start of a left-to-right paragraph) are L.
    resolved: list[str] = []
    last_strong = "R" if rtl else "L"
    for kind in kinds:
        if kind in ("L", "R"):
            last_strong = kind
        resolved.append("L" if kind == "EN" and last_strong == "L" else kind)
    # N1/N2: neutrals between two runs of one direction take it (numbers count as R); else the paragraph's.
    strong = [None if k == "ON" else ("R" if k in ("R", "EN") else "L") for k in resolved]
    directions: list[str] = []
    for index, kind in enumerate(resolved):
        if kind != "ON":
            directions.append(kind)
            continue
        before = next((s for s in reversed(strong[:index]) if s is not None), "R" if rtl else "L")
        after = next((s for s in strong[index + 1 :] if s is not None), "R" if rtl else "L")
        directions.append(before if before == after else ("R" if rtl else "L"))
    # I1/I2: embedding levels.
    base = 1 if rtl else 0
    levels = []
    for direction in directions:
        if rtl:
            levels.append(1 if direction == "R" else 2)
        else:
            levels.append({"L": 0, "R": 1, "EN": 2}[direction])
    ordered = [
        Run(text, face if face is not None else _space_face(chain), direction == "R")
        for (text, face), direction in zip(pieces, directions, strict=True)
    ]
    # L2: reverse every sequence at each level from the highest down to the lowest odd one.
    items = list(zip(levels, ordered, strict=True))
    for level in range(max(levels, default=base), 0, -1):
        index = 0
        while index < len(items):
            if items[index][0] >= level:
                end = index
                while end < len(items) and items[end][0] >= level:
                    end += 1
                items[index:end] = items[index:end][::-1]
                index = end
            else:
                index += 1
    return tuple(run for _, run in items)


def _space_face(chain: tuple[Face, ...]) -> Face:
    return next(face for face in chain if not face.emoji and covers(face, 0x20))


# --- measuring ----------------------------------------------------------------------------------


def emoji_factor(size: int) -> float:
    return size * EMOJI_SCALE / EMOJI_STRIKE


@lru_cache(maxsize=32768)
def run_width(run: Run, size: int) -> float:
    font = load_font(run.face, size)
    if run.face.emoji:
        return float(font.getlength(run.text)) * emoji_factor(size)
    return float(font.getlength(run.text, direction="rtl" if run.rtl else "ltr"))


@lru_cache(maxsize=32768)
def text_width(text: str, chain: tuple[Face, ...], size: int, rtl: bool) -> float:
    """Advance width of text as it will be drawn (sum of its runs)."""
    return sum(run_width(run, size) for run in runs(text, chain, rtl))


def make_line(text: str, chain: tuple[Face, ...], size: int, rtl: bool) -> Line:
    text = text.strip()
    return Line(text, runs(text, chain, rtl), text_width(text, chain, size, rtl))


# --- breaking -----------------------------------------------------------------------------------


def _breaks_anywhere(char: str) -> bool:
    """Han, kana and CJK punctuation: written without spaces, a line may break between any two."""
    cp = ord(char)
    return (
        0x2E80 <= cp <= 0x2FDF  # radicals
        or 0x3000 <= cp <= 0x30FF  # CJK punctuation, hiragana, katakana
        or 0x31C0 <= cp <= 0x31FF  # strokes, katakana extensions
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFF60  # fullwidth forms
        or 0xFF61 <= cp <= 0xFF9F  # halfwidth katakana
        or 0x20000 <= cp <= 0x3FFFF
    )


def _without_spaces(char: str) -> bool:
    """Thai, Lao, Myanmar, Khmer, New Tai Lue, Tai Tham, Tai Viet and Myanmar extensions (UAX #14
    class SA): written without spaces between words, so only a dictionary knows where a line may
    break. All in the Basic Multilingual Plane (ICU's offsets are UTF-16 units; see
    dictionary_breaks)."""
    cp = ord(char)
    return (
        0x0E00 <= cp <= 0x0EFF  # Thai, Lao
        or 0x1000 <= cp <= 0x109F  # Myanmar
        or 0x1780 <= cp <= 0x17FF  # Khmer
        or 0x1980 <= cp <= 0x1AAF  # New Tai Lue, Khmer symbols, Buginese, Tai Tham
        or 0xA9E0 <= cp <= 0xA9FF  # Myanmar extended-B
        or 0xAA60 <= cp <= 0xAADF  # Myanmar extended-A, Tai Viet
    )


@cache
def _line_breaker() -> type[LineBreaker] | None:
    """ICU's line breaker (icu4py, the LineBreakingLayer on Lambda), imported on first need."""
    try:
        from icu4py.breakers import LineBreaker
    except ImportError:
        logger.warning(
            "icu4py is not installed (on Lambda: the LineBreakingLayer is not attached): "
            "Thai, Lao, Khmer and Burmese headlines will break between any two characters"
        )
        return None
    return LineBreaker


@lru_cache(maxsize=1024)
def dictionary_breaks(text: str) -> frozenset[int]:
    """Offsets in text where a line may break inside a run of Thai, Lao, Khmer or Burmese: between
    two words, as ICU's dictionaries segment them. Empty when text has none of those scripts.

    Each run goes to ICU on its own, so text in every other script keeps the rules of tokens().
    """
    found: set[int] = set()
    start = 0
    for unspaced, characters in itertools.groupby(text, _without_spaces):
        run = "".join(characters)
        if unspaced:
            breaker = _line_breaker()
            if breaker is None:  # between any two clusters of the run, as before ICU
                found.update(range(start + 1, start + len(run)))
            else:
                # Runs hold BMP characters only, so ICU's UTF-16 offsets are offsets into the run.
                found.update(start + boundary for boundary, _ in breaker(run, "und").segments() if boundary)
        start += len(run)
    return frozenset(found)


def tokens(text: str) -> list[str]:
    """Break opportunities: words with their trailing space, single CJK characters, kinsoku kept,
    and words of scripts written without spaces (Thai, Lao, Khmer, Burmese) as ICU finds them.

    Korean is written with spaces, so Hangul words stay whole (keep-all), which is how Korean
    headlines are set.
    """
    out: list[str] = []
    current = ""
    glue = False  # the current token ends with an opening bracket: it must not end a line
    word_starts = dictionary_breaks(text)
    offset = 0
    for cluster in clusters(text):
        char = cluster[0]
        at = offset
        offset += len(cluster)
        if at in word_starts and current and not glue:
            out.append(current)
            current = ""
        if cluster.isspace() and char not in _NO_BREAK_SPACES:
            if current:
                out.append(current + cluster)
                current = ""
            elif out:
                out[-1] += cluster
            glue = False
            continue
        if char in "—–" and not current and out:
            # A spaced dash stays at the end of the line before it (European typesetting).
            out[-1] += cluster
            continue
        if char in _NO_LINE_START and (current or out):
            if current:
                current += cluster
            else:
                out[-1] += cluster
            continue
        if _breaks_anywhere(char):
            if current and not glue:
                out.append(current)
                current = ""
            current += cluster
            glue = char in _NO_LINE_END
            if not glue:
                out.append(current)
                current = ""
            continue
        current += cluster
        glue = char in _NO_LINE_END
        if char in _BREAK_AFTER_ALWAYS or (
            char in _BREAK_AFTER and len(current) > 1 and current[-2].isalpha()
        ):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _split_long(
    token: str, chain: tuple[Face, ...], size: int, rtl: bool, width: float, language: str
) -> list[str]:
    """A word wider than the line, in pieces that fit: at syllables where the language's dictionary
    knows them, else between characters (with a hyphen where the script uses one)."""
    word = token.rstrip()
    trailing = token[len(word) :]
    hyphen = "-" if hyphenates(word) else ""
    pieces: list[str] = []
    start = 0
    breaks = syllable_breaks(word, language)
    while text_width(word[start:], chain, size, rtl) > width:
        # The longest run of syllables that still fits with its hyphen.
        fitting = [
            b for b in breaks if b > start and text_width(word[start:b] + hyphen, chain, size, rtl) <= width
        ]
        if not fitting:
            break
        end = fitting[-1]
        pieces.append(word[start:end] + ("" if word[end - 1] in _BREAK_AFTER else hyphen))
        start = end
    current = ""
    for cluster in clusters(word[start:]):
        if current and text_width(current + cluster + hyphen, chain, size, rtl) > width:
            pieces.append(current + hyphen)
            current = ""
        current += cluster
    pieces.append(current + trailing)
    return pieces


@dataclass(frozen=True)
class _Measured:
    tokens: list[str]
    widths: list[float]  # without trailing space
    gaps: list[float]  # the trailing space's width


def _measure(
    pieces: list[str],
    chain: tuple[Face, ...],
    size: int,
    rtl: bool,
    width: float,
    allow_break: bool,
    language: str = "en",
) -> _Measured | None:
    out: list[str] = []
    for token in pieces:
        if text_width(token.rstrip(), chain, size, rtl) <= width:
            out.append(token)
        elif allow_break:
            out.extend(_split_long(token, chain, size, rtl, width, language))
        else:
            return None
    widths = [text_width(t.rstrip(), chain, size, rtl) for t in out]
    gaps = [text_width(t[len(t.rstrip()) :], chain, size, rtl) if t != t.rstrip() else 0.0 for t in out]
    if any(w > width for w in widths):
        return None
    return _Measured(out, widths, gaps)


def _line_width(m: _Measured, start: int, end: int) -> float:
    return sum(m.widths[start:end]) + sum(m.gaps[start : end - 1])


def _greedy(m: _Measured, width: float) -> list[int]:
    """Line starts of the fewest-lines wrap."""
    starts = [0]
    used = 0.0
    for index, token_width in enumerate(m.widths):
        if index == starts[-1]:
            used = token_width
            continue
        candidate = used + m.gaps[index - 1] + token_width
        if candidate <= width:
            used = candidate
        else:
            starts.append(index)
            used = token_width
    return starts


def _balanced(m: _Measured, width: float, line_count: int) -> list[int]:
    """Line starts for exactly line_count lines with the most even lengths and no lone last word.

    Dynamic programming over break points, minimising the sum of squared slack of every line
    (the last included, which is what makes lines even rather than merely full).
    """
    count = len(m.widths)
    if line_count <= 1 or count <= 1:
        return [0]
    inf = float("inf")
    best = [[inf] * (count + 1) for _ in range(line_count + 1)]
    back = [[0] * (count + 1) for _ in range(line_count + 1)]
    best[0][0] = 0.0
    for lines in range(1, line_count + 1):
        for end in range(lines, count + 1):
            for start in range(end - 1, lines - 2, -1):
                used = _line_width(m, start, end)
                if used > width:
                    break
                if best[lines - 1][start] == inf:
                    continue
                cost = best[lines - 1][start] + (width - used) ** 2
                if lines == line_count and end == count and end - start == 1 and count > line_count:
                    cost += 4 * width**2  # a lone word on the last line
                if cost < best[lines][end]:
                    best[lines][end], back[lines][end] = cost, start
    if best[line_count][count] == inf:
        return _greedy(m, width)
    starts: list[int] = []
    end = count
    for lines in range(line_count, 0, -1):
        end = back[lines][end]
        starts.append(end)
    return starts[::-1]


def _lines_from(m: _Measured, starts: list[int], chain: tuple[Face, ...], size: int, rtl: bool) -> list[Line]:
    bounds = [*starts, len(m.tokens)]
    return [make_line("".join(m.tokens[a:b]), chain, size, rtl) for a, b in itertools.pairwise(bounds)]


def line_spacing(text: str) -> float:
    """Tall scripts (Indic stacks, Arabic marks) need more leading than Latin capitals do."""
    tall = cjk = False
    for char in text:
        cp = ord(char)
        if (
            0x0600 <= cp <= 0x06FF
            or 0x0900 <= cp <= 0x0DFF
            or 0x0E00 <= cp <= 0x0FFF  # Thai, Lao, Tibetan
            or 0x1000 <= cp <= 0x109F
            or 0x1780 <= cp <= 0x17FF  # Khmer: subscript consonants stack under the line
        ):
            tall = True
        elif _breaks_anywhere(char) or 0xAC00 <= cp <= 0xD7AF:
            cjk = True
    return 1.45 if tall else 1.28 if cjk else 1.16


def fit_headline(
    text: str,
    *,
    chain: tuple[Face, ...],
    width: int,
    height: int,
    max_lines: int,
    max_size: int,
    min_size: int,
    rtl: bool = False,
    language: str = "en",
) -> TextBlock:
    """The largest size whose lines fit width x height in max_lines; words broken (at syllables
    where the language's dictionary knows them), then ellipsis."""
    pieces = tokens(text)
    spacing = line_spacing(text)
    box = (width, height, max_lines, spacing)
    for allow_break in (False, True):

        def fits(size: int, allow_break: bool = allow_break) -> tuple[int, _Measured, int] | None:
            measured = _measure(pieces, chain, size, rtl, width, allow_break, language)
            if measured is None:
                return None
            count = len(_greedy(measured, width))
            return (size, measured, count) if _within(count, size, box) else None

        fitted: tuple[int, _Measured, int] | None = None
        if not allow_break:
            start = _estimated_size(pieces, chain, rtl, box, min_size, max_size)
            fitted = _largest_fitting(fits, start, min_size, max_size)
        else:  # broken words change with the size, so no estimate: a plain bisection
            fitted = _bisect_largest(fits, min_size, max_size, None)
        if fitted is not None:
            size, measured, count = fitted
            starts = _balanced(measured, width, count)
            if _lone_last(starts, len(measured.tokens)):
                size, measured, starts = _without_lone_word(
                    pieces, chain, size, measured, starts, (width, height, max_lines, min_size, rtl, spacing)
                )
            lines = _lines_from(measured, starts, chain, size, rtl)
            return TextBlock(tuple(lines), size, round(size * spacing), False, allow_break)
    return _truncated(pieces, chain, width, height, max_lines, min_size, rtl, spacing, language)


def _within(count: int, size: int, box: tuple[int, int, int, float]) -> bool:
    """count lines at size fit the headline box (width, height, max_lines, line spacing)."""
    _width, height, max_lines, spacing = box
    return count <= max_lines and count * round(size * spacing) <= height


def _estimated_size(
    pieces: list[str],
    chain: tuple[Face, ...],
    rtl: bool,
    box: tuple[int, int, int, float],
    low: int,
    high: int,
) -> int:
    """The largest size that fits if every width scales with the size, from one measurement.

    Advances are hinted, so widths scale only nearly linearly: the estimate is where the exact
    search starts, not its answer. Measuring every token at every size a bisection visits was most
    of a card's typesetting time (a font lookup and a HarfBuzz shaping per token and size).
    """
    width = box[0]
    widths = [text_width(t.rstrip(), chain, high, rtl) for t in pieces]
    gaps = [text_width(t[len(t.rstrip()) :], chain, high, rtl) if t != t.rstrip() else 0.0 for t in pieces]
    for size in range(high, low - 1, -1):
        scale = size / high
        scaled = _Measured(pieces, [w * scale for w in widths], [g * scale for g in gaps])
        if max(scaled.widths, default=0.0) <= width and _within(len(_greedy(scaled, width)), size, box):
            return size
    return low


def _largest_fitting(
    fits: Callable[[int], tuple[int, _Measured, int] | None], start: int, low: int, high: int
) -> tuple[int, _Measured, int] | None:
    """The largest size in low..high that fits, by exact measurement outward from an estimate.

    Galloping: steps of 1, 2, 4, ... away from the estimate until the answer is bracketed, then
    a bisection inside the bracket. An estimate one size off (the usual case) costs two or three
    measurements where a bisection of 30..88 px costs six or seven, and a wild one still costs
    only a logarithmic number.
    """
    found = fits(start)
    if found is None:  # too large: gallop down (1, 2, 4, ... below) to a size that fits
        failing, offset = start, 1
        while start - offset >= low:
            if (found := fits(start - offset)) is not None:
                break
            failing, offset = start - offset, offset * 2
        lower, upper = (found[0] + 1 if found is not None else low), failing - 1
    else:  # fits: gallop up (1, 2, 4, ... above) while larger sizes fit
        offset, upper = 1, high
        while start + offset <= high:
            if (larger := fits(start + offset)) is None:
                upper = start + offset - 1
                break
            found, offset = larger, offset * 2
        lower = found[0] + 1
    return _bisect_largest(fits, lower, upper, found)


def _bisect_largest(
    fits: Callable[[int], tuple[int, _Measured, int] | None],
    lower: int,
    upper: int,
    found: tuple[int, _Measured, int] | None,
) -> tuple[int, _Measured, int] | None:
    """The largest size in lower..upper that fits, by bisection; found (a smaller size known to
    fit, or None) if none there does."""
    while lower <= upper:
        middle = (lower + upper) // 2
        candidate = fits(middle)
        if candidate is not None:
            found, lower = candidate, middle + 1
        else:
            upper = middle - 1
    return found


def _lone_last(starts: list[int], count: int) -> bool:
    """The last line is one word while some other line has several: a widow to avoid."""
    bounds = [*starts, count]
    sizes = [b - a for a, b in itertools.pairwise(bounds)]
    return len(sizes) > 1 and sizes[-1] == 1 and max(sizes[:-1]) > 1


def _without_lone_word(
    pieces: list[str],
    chain: tuple[Face, ...],
    size: int,
    measured: _Measured,
    starts: list[int],
    box: tuple[int, int, int, int, bool, float],
) -> tuple[int, _Measured, list[int]]:
    """Up to a quarter smaller type, if that is what it takes to give the last word company."""
    width, height, max_lines, min_size, rtl, spacing = box
    for smaller in range(size - 1, max(min_size, int(size * 0.75)) - 1, -1):
        candidate = _measure(pieces, chain, smaller, rtl, width, allow_break=False)
        if candidate is None:
            continue
        count = len(_greedy(candidate, width))
        if not _within(count, smaller, (width, height, max_lines, spacing)):
            continue
        balanced = _balanced(candidate, width, count)
        if not _lone_last(balanced, len(candidate.tokens)):
            return smaller, candidate, balanced
    return size, measured, starts


def _truncated(
    pieces: list[str],
    chain: tuple[Face, ...],
    width: int,
    height: int,
    max_lines: int,
    size: int,
    rtl: bool,
    spacing: float,
    language: str,
) -> TextBlock:
    line_height = round(size * spacing)
    room = max(1, min(max_lines, height // line_height))
    measured = _measure(pieces, chain, size, rtl, width, allow_break=True, language=language)
    assert measured is not None  # every cluster is narrower than a line at any sensible size
    starts = _greedy(measured, width)[: room + 1]
    lines = _lines_from(measured, starts, chain, size, rtl)[:room]
    last_tokens = measured.tokens[starts[room - 1] : starts[room] if len(starts) > room else None]
    lines[-1] = _with_ellipsis(last_tokens, chain, size, rtl, width)
    return TextBlock(tuple(lines), size, line_height, True, True)


def _with_ellipsis(pieces: list[str], chain: tuple[Face, ...], size: int, rtl: bool, width: float) -> Line:
    """The line's words that fit with an ellipsis after them; whole words dropped first."""
    kept = list(pieces)
    while kept:
        candidate = "".join(kept).rstrip().rstrip(",;:-–—.") + ELLIPSIS
        if text_width(candidate, chain, size, rtl) <= width:
            return make_line(candidate, chain, size, rtl)
        if len(kept) > 1:
            kept.pop()
        elif kept[0].strip():
            kept[0] = "".join(clusters(kept[0].rstrip())[:-1])
        else:
            break
    return make_line(ELLIPSIS, chain, size, rtl)


def fit_line(text: str, *, chain: tuple[Face, ...], size: int, width: float, rtl: bool) -> Line:
    """One line at a fixed size (kicker, site name), ellipsised if it is too long."""
    line = make_line(text, chain, size, rtl)
    if line.width <= width:
        return line
    return _with_ellipsis(tokens(text), chain, size, rtl, width)
