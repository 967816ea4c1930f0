"""Bytes in, a validated Article or a list of plain-language problems out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from newscard.models.article import MAX_DOCUMENT_BYTES, Article, not_a_character_message
from newscard.models.errors import ArticleRejected, ArticleTooLarge, Problem

_BLOCK_TYPES = ("paragraph", "heading", "image", "quote")
# Nesting deeper than any valid article; refused before json.loads can recurse on it.
_MAX_NESTING = 32

# Messages for fields whose absence a newsroom reader should hear about in their own words.
_MISSING_MESSAGES = {
    "alt": "images need alt text (a description for readers who cannot see them)",
    "headline": "the article needs a headline",
    "section": "the article needs a section",
    "published_at": "the article needs a publication date and time (published_at)",
    "body": "the article needs a body",
    "text": "this block needs text",
    "src": "images need a src",
    "type": "each body block needs a type: paragraph, heading, image or quote",
}


def parse_article(raw: bytes) -> Article:
    """Decode and validate an article document; raise ArticleRejected with every problem found."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise ArticleTooLarge(
            [Problem("", f"the document is {len(raw):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,} (1 MiB)")]
        )
    document = _decode_json(raw)
    if not isinstance(document, dict):
        raise ArticleRejected([Problem("", "the document must be a JSON object ({...})")])
    # Before the model: a lone surrogate cannot even be written into a report or a log as UTF-8,
    # and it may sit in a key (an unknown field) as well as in a value; and the model sees one
    # value per field, so a field written twice must be refused here or one value silently vanishes.
    before_model = list(_document_problems(document, ""))
    if before_model:
        raise ArticleRejected(before_model)
    try:
        return Article.model_validate(document)
    except ValidationError as error:
        raise ArticleRejected([problem_from_pydantic(detail) for detail in error.errors()]) from None


# Publishing is immediate: an article dated further ahead than this would sit on top of every
# listing until its date (9999-12-31: forever), so publishing refuses it rather than holding it
# back (there is no scheduler). A day absorbs clock and time-zone slips. Previews are exempt: a
# CMS shows the card of a scheduled article before it is due.
MAX_FUTURE = timedelta(days=1)


def check_publishable_now(article: Article, now: datetime) -> None:
    """Raise ArticleRejected if the article's dates are more than MAX_FUTURE after now."""
    dates = (("/published_at", article.published_at), ("/updated_at", article.updated_at))
    problems = [
        Problem(
            loc,
            "is more than a day in the future; Newscard publishes at once, "
            "so upload the article when it is due",
        )
        for loc, value in dates
        if value is not None and value - now > MAX_FUTURE
    ]
    if problems:
        raise ArticleRejected(problems)


