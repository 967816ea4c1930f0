"""Headline typesetting: the largest size that fits, balanced lines, ellipsis only as a last resort."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from newscard.rendering.fonts import load_font

ELLIPSIS = "…"
# Scripts written without spaces between words: break between any two characters.
_NO_SPACE_SCRIPTS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# Characters that must not begin a line in CJK typesetting (kinsoku shori).
_NO_LINE_START = set("、。，．・：；？！ー」』）】〕〉》”’.,:;?!)]}%")


@dataclass(frozen=True)
class TextBlock:
    """A fitted headline: its lines, the font size and line height in pixels."""

    lines: tuple[str, ...]
    size: int
    line_height: int
    truncated: bool
    font_path: Path

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def tokens(text: str) -> list[str]:
    """Break opportunities: words with their trailing space, or single CJK characters."""
    pieces: list[str] = []
    for word in re.findall(r"\S+\s*", text):
        if _NO_SPACE_SCRIPTS.search(word):
            for char in word:
                if pieces and char in _NO_LINE_START:
                    pieces[-1] += char
                else:
                    pieces.append(char)
        else:
            pieces.append(word)
    return pieces


def _measure(font: ImageFont.FreeTypeFont, text: str, direction: str) -> float:
    kwargs = {"direction": direction} if font.layout_engine == ImageFont.Layout.RAQM else {}
    return float(font.getlength(text.rstrip(), **kwargs))  # type: ignore[arg-type]


def wrap(pieces: list[str], font: ImageFont.FreeTypeFont, width: float, direction: str) -> list[str] | None:
    """Greedy wrap; words longer than a line are broken by character. None if a character is too wide."""
    lines: list[str] = []
    current = ""
    queue = list(pieces)
    while queue:
        piece = queue.pop(0)
        candidate = current + piece
        if _measure(font, candidate, direction) <= width:
            current = candidate
            continue
        if current:
            lines.append(current.rstrip())
            current = ""
            queue.insert(0, piece)
            continue
        # A single piece wider than the line: split it where it overflows.
        cut = _longest_prefix(piece, font, width, direction)
        if cut == 0:
            return None
        lines.append(piece[:cut])
        queue.insert(0, piece[cut:])
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _longest_prefix(text: str, font: ImageFont.FreeTypeFont, width: float, direction: str) -> int:
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if _measure(font, text[:mid], direction) <= width:
            low = mid
        else:
            high = mid - 1
    return low


def balance(
    pieces: list[str], font: ImageFont.FreeTypeFont, width: float, direction: str, line_count: int
) -> list[str]:
    """The narrowest wrap that keeps line_count lines: evens out line lengths, no lone last word."""
    best = wrap(pieces, font, width, direction)
    assert best is not None
    low, high = width * 0.5, width
    for _ in range(12):
        mid = (low + high) / 2
        attempt = wrap(pieces, font, mid, direction)
        if attempt is not None and len(attempt) <= line_count:
            best, high = attempt, mid
        else:
            low = mid
    return best


def fit_headline(
    text: str,
    *,
    font_path: Path,
    width: int,
    height: int,
    max_lines: int,
    max_size: int,
    min_size: int,
    direction: str = "ltr",
    line_spacing: float = 1.18,
) -> TextBlock:
    """Find the largest size whose wrap fits width x height in max_lines; else ellipsise at min_size."""
    pieces = tokens(text)
    low, high = min_size, max_size
    fitted: tuple[int, list[str]] | None = None
    while low <= high:
        size = (low + high) // 2
        font = load_font(font_path, size)
        lines = wrap(pieces, font, width, direction)
        line_height = round(size * line_spacing)
        if lines is not None and len(lines) <= max_lines and len(lines) * line_height <= height:
            fitted = (size, lines)
            low = size + 1
        else:
            high = size - 1
    if fitted is not None:
        size, lines = fitted
        font = load_font(font_path, size)
        lines = balance(pieces, font, width, direction, len(lines))
        return TextBlock(tuple(lines), size, round(size * line_spacing), False, font_path)
    return _truncated(pieces, font_path, width, height, max_lines, min_size, direction, line_spacing)


def _truncated(
    pieces: list[str],
    font_path: Path,
    width: int,
    height: int,
    max_lines: int,
    size: int,
    direction: str,
    line_spacing: float,
) -> TextBlock:
    font = load_font(font_path, size)
    line_height = round(size * line_spacing)
    room = max(1, min(max_lines, height // line_height))
    lines = wrap(pieces, font, width, direction) or []
    kept = lines[:room]
    last = kept[-1] if kept else ""
    # Drop whole words where possible, so the ellipsis never cuts one in half.
    while last and _measure(font, last + ELLIPSIS, direction) > width:
        shorter = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        last = shorter.rstrip(" ,;:-–—")
    kept[-1:] = [last + ELLIPSIS]
    return TextBlock(tuple(kept), size, line_height, True, font_path)
