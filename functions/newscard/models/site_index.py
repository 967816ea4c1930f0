"""Listing entries (one slim record per published article) and the front page's pins."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from newscard.models.article import SLUG_MAX, SLUG_PATTERN

# A front page leads with at most this many pinned stories.
MAX_PINS = 5


class ImageVariant(BaseModel):
    """One rendition of a picture (a width in a format), addressed relative to the site root."""

    model_config = ConfigDict(frozen=True)

    path: str
    width: int
    height: int
    content_type: str = "image/jpeg"


class ListingImage(BaseModel):
    """A picture for a teaser, addressed relative to the site root (path: the JPEG fallback)."""

    model_config = ConfigDict(frozen=True)

    path: str
    width: int
    height: int
    alt: str
    # CSS object-position of the subject ("44% 24%"): teasers crop to 16:10 around it.
    position: str | None = None
    # Teaser-sized renditions for srcset, every format; empty in entries written before they existed.
    variants: list[ImageVariant] = Field(default_factory=list)

    @property
    def largest_jpeg(self) -> ImageVariant:
        """The sharpest picture every consumer decodes: for og:image on listings and feed entries."""
        jpegs = [v for v in self.variants if v.content_type == "image/jpeg"]
        if not jpegs:
            return ImageVariant(path=self.path, width=self.width, height=self.height)
        return max(jpegs, key=lambda v: v.width)


class IndexEntry(BaseModel):
    """What the front page, section pages, archive, feed and sitemaps need to know about one article."""

    model_config = ConfigDict(frozen=True)

    slug: str
    url: str  # absolute, the canonical address
    path: str  # relative to the site root, so a local copy of the site stays browsable
    headline: str
    dek: str | None = None
    section: str
    section_slug: str
    language: str
    direction: str = "ltr"
    published_at: datetime
    updated_at: datetime | None = None
    authors: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    image: ListingImage | None = None

    @property
    def last_modified(self) -> datetime:
        return self.updated_at or self.published_at

    @property
    def published_utc(self) -> datetime:
        return self.published_at.astimezone(UTC)

    @property
    def day(self) -> str:
        """The UTC day the article belongs to in the archive: 2026-11-30."""
        # isoformat, not strftime: %Y does not zero-pad years before 1000 on Linux.
        return self.published_utc.date().isoformat()

    @property
    def sort_key(self) -> str:
        """Newest-first order with the slug breaking ties: the same set always renders the same bytes."""
        moment = self.published_utc.replace(tzinfo=None).isoformat(timespec="microseconds")
        return f"{moment}Z#{self.slug}"


class Pin(BaseModel):
    """A story held at the top of the front page until `until` (or until unpinned)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, max_length=SLUG_MAX)
    until: AwareDatetime | None = Field(default=None, description="when the pin lapses; none: until changed")

    def live(self, now: datetime) -> bool:
        return self.until is None or self.until > now


# Pins versions stay well inside what DynamoDB numbers and JSON readers hold exactly.
FRONT_VERSION_MAX = 2**53


class FrontPins(BaseModel):
    """The body of `PUT /front`: the pinned stories, first is the lead, and the version it replaces."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pinned: list[Pin] = Field(default_factory=list, max_length=MAX_PINS)
    version: int | None = Field(
        default=None,
        ge=0,
        le=FRONT_VERSION_MAX,
        description="the version read from GET /front; the write is refused (409) if it changed since",
    )
