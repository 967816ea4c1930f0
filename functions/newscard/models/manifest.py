"""What publishing produced (manifest) and what happened to each upload (report)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from newscard.models.site_index import IndexEntry


class OutputFile(BaseModel):
    """One object written to the site bucket."""

    model_config = ConfigDict(frozen=True)

    key: str
    url: str
    content_type: str
    size: int
    sha256: str
    role: Literal["page", "card", "image"]
    preset: str | None = None
    width: int | None = None
    height: int | None = None
    # The subject's point (0..1) in an image output, for object-position in listings.
    focus: tuple[float, float] | None = None


class Manifest(BaseModel):
    """articles/<slug>/manifest.json: the record of one published article."""

    model_config = ConfigDict(frozen=True)

    slug: str
    source_key: str
    source_sha256: str
    renderer_version: str
    sequencer: str | None = None
    headline: str
    section: str
    language: str
    published_at: datetime
    updated_at: datetime | None = None
    page_url: str
    outputs: list[OutputFile]
    # Slugs this article was published at before; each answers a 301 to this one. Kept here too
    # so `newscard reindex` can rebuild the redirects from the site bucket alone.
    former_slugs: list[str] = Field(default_factory=list)
    # The article as the listings show it (teaser, feed, sitemaps), so `newscard reindex` and a
    # re-render into a site folder list the published version, not whatever the source says now
    # (a rejected edit, say). None in manifests written before it was recorded.
    listing: IndexEntry | None = None

    def keys(self) -> set[str]:
        return {output.key for output in self.outputs}


ReportStatus = Literal["published", "rejected", "unpublished", "failed"]


class Report(BaseModel):
    """reports/<key under incoming/>: the outcome of one upload, for the editor who made it."""

    model_config = ConfigDict(frozen=True)

    status: ReportStatus
    # False when the upload matched what was already published, so nothing was rewritten.
    changed: bool = True
    source_key: str
    source_sha256: str | None = None
    sequencer: str | None = None
    slug: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    renderer_version: str | None = None
    finished_at: datetime
    # Why the article went down when the upload did not say so (e.g. an HTTP DELETE).
    note: str | None = None
