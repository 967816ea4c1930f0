"""Publish and unpublish: load -> validate -> render -> store, in an order that never breaks a page.

Identity (SPEC section 8) comes from the registry: an article belongs to its source, its slug is
fixed at first publish, and every change to one article happens under that article's lease in
the registry, so two writers never interleave. A commit records what the change still owes the
site (listings, the old page after a move, superseded files) as `pending`; whoever holds the
lease next finishes it, so a crash between the commit and that work is repaired by any retry.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Literal

from newscard import RENDERER_VERSION
from newscard.dal.listings import ListingTable, memory_listings_for
from newscard.dal.registry import ArticleBusy, ArticleState, MemoryRegistry, Pending, Registry, SlugTaken
from newscard.dal.store import ObjectStore, each_at_once
from newscard.logic.brand import publish_brand
from newscard.logic.images import ImageLoader, load_article_images
from newscard.logic.render import (
    SHORT,
    SiteObject,
    decode_hero,
    manifest_key,
    page_key,
    page_url,
    render_article,
    render_cards,
    site_url,
)
from newscard.logic.site_index import SiteIndexer, entry_for
from newscard.logic.validation import check_publishable_now, parse_article
from newscard.models.article import SLUG_MAX, Article
from newscard.models.errors import ArticleRejected, NotFound, Problem, SlugConflict
from newscard.models.manifest import Manifest, OutputFile
from newscard.models.settings import Settings
from newscard.models.site_index import IndexEntry
from newscard.rendering.brand import Brand
from newscard.rendering.cards import PRESETS, RenderedCard
from newscard.rendering.site import SiteInfo

# Articles published over HTTP have no upload; their manifests name this source instead.
API_SOURCE_PREFIX = "api/"
# A lease outlives any function's timeout (60 s), so a live holder never loses it to another.
LEASE_SECONDS = 300.0
# How long a writer waits for another to finish the same article before the queue (or the HTTP
# client, on a 503) retries it: well inside the API's 28 s timeout.
BUSY_WAIT_SECONDS = 15.0


def api_source(slug: str) -> str:
    """The source of an article published over HTTP at this slug."""
    return f"{API_SOURCE_PREFIX}{slug}.json"


def sequencer_newer(candidate: str | None, than: str | None) -> bool:
    """S3 sequencers compare as hex after left-padding to equal length (S3 event docs)."""
    if candidate is None or than is None:
        return False
    width = max(len(candidate), len(than))
    return candidate.rjust(width, "0").upper() > than.rjust(width, "0").upper()


def _stale(sequencer: str | None, applied: str | None) -> bool:
    return sequencer is not None and applied is not None and not sequencer_newer(sequencer, applied)


def newest(applied: str | None, candidate: str | None) -> str | None:
    """The later of two sequencers (either may be absent)."""
    if applied is None or sequencer_newer(candidate, applied):
        return candidate or applied
    return applied


def suffixed(slug: str, source: str) -> str:
    """A derived slug made unique: a short suffix that depends only on the source, so it is stable."""
    suffix = hashlib.sha256(source.encode("utf-8")).hexdigest()[:6]
    return f"{slug[: SLUG_MAX - len(suffix) - 1].rstrip('-')}-{suffix}"


@dataclass
class Timer:
    """Milliseconds per phase, for reports and logs."""

    phases: dict[str, float] = field(default_factory=dict)
    _started: float = field(default_factory=time.perf_counter)

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = round((now - self._started) * 1000, 1)
        self._started = now


@dataclass(frozen=True)
class PublishOutcome:
    status: Literal["published", "unchanged"]
    manifest: Manifest
    timings_ms: dict[str, float]
    moved_from: str | None = None


@dataclass(frozen=True)
class Unpublished:
    """What an unpublish took down: the slug and its manifest, or None when nothing was live."""

    source: str
    slug: str | None
    manifest: Manifest | None


@dataclass
class _Held:
    """A lease on one article, and its state as last read or committed under it."""

    token: str
    until: float
    state: ArticleState
    released: bool = False


@dataclass(frozen=True)
class Publisher:
    """Everything a publish needs, made once per process and passed in."""

    site: ObjectStore
    images: ImageLoader
    settings: Settings
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    # Where sources published over HTTP are kept (api/<slug>.json), so republish can re-render them.
    sources: ObjectStore | None = None
    registry: Registry = field(default_factory=MemoryRegistry)
    # Wall-clock seconds for leases (tests move it on to expire a crashed writer's lease).
    lease_clock: Callable[[], float] = field(default=time.time, repr=False)
    busy_wait: float = BUSY_WAIT_SECONDS
    # Listing items (the state table's LIST#/PAGE# items). None (the CLI, tests): the in-memory twin
    # bound to the site store, so every Publisher over one store sees the same listings.
    listings: ListingTable | None = None

    @cached_property
    def brand(self) -> Brand:
        """The site's brand, made once per process; its files (logo copy, icons) are written before
        any page that names them. Content-addressed under brand/ and shared by every page, so no
        article's cleanup removes them."""
        return publish_brand(self.settings, self.images, self.site)

    @property
    def indexer(self) -> SiteIndexer:
        """Front page, sections, archive, feed and sitemaps: updated after every publish and unpublish."""
        site = SiteInfo(
            self.settings.site_name,
            self.settings.site_base_url,
            self.settings.site_language,
            brand=self.brand,
            twitter_site=self.settings.twitter_site,
            section_order=tuple(self.settings.section_order),
        )
        listings = self.listings if self.listings is not None else memory_listings_for(self.site)
        return SiteIndexer(self.site, site, listings, clock=self.clock)

    def read_manifest(self, slug: str) -> Manifest | None:
        try:
            return Manifest.model_validate_json(self.site.get(manifest_key(slug)).body)
        except NotFound:
            return None

    def moved_to(self, slug: str) -> str | None:
        """Where an article that once lived at slug lives now (its claim is a permanent redirect),
        or None when slug was never moved away from."""
        claim = self.registry.claim_of(slug)
        return claim.target if claim is not None else None

    def live_slug(self, source: str) -> str | None:
        """Where the source's article is live, if it is."""
        state = self.registry.get(source)
        return state.slug if state is not None and state.live else None

    def publish(
        self,
        raw: bytes,
        *,
        source_key: str | None = None,
        sequencer: str | None = None,
        force: bool = False,
        slug: str | None = None,
    ) -> PublishOutcome | None:
        """Validate and publish one article; identical input already published writes nothing.

        Uploads pass their incoming/ key (and the S3 sequencer: an event older than one already
        applied returns None). HTTP publishes pass no source: the article is api/<slug>.json, at
        slug (PUT) or its own slug (POST). force re-renders unchanged input (republish).
        """
        timer = Timer()
        source_sha256 = hashlib.sha256(raw).hexdigest()
        article = parse_article(raw)
        check_publishable_now(article, self.clock())
        if slug is not None and article.slug is not None and article.slug != slug:
            raise SlugConflict(
                [Problem("/slug", f"the slug in the article ({article.slug}) differs from the URL ({slug})")]
            )
        over_http = source_key is None
        explicit = slug or article.slug or (article.resolved_slug if over_http else None)
        source = source_key or api_source(explicit or article.resolved_slug)
        timer.lap("validate")
        with self._holding(source) as held:
            state = held.state
            if _stale(sequencer, state.sequencer):
                return None  # this event, or a later one for the source, was already applied
            target = self._slug_for(article, explicit, held)
            if not force and state.live and state.slug == target and state.sha256 == source_sha256:
                manifest = self._intact(state)
                if manifest is not None and state.renderer_version == RENDERER_VERSION:
                    self.indexer.ensure_listed(entry_for(article, manifest))
                    if newest(state.sequencer, sequencer) != state.sequencer:
                        held.state = self.registry.commit(
                            replace(state, sequencer=sequencer), token=held.token, keep_until=held.until
                        )
                    return PublishOutcome("unchanged", manifest, timer.phases)
            try:
                outcome = self._render_and_commit(
                    article, raw, held, target, source_sha256=source_sha256, sequencer=sequencer, timer=timer
                )
            except ArticleRejected:
                # A rejected upload (a broken image, say) keeps no slug it claimed for this attempt:
                # the commit drops claims the state does not need, so it cannot squat the slug and
                # push the good article with that headline to a suffixed one.
                if held.state.claimed != state.claimed:
                    with contextlib.suppress(Exception):
                        held.state = self.registry.commit(held.state, token=held.token)
                        held.released = True
                raise
        return outcome

    def publish_http(self, raw: bytes, *, slug: str | None = None) -> PublishOutcome:
        """Publish an article sent over HTTP: its source is api/<slug>.json (409 if another owns slug)."""
        outcome = self.publish(raw, slug=slug)
        if outcome is None:  # only events with a sequencer can be stale
            raise RuntimeError("an HTTP publish has no sequencer and cannot be stale")
        return outcome

    def _render_and_commit(
        self,
        article: Article,
        raw: bytes,
        held: _Held,
        slug: str,
        *,
        source_sha256: str,
        sequencer: str | None,
        timer: Timer,
    ) -> PublishOutcome:
        state = held.state
        image_bytes = load_article_images(article, self.images, logo_key=self.settings.theme.logo_key)
        timer.lap("load_images")
        card_timings: dict[str, float] = {}
        objects = render_article(
            article, image_bytes, self.settings, card_timings, slug=slug, brand=self.brand
        )
        timer.lap("render")
        timer.phases.update(card_timings)  # per preset, inside "render": the handler emits them as metrics

        moved_from = state.slug if state.live and state.slug and state.slug != slug else None
        former = tuple(
            former
            for former in dict.fromkeys((*state.former_slugs, *([moved_from] if moved_from else [])))
            if former != slug
        )
        manifest = Manifest(
            slug=slug,
            source_key=state.source,
            source_sha256=source_sha256,
            renderer_version=RENDERER_VERSION,
            sequencer=newest(state.sequencer, sequencer),
            headline=article.headline,
            section=article.section,
            language=article.language,
            published_at=article.published_at,
            updated_at=article.updated_at,
            page_url=page_url(self.settings, slug),
            outputs=[self._output(obj, slug) for obj in objects],
            former_slugs=list(former),
        )
        listing = entry_for(article, manifest)
        manifest = manifest.model_copy(update={"listing": listing})
        # Every output is written, even ones a previous version had: what the registry says was
        # written may since have been deleted, and a put also clears a superseded mark. Cards and
        # images go at once (no page names them yet), the page only after all of them: a reader
        # never meets a missing card.
        each_at_once(self._put, [obj for obj in objects if obj.role != "page"])
        for page in (obj for obj in objects if obj.role == "page"):
            self._put(page)
        self.site.put(
            manifest_key(slug),
            manifest.model_dump_json(indent=2).encode("utf-8"),
            content_type="application/json",
            cache_control=SHORT,
        )
        if self.sources is not None and state.source.startswith(API_SOURCE_PREFIX):
            self.sources.put(state.source, raw, content_type="application/json")
        timer.lap("store")
        keys = manifest.keys()
        old_page = {page_key(moved_from)} if moved_from else set()
        # What the last version had, and whatever an attempt that failed before its commit left
        # under these slugs (only this source writes there: it holds their claims and the lease).
        leftovers = self._files_under(slug, *([moved_from] if moved_from else []))
        pending = Pending(
            upsert=listing.model_dump_json(),
            remove_slugs=(moved_from,) if moved_from else (),
            delete_keys=(page_key(moved_from), manifest_key(moved_from)) if moved_from else (),
            superseded_keys=tuple(sorted((set(state.outputs) | leftovers) - keys - old_page)),
        )
        held.state = self.registry.commit(
            replace(
                state,
                live=True,
                slug=slug,
                sha256=source_sha256,
                renderer_version=RENDERER_VERSION,
                sequencer=manifest.sequencer,
                outputs=tuple(sorted(keys)),
                former_slugs=former,
                pending=pending,
            ),
            token=held.token,
            keep_until=held.until,
        )
        # Committed: the old slug now redirects. The listings and clean-up follow, and the commit
        # that records them done also gives the lease back.
        self._finish(held, release=True)
        timer.lap("index")
        return PublishOutcome("published", manifest, timer.phases, moved_from)

    def unpublish_source(self, source: str, *, sequencer: str | None = None) -> Unpublished | None:
        """Take down what the source has live (None: an event older than one already applied)."""
        with self._holding(source) as held:
            state = held.state
            if _stale(sequencer, state.sequencer):
                return None
            applied = newest(state.sequencer, sequencer)
            if not state.live or state.slug is None:
                if applied != state.sequencer:
                    held.state = self.registry.commit(
                        replace(state, sequencer=applied), token=held.token, keep_until=held.until
                    )
                return Unpublished(source, None, None)
            slug = state.slug
            manifest = self.read_manifest(slug)
            # Listings first, so none links to a page that is about to vanish; the page next, so
            # nothing live points at the cards that follow. The registry still says live until
            # the end, so a crash anywhere here is finished by the retry.
            self.indexer.remove(slug)
            page = page_key(slug)
            if page in state.outputs:
                self.site.delete(page)
            # Then, at once, what only the page linked to; a takedown leaves nothing, so the files
            # of older versions and of failed attempts go too.
            each_at_once(self.site.delete, sorted((set(state.outputs) - {page}) | self._files_under(slug)))
            self.site.delete(manifest_key(slug))
            # The claims (and redirects) go with the commit: the slugs are free again.
            held.state = self.registry.commit(
                replace(state, live=False, outputs=(), former_slugs=(), sequencer=applied, pending=None),
                token=held.token,
            )
            held.released = True  # the commit gave the lease back
            return Unpublished(source, slug, manifest)

    def take_down(self, slug: str) -> Unpublished | None:
        """Unpublish the article live at slug, whichever source owns it (an explicit HTTP DELETE)."""
        claim = self.registry.claim_of(slug)
        if claim is None or claim.target is not None:
            return None
        outcome = self.unpublish_source(claim.source)
        if outcome is None or outcome.slug != slug:
            return None
        return outcome

    def unpublish(self, slug: str, *, source_key: str | None = None) -> Manifest | None:
        """Take down the article at slug; with source_key, only if that source owns it."""
        claim = self.registry.claim_of(slug)
        if claim is None or (source_key is not None and claim.source != source_key):
            return None
        outcome = self.take_down(slug)
        return outcome.manifest if outcome is not None else None

    def _slug_for(self, article: Article, explicit: str | None, held: _Held) -> str:
        """The slug to publish at: fixed once live unless explicitly moved; claimed before use."""
        state = held.state
        if explicit is not None:
            if not (state.live and state.slug == explicit):
                try:
                    self._claim(held, explicit)
                except SlugTaken as taken:
                    raise SlugConflict(
                        [Problem("/slug", f"the slug {explicit} is already used by {taken.owner}")]
                    ) from None
            return explicit
        if state.live and state.slug is not None:
            return state.slug  # a headline edit keeps the URL
        derived = article.resolved_slug
        for candidate in (derived, suffixed(derived, state.source)):
            try:
                self._claim(held, candidate)
            except SlugTaken:
                continue
            return candidate
        raise SlugConflict(
            [Problem("/headline", f"the slug {derived} and its variant are already used by other articles")]
        )

    def _claim(self, held: _Held, slug: str) -> None:
        self.registry.claim(held.state.source, slug, token=held.token)
        held.state = replace(held.state, claimed=tuple(sorted({*held.state.claimed, slug})))

    def _files_under(self, *slugs: str) -> set[str]:
        """Every card and image stored under these slugs' prefixes."""
        return {
            key
            for slug in slugs
            for prefix in (f"cards/{slug}/", f"images/{slug}/")
            for key in self.site.list_keys(prefix)
        }

    def _intact(self, state: ArticleState) -> Manifest | None:
        """The live manifest if every output it lists is really there (a missing one means re-render)."""
        manifest = self.read_manifest(state.slug or "")
        if manifest is None or manifest.source_key != state.source:
            return None
        if not all(each_at_once(self.site.exists, sorted(manifest.keys()))):
            return None
        return manifest

    def _finish(self, held: _Held, *, repair: bool = False, release: bool = False) -> None:
        """Do what the last commit promised (idempotent steps), then record that it is done.

        repair: an earlier writer died part way, so the listings are checked and completed rather
        than written afresh.
        """
        pending = held.state.pending
        if pending is None:
            return
        if pending.upsert is not None:
            entry = IndexEntry.model_validate_json(pending.upsert)
            for former in pending.remove_slugs:  # a move: the front page's pins go with the story
                self.indexer.follow_move(former, entry.slug)
            if repair:
                self.indexer.ensure_listed(entry)
            else:
                self.indexer.upsert(entry)
        for slug in pending.remove_slugs:
            self.indexer.remove(slug)
        for key in pending.delete_keys:
            self.site.delete(key)
        # Only now, with the new page and listings live, are the old files let go; and not at once,
        # since readers may hold cached pages for a while: the lifecycle rule deletes them later.
        for key in pending.superseded_keys:
            self.site.expire(key)
        held.state = self.registry.commit(
            replace(held.state, pending=None), token=held.token, keep_until=None if release else held.until
        )
        held.released = release

    @contextlib.contextmanager
    def _holding(self, source: str) -> Iterator[_Held]:
        """Hold the article's lease for the block (waiting while another writer holds it)."""
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.busy_wait
        attempt = 0
        while True:
            now = self.lease_clock()
            try:
                state = self.registry.acquire(source, token=token, now=now, until=now + LEASE_SECONDS)
                break
            except ArticleBusy:
                if time.monotonic() >= deadline:
                    raise
                attempt += 1
                time.sleep(random.uniform(0.5, 1.0) * min(1.0, 0.02 * 2**attempt))  # noqa: S311 - jitter
        held = _Held(token, now + LEASE_SECONDS, state)
        try:
            self._finish(held, repair=True)  # what a writer before us committed but did not get to do
            yield held
        finally:
            # Best effort: an unreleased lease only delays the next writer until it expires.
            if not held.released:
                with contextlib.suppress(Exception):
                    self.registry.release(source, token=token)

    def preview(self, raw: bytes, preset: str) -> RenderedCard:
        """One card's bytes for a CMS preview: validated and rendered as publishing would, stored nowhere."""
        article = parse_article(raw)
        image_bytes = load_article_images(
            article, self.images, logo_key=self.settings.theme.logo_key, hero_only=True
        )
        (card,) = render_cards(
            article, decode_hero(article, image_bytes), self.settings, image_bytes, presets=[PRESETS[preset]]
        )
        return card

    def _put(self, obj: SiteObject) -> None:
        self.site.put(obj.key, obj.body, content_type=obj.content_type, cache_control=obj.cache_control)

    def _output(self, obj: SiteObject, slug: str) -> OutputFile:
        return OutputFile(
            key=obj.key,
            url=page_url(self.settings, slug) if obj.role == "page" else site_url(self.settings, obj.key),
            content_type=obj.content_type,
            size=len(obj.body),
            sha256=obj.sha256,
            role=obj.role,
            preset=obj.preset,
            width=obj.width,
            height=obj.height,
            focus=obj.focus,
        )
