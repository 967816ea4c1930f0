"""The few domain exceptions; handlers map them to retries, reports and HTTP statuses in one place each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an article: where (JSON pointer) and what, in plain words."""

    loc: str
    msg: str

    def as_dict(self) -> dict[str, str]:
        return {"loc": self.loc, "msg": self.msg}


class NewscardError(Exception):
    """Base of every error Newscard raises on purpose."""


class ArticleRejected(NewscardError):
    """The article cannot be published as it stands; retrying will not help."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.loc or '/'}: {p.msg}" for p in problems))


class ArticleTooLarge(ArticleRejected):
    """The document is over the size limit (HTTP 413 rather than 422)."""


class SlugConflict(ArticleRejected):
    """The slug asked for belongs to another source (HTTP 409 rather than 422; SPEC section 8)."""


class NotFound(NewscardError):
    """The object or article asked for does not exist."""


class StorageError(NewscardError):
    """Storage failed in a way a retry may fix (throttling, 5xx, timeouts)."""


class ConfigurationError(NewscardError):
    """Configuration from the environment is missing or invalid; names the variable."""


class ImageRefused(NewscardError):
    """An image reference may not be fetched (policy: scheme, host, address, redirect, size)."""


class PreconditionFailed(NewscardError):
    """A conditional write lost a race: the object changed (or appeared) since it was read."""
