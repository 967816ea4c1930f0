"""Where words may break, by the language's hyphenation dictionary: for the cards' overlong words and
the pages' soft hyphens. One place, so a card and its page break a word at the same syllables."""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen

SOFT_HYPHEN = "\u00ad"  # invisible unless the line breaks there

# Pages: words of at least this many letters get soft hyphens. The narrowest measure is the
# headline on a 390 px phone, about 16 letters a line; a shorter word always fits a line and moves
# down whole, a longer one (German, Finnish, Dutch compounds) would otherwise break at any letter
# (overflow-wrap: anywhere) wherever the browser has no dictionary for the CSS `hyphens: auto`.
PAGE_MIN_LETTERS = 12
# A run of letters (any script; no digits or underscore).
_LONG_WORD = re.compile(rf"[^\W\d_]{{{PAGE_MIN_LETTERS},}}")
_SPACES = re.compile(r"(\s+)")
# Tokens (between spaces) left as written: what an editor already hyphenated, and addresses (a URL
# or an e-mail address copied out of the text must still work, and not every browser drops soft
# hyphens from what it copies). Tested by substring, token by token: a regex such as
# \S*(?:://|@)\S* backtracks over every start in a long token, and 20,000 letters took 3 s.
_AS_WRITTEN_MARKS = (SOFT_HYPHEN, "://", "@", "www.")
# Letters of long words one page hyphenates (about 2,000 words, a long read's worth; see SoftHyphens).
PAGE_BUDGET = 30_000


def hyphenates(piece: str) -> bool:
    """Alphabetic scripts mark a broken word with a hyphen; others (Arabic, Indic) do not."""
    return any(c.isalpha() and ord(c) < 0x0590 for c in piece)


@lru_cache(maxsize=64)
def _dictionary_name(language: str) -> str | None:
    """Pyphen's dictionary for a language tag (it ships ~80: de, en, fr, es, nl, ru, ...), if any."""
    name: str | None = pyphen.language_fallback(language.replace("-", "_"))
    return name


@lru_cache(maxsize=32)
def _hyphenator(language: str) -> pyphen.Pyphen | None:
    # Loaded on the first word that needs it: parsing a dictionary is a one-off per process, but
    # not a small one (on the shared bench box en_US ~90 ms, de_DE's 1 MB of patterns ~500 ms).
    name = _dictionary_name(language)
    return pyphen.Pyphen(lang=name) if name else None


@lru_cache(maxsize=8192)
def syllable_breaks(word: str, language: str) -> tuple[int, ...]:
    """Where the dictionary allows word to break (character offsets), e.g. Ge-neh-mi-gungs-...;
    where the editor has put soft hyphens (U+00AD, what CMSs emit for &shy;), only there."""
    if SOFT_HYPHEN in word:
        return tuple(index + 1 for index, char in enumerate(word[:-1]) if char == SOFT_HYPHEN and index > 0)
    hyphenator = _hyphenator(language) if hyphenates(word) else None
    return tuple(hyphenator.positions(word)) if hyphenator is not None else ()


class SoftHyphens:
    """Soft hyphens for one page's prose: a soft hyphen at each syllable break of its long words.

    Words the editor hyphenated keep exactly their own soft hyphens, addresses (URLs, e-mail) stay
    as written; text in a language Pyphen has no dictionary for, or in a script that does not
    hyphenate, comes back unchanged. The dictionary
    costs about 0.1 ms a word, so a page hyphenates at most PAGE_BUDGET letters of long words, in
    document order (a 1 MiB body of nothing but long words took seconds); later ones stay whole and
    the CSS `overflow-wrap: anywhere` still keeps them inside the line. Counting every occurrence,
    cached or not, keeps the page's bytes independent of what the process rendered before.
    """

    def __init__(self, language: str, budget: int = PAGE_BUDGET) -> None:
        self.language = language
        self.left = budget if _dictionary_name(language) is not None else 0

    def __call__(self, text: str) -> str:
        if self.left <= 0 or not _LONG_WORD.search(text):
            return text
        return "".join(
            token if any(mark in token for mark in _AS_WRITTEN_MARKS) else _LONG_WORD.sub(self._word, token)
            for token in _SPACES.split(text)
        )

    def _word(self, match: re.Match[str]) -> str:
        word = match.group()
        if len(word) > self.left or not hyphenates(word):
            return word
        self.left -= len(word)
        breaks = syllable_breaks(word, self.language)
        ends = (*breaks, len(word))
        return SOFT_HYPHEN.join(word[start:end] for start, end in zip((0, *breaks), ends, strict=True))


def with_soft_hyphens(text: str, language: str) -> str:
    """text with soft hyphens in its long words (one piece of prose with a page's whole budget)."""
    return SoftHyphens(language)(text)
