"""Font coverage: which characters each bundled face really has, read from its cmap as ranges."""

from __future__ import annotations

import mmap
import struct

import pytest

from newscard.rendering import fonts


def _every_face() -> list[fonts.Face]:
    faces: set[fonts.Face] = set()
    for language in ("en", "ar", "he", "hi", "ja", "ko", "zh", "zh-TW", "zh-HK"):
        for family in ("sans", "serif"):
            faces.update(fonts.font_chain(language, family=family))
    return sorted(faces, key=lambda face: (face.filename, face.index))


def _code_points_one_by_one(face: fonts.Face) -> set[int]:
    """An independent reading: the same subtable walked group by group (format 12) or segment by
    segment (format 4), every code point with a non-zero glyph listed one at a time."""
    with face.path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        offset = struct.unpack_from(">I", data, 12 + 4 * face.index)[0] if data[:4] == b"ttcf" else 0
        (num_tables,) = struct.unpack_from(">H", data, offset + 4)
        records = [struct.unpack_from(">4sIII", data, offset + 12 + 16 * i) for i in range(num_tables)]
        cmap = next(at for tag, _, at, _ in records if tag == b"cmap")
        (count,) = struct.unpack_from(">H", data, cmap + 2)
        subtables = {}
        for i in range(count):
            platform, encoding, at = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
            subtables[(platform, encoding, struct.unpack_from(">H", data, cmap + at)[0])] = cmap + at
        for key in ((3, 10, 12), (0, 4, 12), (0, 6, 12), (3, 1, 4), (0, 3, 4)):
            if key not in subtables:
                continue
            at = subtables[key]
            found: set[int] = set()
            if key[2] == 4:
                return {start for start, _ in fonts._format4(data, at)}
            for group in range(struct.unpack_from(">I", data, at + 12)[0]):
                start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * group)
                found.update(cp for cp in range(start, end + 1) if glyph + cp - start != 0)
            return found
        return set()


@pytest.mark.parametrize("face", _every_face(), ids=lambda face: f"{face.name}")
def test_coverage_ranges_hold_exactly_the_mapped_code_points(face: fonts.Face) -> None:
    mapped = _code_points_one_by_one(face)
    coverage = fonts.coverage(face)
    assert mapped, "every bundled face maps some characters"
    assert all(code_point in coverage for code_point in mapped)
    # Nothing between or around the ranges is claimed: check each gap's edges and a sample inside.
    for code_point in range(0, 0x30000, 7):
        assert (code_point in coverage) == (code_point in mapped)


def test_a_format_12_group_starting_at_glyph_0_leaves_out_only_its_first_code_point() -> None:
    # One group: U+0041..U+0043 -> glyphs 0, 1, 2 (.notdef for A only).
    table = struct.pack(">HHIII", 12, 0, 28, 0, 1) + struct.pack(">III", 0x41, 0x43, 0)
    buffer = mmap.mmap(-1, len(table))
    buffer.write(table)
    assert fonts._format12(buffer, 0) == [(0x42, 0x43)]


def test_latin_headlines_need_no_fallback_and_cjk_find_their_face() -> None:
    assert all(fonts.covers(fonts.SANS_BOLD, ord(char)) for char in "Breaking: Élysée, 2026!")
    assert not fonts.covers(fonts.SANS_BOLD, ord("東"))
    assert fonts.covers(fonts.cjk_face("ja"), ord("東"))


@pytest.mark.parametrize(
    ("language", "first"),
    [
        ("ar", "arabic"),
        ("sd", "arabic"),  # Sindhi, Uyghur and Sorani are written in Arabic script: its digits too
        ("ug", "arabic"),
        ("ckb", "arabic"),
        ("pa-Arab", "arabic"),
        ("pa", "sans-bold"),  # Gurmukhi: the Latin font leads, the chain finds Gurmukhi further on
        ("iw", "hebrew"),  # the withdrawn code Java still sends
        ("hi-Latn", "sans-bold"),  # Hinglish in Latin letters
        ("zh-yue-HK", "cjk-zh-hant"),
        ("ar-u-nu-latn", "arabic"),
    ],
)
def test_the_font_of_the_script_a_language_is_written_in_leads_its_chain(language: str, first: str) -> None:
    assert fonts.font_chain(language)[0].name == first
