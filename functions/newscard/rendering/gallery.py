"""Contact sheet: every preset of every article side by side, for editors and for review."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from newscard.rendering.fonts import font_chain
from newscard.rendering.text import fit_line

_ROW_HEIGHT = 420
_GAP = 24
_BACKGROUND = "#1c1c1e"
_INK = "#e5e5ea"


@dataclass(frozen=True)
class SheetRow:
    """One article's cards, in preset order, with a caption (file name, language)."""

    caption: str
    cards: Sequence[tuple[str, bytes]]  # (preset name, encoded card)


def contact_sheet(rows: Sequence[SheetRow], *, row_height: int = _ROW_HEIGHT) -> bytes:
    """A PNG with one row per article: the cards scaled to a common height, labelled."""
    thumbs = [[(name, _thumbnail(data, row_height)) for name, data in row.cards] for row in rows]
    width = max((sum(t.width for _, t in row) + _GAP * (len(row) + 1) for row in thumbs), default=_GAP * 2)
    label = max(12, round(row_height / 19))  # 22 px at the default row height
    band = label * 2 + row_height + _GAP
    sheet = Image.new("RGB", (width, _GAP + band * len(rows)), _BACKGROUND)
    chain = font_chain("en", bold=True)
    for index, (row, cards) in enumerate(zip(rows, thumbs, strict=True)):
        top = _GAP + index * band
        caption = fit_line(row.caption, chain=chain, size=label, width=width - 2 * _GAP, rtl=False)
        _label(sheet, caption, _GAP, top + label, label)
        x = _GAP
        small = max(11, round(label * 0.75))
        for name, thumb in cards:
            sheet.paste(thumb, (x, top + label + 8))
            text = f"{name} {_size_of(row, name)}"
            tag = fit_line(text, chain=chain, size=small, width=thumb.width + _GAP - 6, rtl=False)
            _label(sheet, tag, x, top + label + 8 + row_height + round(label * 0.95), small)
            x += thumb.width + _GAP
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _label(sheet: Image.Image, line: object, x: int, baseline: int, size: int) -> None:
    from newscard.rendering.cards import draw_line
    from newscard.rendering.text import Line

    assert isinstance(line, Line)
    draw_line(sheet, line, x, baseline, size, _INK)


def _size_of(row: SheetRow, name: str) -> str:
    data = dict(row.cards)[name]
    kind = "PNG" if data[:4] == b"\x89PNG" else "JPEG"
    return f"{kind} {len(data) / 1024:.0f} KB"


def _thumbnail(data: bytes, height: int) -> Image.Image:
    with Image.open(io.BytesIO(data)) as card:
        card.load()
        width = round(card.width * height / card.height)
        framed = card.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    ImageDraw.Draw(framed).rectangle((0, 0, width - 1, height - 1), outline="#3a3a3c")
    return framed