def _decode_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleRejected(
            [Problem("", f"the file is not UTF-8 text (bad byte at position {error.start})")]
        ) from None
    if _nesting_depth(text) > _MAX_NESTING:
        raise ArticleRejected([Problem("", "the document is nested too deeply to be an article")])
    try:
        return json.loads(
            text, parse_constant=_reject_constant, parse_int=_bounded_int, object_pairs_hook=_object
        )
    except json.JSONDecodeError as error:
        raise ArticleRejected(
            [
                Problem(
                    "",
                    f"the file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                )
            ]
        ) from None
    except ValueError as error:
        raise ArticleRejected([Problem("", str(error))]) from None


def _escape_pointer(key: str) -> str:
    # A key that is itself not text is named by its escapes, so the report stays valid UTF-8.
    escaped = key.replace("~", "~0").replace("/", "~1")
    return (
        escaped.encode("utf-8", "backslashreplace").decode("utf-8")
        if not_a_character_message(key)
        else escaped
    )


class _RepeatedFields(dict[str, Any]):
    """A JSON object that named some field more than once (json.loads would keep the last silently)."""

    def __init__(self, pairs: list[tuple[str, Any]], repeated: list[str]) -> None:
        super().__init__(pairs)
        self.repeated = repeated


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    repeated = []
    for key, _ in pairs:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    return _RepeatedFields(pairs, repeated) if repeated else dict(pairs)


def _document_problems(value: Any, pointer: str) -> Iterator[Problem]:
    """A located problem for every string (key or value) holding a lone surrogate or a noncharacter,
    and for every field written twice in one object."""
    if isinstance(value, str):
        message = not_a_character_message(value)
        if message:
            yield Problem(pointer, message)
    elif isinstance(value, dict):
        for key in getattr(value, "repeated", ()):
            yield Problem(
                f"{pointer}/{_escape_pointer(key)}",
                "is given more than once here; keep one, so no value is silently dropped",
            )
        for key, item in value.items():
            child = f"{pointer}/{_escape_pointer(key)}"
            message = not_a_character_message(key)
            if message:
                yield Problem(child, f"the field name {message}")
            yield from _document_problems(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _document_problems(item, f"{pointer}/{index}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"the file is not valid JSON: {name} is not allowed")


# No article field is a number this long; Python refuses to convert past 4,300 digits anyway, with
# a message about sys.set_int_max_str_digits that means nothing to an editor.
_MAX_INT_DIGITS = 100


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _MAX_INT_DIGITS:
        raise ValueError(f"the file holds a number {digits:,} digits long, which no article field takes")
    return int(text)


def _nesting_depth(text: str) -> int:
    """Deepest bracket nesting outside strings; cheap, and keeps json.loads off deep recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _pointer(loc: tuple[int | str, ...]) -> str:
    # Discriminated unions and validators add tags (the block type right after /body/<n>,
    # "function-after[...]") to pydantic's location; readers only care about the JSON path.
    # A field that happens to be called "image" (card.image, authors[].image) stays.
    parts: list[str] = []
    for index, part in enumerate(loc):
        if isinstance(part, str) and "[" in part:
            continue
        if (
            part in _BLOCK_TYPES
            and index >= 2
            and loc[index - 2] == "body"
            and isinstance(loc[index - 1], int)
        ):
            continue
        parts.append(str(part))
    return "/" + "/".join(parts) if parts else ""


def problem_from_pydantic(detail: ErrorDetails) -> Problem:
    """A pydantic error as a located, plain-language problem (shared with the HTTP API)."""
    loc = _pointer(detail["loc"])
    field = str(loc.rsplit("/", 1)[-1]) if loc else ""
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    if kind == "missing":
        msg = _MISSING_MESSAGES.get(field, f"{field} is required")
    elif kind == "extra_forbidden":
        msg = f"unknown field '{field}' (check the spelling; unknown fields are not allowed)"
    elif kind in (
        "string_type",
        "int_type",
        "float_type",
        "list_type",
        "dict_type",
        "model_type",
        "bool_type",
    ):
        expected = {
            "string_type": "text",
            "list_type": "a list",
            "dict_type": "an object",
            "model_type": "an object",
            "float_type": "a number",
            "int_type": "a whole number",
            "bool_type": "true or false",
        }[kind]
        msg = f"must be {expected}"
    elif kind == "too_short" and field == "body":
        msg = "the article needs at least one body block"
    elif kind == "too_short":
        msg = "must not be empty"
    elif kind == "too_long":
        msg = f"has too many items (at most {ctx.get('max_length')})"
    elif kind == "string_too_long":
        msg = f"must be at most {ctx.get('max_length')} characters"
    elif kind == "string_pattern_mismatch" and field == "slug":
        msg = "a slug uses lowercase letters, digits and single hyphens, like my-article-2025"
    elif kind == "literal_error":
        msg = f"must be one of {ctx.get('expected')}"
    elif kind == "union_tag_invalid":
        msg = "each body block's type must be paragraph, heading, image or quote"
    elif kind == "union_tag_not_found":
        msg = _MISSING_MESSAGES["type"]
    elif kind in ("greater_than_equal", "less_than_equal"):
        msg = "must be between 0 and 1"
    elif kind == "timezone_aware":
        msg = "must include a UTC offset, like +00:00"
    elif kind in ("datetime_from_date_parsing", "datetime_parsing", "datetime_type"):
        msg = "must be a date and time like 2025-12-06T09:00:00+00:00"
    elif kind == "value_error":
        msg = str(ctx.get("error", detail["msg"]))
    else:
        msg = detail["msg"]
    return Problem(loc, msg)
