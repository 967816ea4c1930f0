"""Publish and unpublish: load -> validate -> render -> store, in an order that never breaks a page."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from newscard import RENDERER_VERSION
from newscard.dal.store import ObjectStore
from newscard.logic.images import ImageLoader, load_article_images
from newscard.logic.render import (
    SHORT,
    SiteObject,
    decode_hero,
    manifest_key,
    page_url,
    render_article,
    render_cards,
    site_url,
)
from newscard.logic.site_index import SiteIndexer, entry_for
from newscard.logic.validation import parse_article
from newscard.models.errors import NotFound
from newscard.models.manifest import Manifest, OutputFile
from newscard.models.settings import Settings
from newscard.rendering.cards import PRESETS, RenderedCard
from newscard.rendering.site import SiteInfo

# Articles published over HTTP have no upload; their manifests name this source instead.
API_SOURCE_PREFIX = "api/"


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
    replaced_slug: str | None = None


@dataclass(frozen=True)
class Publisher:
    """Everything a publish needs, made once per process and passed in."""

    site: ObjectStore
    images: ImageLoader
    settings: Settings
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    # Where sources published over HTTP are kept (api/<slug>.json), so republish can re-render them.
    sources: ObjectStore | None = None

    @property
    def indexer(self) -> SiteIndexer:
        """Front page, sections, feed and sitemap: updated after every publish and unpublish."""
        site = SiteInfo(self.settings.site_name, self.settings.site_base_url, self.settings.site_language)
        return SiteIndexer(self.site, site, clock=self.clock)

    def read_manifest(self, slug: str) -> Manifest | None:
        try:
            return Manifest.model_validate_json(self.site.get(manifest_key(slug)).body)
        except NotFound:
            return None

    def publish(
        self, raw: bytes, *, source_key: str | None = None, sequencer: str | None = None, force: bool = False
    ) -> PublishOutcome:
        """Validate and publish one article; identical input already published writes nothing.

        Uploads pass their incoming/ key; HTTP publishes have none and are recorded as api/<slug>.json.
        force re-renders unchanged input (republish after a theme or template change).
        """
        timer = Timer()
        source_sha256 = hashlib.sha256(raw).hexdigest()
        article = parse_article(raw)
        slug = article.resolved_slug
        if source_key is None:
            source_key = f"{API_SOURCE_PREFIX}{slug}.json"
            if self.sources is not None:
                self.sources.put(source_key, raw, content_type="application/json")
        timer.lap("validate")
        previous = self.read_manifest(slug)
        if (
            not force
            and previous is not None
            and previous.source_sha256 == source_sha256
            and previous.source_key == source_key
            and previous.renderer_version == RENDERER_VERSION
        ):
            # Nothing to write; only finish what a crashed earlier attempt may have left undone:
            # the cleanup of superseded files, and the listing after the manifest.
            self._sweep(slug, keep=previous.keys())
            self.indexer.ensure_listed(entry_for(article, previous))
            return PublishOutcome("unchanged", previous, timer.phases)

        image_bytes = load_article_images(article, self.images, logo_key=self.settings.theme.logo_key)
        timer.lap("load_images")
        card_timings: dict[str, float] = {}
        objects = render_article(article, image_bytes, self.settings, card_timings)
        timer.lap("render")
        timer.phases.update(card_timings)  # per preset, inside "render": the handler emits them as metrics

        manifest = Manifest(
            slug=slug,
            source_key=source_key,
            source_sha256=source_sha256,
            renderer_version=RENDERER_VERSION,
            sequencer=sequencer,
            headline=article.headline,
            section=article.section,
            language=article.language,
            published_at=article.published_at,
            updated_at=article.updated_at,
            page_url=page_url(self.settings, slug),
            outputs=[self._output(obj, slug) for obj in objects],
        )
        # Render order is cards, images, then the page: a reader never meets a missing card.
        # Objects whose bytes are already there (content-addressed keys) are not written again.
        existing = previous.keys() if previous is not None else set()
        for obj in objects:
            if obj.role == "page" or obj.key not in existing:
                self._put(obj)
        self.site.put(
            manifest_key(slug),
            manifest.model_dump_json(indent=2).encode("utf-8"),
            content_type="application/json",
            cache_control=SHORT,
        )
        # Only now, with the new page live, remove what it no longer references.
        self._sweep(slug, keep=manifest.keys())
        timer.lap("store")
        # Listings last: they link to the page, which is live by now. A crash before this line is
        # repaired by the retry (which finds the article unchanged and calls ensure_listed).
        self.indexer.upsert(entry_for(article, manifest))
        timer.lap("index")
        return PublishOutcome("published", manifest, timer.phases)

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

    def unpublish(self, slug: str, *, source_key: str | None = None) -> Manifest | None:
        """Remove an article's outputs; with source_key, only if that source still owns the slug."""
        manifest = self.read_manifest(slug)
        if manifest is None or (source_key is not None and manifest.source_key != source_key):
            return None
        # Listings first, so none links to a page that is about to vanish; removal is idempotent and
        # the manifest (deleted last) keeps a crashed unpublish retryable.
        self.indexer.remove(slug)
        # The page goes first so nothing live points at cards that are about to vanish.
        outputs = sorted(manifest.outputs, key=lambda output: output.role != "page")
        for output in outputs:
            self.site.delete(output.key)
        self._sweep(slug, keep=set())
        self.site.delete(manifest_key(slug))
        return manifest

    def _sweep(self, slug: str, *, keep: set[str]) -> None:
        """Delete the slug's content-addressed files that keep does not list.

        Listing rather than diffing manifests also removes files orphaned by an interrupted run.
        """
        for prefix in (f"cards/{slug}/", f"images/{slug}/"):
            for key in [k for k in self.site.list_keys(prefix) if k not in keep]:
                self.site.delete(key)

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
