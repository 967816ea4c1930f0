"""The site index: one slim entry per published article, from which every listing is rendered."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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
    """What the front page, section pages, feed and sitemap need to know about one article."""

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


class SiteIndex(BaseModel):
    """The whole index document; entries newest first."""

    entries: list[IndexEntry] = Field(default_factory=list)

    def sections(self) -> dict[str, str]:
        """Section slug -> display name, in order of each section's newest article."""
        found: dict[str, str] = {}
        for entry in self.entries:
            found.setdefault(entry.section_slug, entry.section)
        return found

    def in_section(self, section_slug: str) -> list[IndexEntry]:
        return [entry for entry in self.entries if entry.section_slug == section_slug]
