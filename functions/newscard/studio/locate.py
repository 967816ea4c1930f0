"""Where in the JSON text a problem's location is: the line an editor should look at.

Validation reports JSON-pointer-like locations (`/body/3/alt`); the studio highlights the line of
the text that holds that member, or of its nearest existing ancestor when the member is missing
(`/hero/alt` absent: the `"hero"` line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json import decoder

_NUMBER_OR_LITERAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# parse_article refuses deeper documents before any location is asked for; this only bounds recursion.
_MAX_DEPTH = 64
# The decoder's own string scanner (C accelerated): exact on escapes, returns (value, end).
scanstring: Callable[[str, int], tuple[str, int]] = decoder.scanstring  # type: ignore[attr-defined]


class _Scanner:
    """A position-recording walk over a JSON text: pointer -> offset where its member starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offsets: dict[str, int] = {}

    def _skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def value(self, index: int, pointer: str, depth: int) -> int:
        if depth > _MAX_DEPTH:
            raise ValueError("too deep")
        index = self._skip(index)
        self.offsets.setdefault(pointer, index)
        char = self.text[index : index + 1]
        if char == "{":
            return self._object(index + 1, pointer, depth)
        if char == "[":
            return self._array(index + 1, pointer, depth)
        if char == '"':
            return scanstring(self.text, index + 1)[1]
        match = _NUMBER_OR_LITERAL.match(self.text, index)
        if match is None:
            raise ValueError(f"unexpected {char!r} at {index}")
        return match.end()

    def _object(self, index: int, pointer: str, depth: int) -> int:
        index = self._skip(index)
        if self.text.startswith("}", index):
            return index + 1
        while True:
            index = self._skip(index)
            key_start = index
            key, index = scanstring(self.text, index + 1)
            index = self._skip(index) + 1  # the colon
            member = f"{pointer}/{key}"
            # The member's line is the key's line: `"alt": ...`, not wherever the value starts.
            self.offsets[member] = key_start
            index = self._skip(self.value(index, member, depth + 1))
            if self.text.startswith("}", index):
                return index + 1
            index += 1  # the comma

    def _array(self, index: int, pointer: str, depth: int) -> int:
        index = self._skip(index)
        if self.text.startswith("]", index):
            return index + 1
        position = 0
        while True:
            index = self._skip(self.value(index, f"{pointer}/{position}", depth + 1))
            position += 1
            if self.text.startswith("]", index):
                return index + 1
            index += 1


def member_offsets(text: str) -> dict[str, int]:
    """Every pointer in a valid JSON text -> the character offset of its member ({} if it is not JSON)."""
    scanner = _Scanner(text)
    try:
        scanner.value(0, "", 0)
    except (ValueError, IndexError):
        return {}
    return scanner.offsets


def locate_lines(text: str, locs: list[str]) -> list[int | None]:
    """The 1-based line to highlight for each problem location, or None when nothing in the text fits.

    A syntax error's line comes from the JSON decoder; other locations from the member (or its
    nearest existing ancestor).
    """
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return [error.lineno for _ in locs]
    except (ValueError, RecursionError):
        return [None for _ in locs]
    offsets = member_offsets(text)
    lines: list[int | None] = []
    for loc in locs:
        line = None
        # Only JSON pointers name a place in the text (not THEME_* variables); up to the root.
        pointer = loc if loc.startswith("/") else ""
        while pointer:
            if pointer in offsets:
                line = text.count("\n", 0, offsets[pointer]) + 1
                break
            pointer = pointer.rsplit("/", 1)[0]
        lines.append(line)
    return lines
