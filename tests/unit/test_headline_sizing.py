"""Headline sizing: the search from an estimate finds what measuring every size would, cheaply."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newscard.rendering import text
from newscard.rendering.fonts import font_chain


def _search(threshold: int, start: int, low: int, high: int) -> tuple[int | None, list[int]]:
    """_largest_fitting over sizes that fit up to threshold; returns the answer and what it measured."""
    measured: list[int] = []

    def fits(size: int) -> tuple[int, text._Measured, int] | None:
        assert low <= size <= high, f"measured {size} outside {low}..{high}"
        measured.append(size)
        return (size, text._Measured([], [], []), 1) if size <= threshold else None

    found = text._largest_fitting(fits, start, low, high)
    return (found[0] if found else None), measured


@given(
    low=st.integers(1, 60),
    span=st.integers(0, 120),
    threshold=st.integers(0, 200),
    start_offset=st.integers(0, 120),
)
def test_the_search_finds_the_largest_fitting_size_whatever_the_estimate(
    low: int, span: int, threshold: int, start_offset: int
) -> None:
    # Given sizes low..high that fit up to a threshold, and an estimate anywhere in the range
    high = low + span
    start = low + start_offset % (span + 1)
    # When the search runs from the estimate
    found, measured = _search(threshold, start, low, high)
    # Then it finds what checking every size would, measuring each size at most once
    expected = max((size for size in range(low, high + 1) if size <= threshold), default=None)
    assert found == expected
    assert len(measured) == len(set(measured))
    # and never more than a gallop and a bisection's worth of sizes
    assert len(measured) <= 4 + 3 * (span + 1).bit_length()


@given(threshold=st.integers(31, 87), miss=st.integers(-1, 1))
def test_an_estimate_one_size_off_costs_at_most_three_measurements(threshold: int, miss: int) -> None:
    _, measured = _search(threshold, threshold + miss, 30, 88)
    assert len(measured) <= 3


def test_sizes_match_a_search_that_measures_every_size() -> None:
    # Real headlines in several scripts and boxes: the estimate-led search picks the same size and
    # breaks as measuring every size from the largest down would.
    cases = [
        ("US Russia Overtures Deepen European Fears Over Future of Alliance", "en", False),
        ("Bundesregierung beschließt Genehmigungszuständigkeitsverordnung für Windkraft", "de", False),
        ("Η κυβέρνηση ανακοινώνει νέα μέτρα για την ακρίβεια και τα ενοίκια", "el", False),
        ("وزراء الخارجية الأوروبيون يجتمعون في بروكسل لبحث مستقبل الحلف", "ar", True),
        ("東京都、新たな防災計画を発表 首都直下地震に備え", "ja", False),
        ("Короткий заголовок", "ru", False),
    ]
    for headline, language, rtl in cases:
        chain = font_chain(language)
        for width, height, max_lines, max_size, min_size in [
            (1088, 353, 5, 88, 30),
            (936, 540, 8, 104, 40),
            (912, 1190, 14, 140, 48),
            (500, 300, 5, 88, 30),
        ]:
            block = text.fit_headline(
                headline,
                chain=chain,
                width=width,
                height=height,
                max_lines=max_lines,
                max_size=max_size,
                min_size=min_size,
                rtl=rtl,
                language=language,
            )
            if block.truncated or block.words_broken:
                continue
            spacing = text.line_spacing(headline)
            box = (width, height, max_lines, spacing)
            pieces = text.tokens(headline)
            every = [
                size
                for size in range(max_size, min_size - 1, -1)
                if (m := text._measure(pieces, chain, size, rtl, width, False, language)) is not None
                and text._within(len(text._greedy(m, width)), size, box)
            ]
            assert every, headline
            largest = every[0]
            measured = text._measure(pieces, chain, largest, rtl, width, False, language)
            assert measured is not None
            starts = text._balanced(measured, width, len(text._greedy(measured, width)))
            if text._lone_last(starts, len(measured.tokens)):
                # The widow rule may then take up to a quarter off to give the last word company.
                assert int(largest * 0.75) <= block.size <= largest, (headline, width)
            else:
                assert block.size == largest, (headline, width)
