"""The site index and the listings built from it, kept whole under concurrent Lambdas.

Every publish and unpublish changes one shared document, `_index/articles.json`, by
compare-and-swap (S3 conditional writes: If-Match on its ETag, If-None-Match when it does not
exist yet; a 412 means another Lambda got there first, so re-read and re-apply). Nothing is lost
because each change is applied to the version it replaces.

The listings (front page, section pages, feed, sitemap) are derived from that document, and two
writers may put them in any order. So after writing them, a writer checks that the index is
still the version it rendered; if not, it renders again from the newest. The last write of each
listing is then always followed by a check that saw no newer version, which means the final
listings reflect the final index. A section page is written only by changes that touch that
section, which is all it depends on. In a burst, a writer that finds a newer index before it has
written anything leaves the shared listings to that newer writer, which keeps the work near one
render per publish instead of one per publish per competitor.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from newscard.dal.store import ObjectStore
from newscard.logic.render import HTML, SHORT, hero_variants
from newscard.models.article import Article, slugify
from newscard.models.errors import NotFound, PreconditionFailed, StorageError
from newscard.models.manifest import Manifest
from newscard.models.site_index import IndexEntry, ListingImage, SiteIndex
from newscard.rendering.renditions import fallback
from newscard.rendering.site import (
    SiteInfo,
    render_feed,
    render_front_page,
    render_section_page,
    render_sitemap,
    section_path,
)

INDEX_KEY = "_index/articles.json"
FRONT_KEY = "index.html"
FEED_KEY = "feed.xml"
SITEMAP_KEY = "sitemap.xml"
# Object metadata on the front page: the index version its listings were rendered from.
LISTED_VERSION = "index-version"
# Enough for a burst of hundreds of simultaneous publishes; past it SQS retries the message.
MAX_ATTEMPTS = 40
MAX_RENDER_ROUNDS = 40


def section_key(section_slug: str) -> str:
    return section_path(section_slug) + "index.html"


def entry_for(article: Article, manifest: Manifest) -> IndexEntry:
    """The listing entry of a just-published article."""
    image = None
    variants = hero_variants(manifest.slug, manifest.outputs)
    if article.hero is not None and variants:
        shown = fallback(variants)
        image = ListingImage(
            path=shown.path, width=shown.width, height=shown.height, alt=article.hero.alt, variants=variants
        )
    return IndexEntry(
        slug=manifest.slug,
        url=manifest.page_url,
        path=f"articles/{manifest.slug}/",
        headline=article.headline,
        dek=article.dek,
        section=article.section,
        section_slug=slugify(article.section),
        language=article.language,
        direction=article.direction,
        published_at=article.published_at,
        updated_at=article.updated_at,
        authors=[author.name for author in article.authors],
        tags=list(article.tags),
        image=image,
    )


def _ordered(entries: list[IndexEntry]) -> list[IndexEntry]:
    # Newest first; the slug breaks ties so the same set always renders the same bytes.
    return sorted(entries, key=lambda e: (e.published_at.timestamp(), e.slug), reverse=True)


def _utc_now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class SiteIndexer:
    """Applies one article's arrival or departure to the index and every listing it belongs to."""

    store: ObjectStore
    site: SiteInfo
    clock: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def upsert(self, entry: IndexEntry) -> None:
        """Add or replace the article's entry; listings are re-rendered even if it was already there
        (a republish after a template change must refresh them too)."""

        def change(index: SiteIndex) -> SiteIndex:
            others = [e for e in index.entries if e.slug != entry.slug]
            return SiteIndex(entries=_ordered([*others, entry]))

        self._update(change, touched={entry.section_slug}, always_render=True)

    def remove(self, slug: str) -> None:
        """Take the article out of the index and every listing."""

        def change(index: SiteIndex) -> SiteIndex:
            return SiteIndex(entries=[e for e in index.entries if e.slug != slug])

        self._update(change, touched=set(), always_render=False)

    def ensure_listed(self, entry: IndexEntry) -> None:
        """After a no-op republish: repair a publish that died before reaching the index, or after
        committing the index but before its listings were written (two reads, no writes if whole)."""
        index, etag = self._read()
        if entry not in index.entries:
            self.upsert(entry)
        elif etag is not None:
            self._repair_if_behind(index, etag)

    def _repair_if_behind(self, index: SiteIndex, etag: str) -> None:
        """Finish the listings of a change whose writer died after committing the index."""
        if self._listed_version() == etag:
            return
        # Which sections the interrupted change touched is unknown: redo every section page
        # there is or should be (a rare repair, so thoroughness beats cost).
        on_site = {key.split("/")[1] for key in self.store.list_keys("sections/")}
        self._render_listings(index, etag, on_site | {e.section_slug for e in index.entries})

    def _listed_version(self) -> str | None:
        """The index version the front page (written last of all listings) was rendered from."""
        try:
            return self.store.get(FRONT_KEY).metadata.get(LISTED_VERSION)
        except NotFound:
            return None

    def _read(self) -> tuple[SiteIndex, str | None]:
        try:
            stored = self.store.get(INDEX_KEY)
        except NotFound:
            return SiteIndex(), None
        return SiteIndex.model_validate_json(stored.body), stored.etag

    def _update(
        self, change: Callable[[SiteIndex], SiteIndex], *, touched: set[str], always_render: bool
    ) -> None:
        for attempt in range(MAX_ATTEMPTS):
            index, etag = self._read()
            updated = change(index)
            # Sections an entry leaves need re-rendering as much as the ones it joins.
            before = {e.slug: e.section_slug for e in index.entries}
            after = {e.slug: e.section_slug for e in updated.entries}
            sections = (
                touched
                | {before[slug] for slug in before if before.get(slug) != after.get(slug)}
                | {after[slug] for slug in after if before.get(slug) != after.get(slug)}
            )
            if updated == index:
                if always_render and etag is not None:
                    self._render_listings(index, etag, sections)
                elif etag is not None:
                    self._repair_if_behind(index, etag)
                return
            body = updated.model_dump_json().encode("utf-8")
            try:
                # Create only if absent, or replace only the version we read: compare-and-swap.
                new_etag = self.store.put(
                    INDEX_KEY,
                    body,
                    content_type="application/json",
                    cache_control="no-cache",
                    if_match=etag,
                    if_none_match=etag is None,
                )
            except (PreconditionFailed, NotFound):
                # Lost the race (or the index vanished under an If-Match): back off with jitter, redo.
                self.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))  # noqa: S311 - jitter, not crypto
                continue
            self._render_listings(updated, new_etag, sections)
            return
        raise StorageError(f"{INDEX_KEY}: still contended after {MAX_ATTEMPTS} attempts")

    def _render_listings(self, index: SiteIndex, etag: str, sections: set[str]) -> None:
        wrote_shared = False
        for _ in range(MAX_RENDER_ROUNDS):
            latest = self.store.etag(INDEX_KEY)
            if latest is None:
                return
            # The shared listings (front page, feed, sitemap) are written by every change. If a newer
            # change was committed before we wrote any, its writer will write them after us: skip.
            # Once we have written them, we own them until a check shows nothing newer.
            shared = wrote_shared or latest == etag
            if latest != etag:
                index, etag = self._read_required()
            self._write_listings(index, etag, sections, shared=shared)
            wrote_shared = wrote_shared or shared
            if self.store.etag(INDEX_KEY) == etag:
                return
        raise StorageError(f"{INDEX_KEY}: listings did not settle after {MAX_RENDER_ROUNDS} rounds")

    def _read_required(self) -> tuple[SiteIndex, str]:
        index, etag = self._read()
        if etag is None:
            raise StorageError(f"{INDEX_KEY} vanished while listings were being written")
        return index, etag

    def _write_listings(self, index: SiteIndex, etag: str, sections: set[str], *, shared: bool) -> None:
        for section_slug in sorted(sections):
            if index.in_section(section_slug):
                self._put(
                    section_key(section_slug), render_section_page(index, section_slug, self.site), HTML
                )
            else:
                self.store.delete(section_key(section_slug))
        if not shared:
            return
        now = self.clock()
        self._put(FEED_KEY, render_feed(index, self.site, now=now), "application/atom+xml; charset=utf-8")
        self._put(SITEMAP_KEY, render_sitemap(index, self.site, now=now), "application/xml; charset=utf-8")
        # The front page goes last and records the index version it shows: a retry that finds
        # an older version there knows the listings after that commit were never all written.
        self._put(FRONT_KEY, render_front_page(index, self.site), HTML, {LISTED_VERSION: etag})

    def _put(self, key: str, text: str, content_type: str, metadata: dict[str, str] | None = None) -> None:
        self.store.put(
            key, text.encode("utf-8"), content_type=content_type, cache_control=SHORT, metadata=metadata
        )
