"""Strip TrueType hinting from the bundled fonts: cards set text at 26-140 px, anti-aliased, where
hinting changes no visible pixel, yet FreeType's bytecode interpreter is most of the text cost
(a 29-glyph line at 80 px: 2.9 ms hinted, 1.1 ms unhinted; Chromium and Skia draw large text
unhinted too). Idempotent; run after adding or updating a font in functions/newscard/rendering/fonts.

    .venv/bin/python scripts/dehint_fonts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.tables import ttProgram

FONTS = Path(__file__).resolve().parent.parent / "functions" / "newscard" / "rendering" / "fonts"
HINTING_TABLES = ("fpgm", "prep", "cvt ", "hdmx", "VDMX", "LTSH")


def dehint(path: Path) -> bool:
    """Remove the hinting tables and every glyph's instructions; True if the file changed."""
    font = TTFont(path)
    if "glyf" not in font:
        return False  # CFF outlines: FreeType's CFF hinter is cheap, and nothing to strip here
    changed = False
    for tag in HINTING_TABLES:
        if tag in font:
            del font[tag]
            changed = True
    glyf = font["glyf"]
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if hasattr(glyph, "program") and glyph.program.getBytecode():
            glyph.program = ttProgram.Program()
            glyph.program.fromBytecode(b"")
            changed = True
    if "maxp" in font and changed:
        maxp = font["maxp"]
        for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs"):
            if hasattr(maxp, field):
                setattr(maxp, field, 1 if field == "maxZones" else 0)
        maxp.maxInstructionDefs = maxp.maxStackElements = maxp.maxSizeOfInstructions = 0
    if "head" in font and changed:
        font["head"].flags &= ~(1 << 3 | 1 << 4)  # instructions may no longer alter advances
    if changed:
        font.save(path)
    return changed


def main() -> int:
    for path in sorted(FONTS.glob("*.ttf")):
        print(f"{path.name}: {'dehinted' if dehint(path) else 'already unhinted'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
