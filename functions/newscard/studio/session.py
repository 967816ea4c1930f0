"""The studio's work, without HTTP: validate as publishing does, render what changed, keep uploads.

One Studio per `newscard studio` process. A preview validates the article and the theme with the
same code as publishing (parse_article, load_article_images), then names each card by a digest of
the inputs that card is drawn from: a card whose digest the browser already shows is not rendered
again, so typing in the body re-renders nothing and editing one preset's focal point re-renders
one card. Cards render on background lanes (og on its own, so it is never queued behind the
slower story card) while the response goes back; the browser then fetches them by digest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from newscard import RENDERER_VERSION
from newscard.dal.memory import MemoryStore
from newscard.dal.store import ObjectStore
from newscard.logic.images import ImageLoader, load_article_images
from newscard.logic.render import Hero, decode_hero, page_url, render_cards
from newscard.logic.validation import parse_article
from newscard.models.article import Article, ImageSrc
from newscard.models.errors import ArticleRejected, ImageRefused, NotFound, Problem
from newscard.models.settings import Settings
from newscard.models.site_index import ImageVariant
from newscard.rendering.brand import make_brand
from newscard.rendering.cards import PRESETS, RenderedCard
from newscard.rendering.images import ImageProblem, inspect_image
from newscard.rendering.page import PageContext, PageImage, card_alt, description, render_article_page
from newscard.studio.locate import locate_lines

# Article fields no card is drawn from (SPEC 3 and 9): editing them re-renders the page only.
# tests/integration/test_studio_session.py renders cards to prove each of these leaves the card bytes alone.
PAGE_ONLY_FIELDS = frozenset({"slug", "dek", "published_at", "updated_at", "body", "tags", "canonical_url"})
# Theme controls and the variables that set them in template.yaml (Settings' aliases).
THEME_VARIABLES = {
    "accent": "THEME_ACCENT",
    "background": "THEME_BACKGROUND",
    "text": "THEME_TEXT",
    "font": "THEME_FONT",
    "logo_key": "THEME_LOGO_KEY",
}
_THEME_MESSAGES = {
    "THEME_ACCENT": "must be a colour written like #d6002a",
    "THEME_BACKGROUND": "must be a colour written like #14213d",
    "THEME_TEXT": "must be a colour written like #ffffff",
    "THEME_FONT": "must be sans or serif",
}
# Uploads live in memory (nothing is written to --assets); the oldest go first past this total.
MAX_UPLOAD_TOTAL_BYTES = 200 * 1024 * 1024
UPLOAD_PREFIX = "assets/studio/"
_CACHED_CARDS = 48
# How long square and story wait for the og card of the same edit before rendering anyway.
_OG_HEAD_START_SECONDS = 5.0
_CACHED_HEROES = 4
_IMAGE_SRC = TypeAdapter(ImageSrc)
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class StudioImages(ImageLoader):
    """Publishing's image loader, with the studio's uploads (kept in memory) over the --assets folder."""

    uploads: MemoryStore = field(default_factory=MemoryStore)

    def load(self, src: str) -> bytes:
        if self.uploads.exists(src):
            return self.uploads.get(src).body
        return super().load(src)


class _Lru[K, V]:
    """A small thread-safe LRU map."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> list[V]:
        """Store; returns what was evicted."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            evicted = []
            while len(self._items) > self.capacity:
                evicted.append(self._items.popitem(last=False)[1])
            return evicted

    def values(self) -> list[V]:
        with self._lock:
            return list(self._items.values())


@dataclass(frozen=True)
class CardJob:
    """One card to show: its digest names the inputs; the future yields the bytes."""

    preset: str
    digest: str
    future: Future[RenderedCard]


@dataclass(frozen=True)
class Preview:
    """Everything the page shows for one state of the editor."""

    problems: list[dict[str, Any]]
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    page: str | None = None
    share: dict[str, str] | None = None
    env: list[str] = field(default_factory=list)
    # Article image src -> the URL the studio serves it at (the page preview and the focal picker).
    images: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "problems": self.problems,
            "cards": self.cards,
            "page": self.page,
            "share": self.share,
            "env": self.env,
            "images": self.images,
        }


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def theme_problem(variable: str, detail: str) -> Problem:
    return Problem(variable, _THEME_MESSAGES.get(variable, detail))


class Studio:
    """State shared by every request of one studio process (thread safe)."""

    def __init__(
        self, settings: Settings, assets: ObjectStore, fetch_https: Callable[[str], bytes] | None = None
    ) -> None:
        self.settings = settings
        self.uploads = MemoryStore()
        self.loader = StudioImages(assets, fetch_https, self.uploads)
        self._upload_lock = threading.Lock()
        self._cards: _Lru[str, CardJob] = _Lru(_CACHED_CARDS)
        self._heroes: _Lru[str, Hero] = _Lru(_CACHED_HEROES)
        # Images the page preview shows, by content hash (bounded by the cards' churn, not kept forever).
        self._images: _Lru[str, tuple[bytes, str]] = _Lru(64)
        # og on a lane of its own: the card people look at first never waits behind a story card.
        self._lanes = {
            "og": ThreadPoolExecutor(1, thread_name_prefix="studio-og"),
            "other": ThreadPoolExecutor(1, thread_name_prefix="studio-cards"),
        }

    def close(self) -> None:
        for lane in self._lanes.values():
            lane.shutdown(wait=False, cancel_futures=True)

    # Theme -----------------------------------------------------------------------------------

    def theme_values(self, settings: Settings | None = None) -> dict[str, str]:
        theme = (settings or self.settings).theme
        return {
            "accent": theme.accent,
            "background": theme.background,
            "text": theme.text,
            "font": theme.font,
            "logo_key": theme.logo_key or "",
        }

    def settings_for(self, theme: object) -> Settings:
        """The environment's settings with the theme controls applied, validated as at start."""
        if theme is None:
            return self.settings
        if not isinstance(theme, dict):
            raise ArticleRejected([Problem("theme", "must be an object")])
        overrides = {
            variable: theme[name]
            for name, variable in THEME_VARIABLES.items()
            if name in theme and theme[name] is not None
        }
        problems = [
            Problem(variable, "must be text")
            for variable, value in overrides.items()
            if not isinstance(value, str)
        ]
        logo = overrides.get("THEME_LOGO_KEY")
        if isinstance(logo, str) and logo:
            problems.extend(self._logo_problems(logo))
        values = {**self.settings.model_dump(by_alias=True), **overrides}
        try:
            settings = Settings.model_validate(values)
        except ValidationError as error:
            problems.extend(theme_problem(str(detail["loc"][0]), detail["msg"]) for detail in error.errors())
        if problems:
            raise ArticleRejected(problems)
        return settings

    def _logo_problems(self, key: str) -> list[Problem]:
        """A logo is an image under assets/, checked as an article image is."""
        try:
            _IMAGE_SRC.validate_python(key)
            if key.startswith("https://"):
                raise ImageRefused(
                    "the logo must be a file under assets/ (it is drawn from the articles bucket)"
                )
            inspect_image(self.loader.load(key))
        except ValidationError:
            return [Problem("THEME_LOGO_KEY", "must be a file under assets/, like assets/logo.png")]
        except NotFound:
            return [Problem("THEME_LOGO_KEY", f"the image {key} was not found")]
        except (ImageRefused, ImageProblem) as error:
            return [Problem("THEME_LOGO_KEY", str(error))]
        return []

    def env_lines(self, settings: Settings) -> list[str]:
        return [
            f"{variable}={self.theme_values(settings)[name]}"
            for name, variable in THEME_VARIABLES.items()
            if name != "logo_key" or settings.theme.logo_key
        ]

    # Preview ---------------------------------------------------------------------------------

    def preview(self, text: str, theme: object = None) -> Preview:
        """Validate and lay out one state of the editor; cards render in the background.

        The cards are queued as soon as what they are drawn from is known (the images a card
        preview loads, as Publisher.preview does), before the body images and the page.
        """
        problems: list[Problem] = []
        settings = self.settings
        try:
            settings = self.settings_for(theme)
        except ArticleRejected as rejection:
            problems.extend(rejection.problems)
        article: Article | None = None
        cards: dict[str, dict[str, Any]] = {}
        try:
            article = parse_article(text.encode("utf-8"))
            logo_key = settings.theme.logo_key
            card_images = load_article_images(article, self.loader, logo_key=logo_key, hero_only=True)
            if not problems:
                cards = self._queue_cards(article, card_images, settings)
            images = load_article_images(article, self.loader, logo_key=logo_key)
        except ArticleRejected as rejection:
            problems.extend(rejection.problems)
        env = self.env_lines(settings)
        if problems or article is None:
            lines = locate_lines(text, [p.loc for p in problems])
            located = [
                {"loc": p.loc or "/", "msg": p.msg, "line": None if p.loc.startswith("THEME") else line}
                for p, line in zip(problems, lines, strict=True)
            ]
            return Preview(located, env=env)
        served = {src: self._serve_image(images[src]) for _, src in article.image_sources()}
        page = self._page(article, images, settings, served)
        return Preview([], cards, page, self._share(article, settings), env, served)

    def _queue_cards(
        self, article: Article, images: Mapping[str, bytes], settings: Settings
    ) -> dict[str, dict[str, Any]]:
        cards = {}
        first: Future[RenderedCard] | None = None
        for name, preset in PRESETS.items():
            job = self._card_job(article, images, settings, name, after=first)
            first = first or job.future
            cards[name] = {
                "digest": job.digest,
                "url": f"/cards/{name}/{job.digest}",
                "width": preset.width,
                "height": preset.height,
                "download": f"{article.resolved_slug}-{name}",
            }
        self.supersede({f"{name}/{card['digest']}" for name, card in cards.items()})
        return cards

    def card_digest(
        self, article: Article, images: Mapping[str, bytes], settings: Settings, preset: str
    ) -> str:
        """A name for everything one card is drawn from (images: those a card preview loads)."""
        drawn = article.model_dump(mode="json", exclude=set(PAGE_ONLY_FIELDS))
        hero = drawn.get("hero")
        if isinstance(hero, dict):
            hero.pop("caption", None)
        card = drawn.get("card")
        if isinstance(card, dict) and isinstance(card.get("focal_points"), dict):
            # Another preset's focal point does not move this card.
            card["focal_points"] = {preset: card["focal_points"].get(preset)}
        card_images = {src: _sha(data) for src, data in images.items()}
        inputs = {
            "renderer": RENDERER_VERSION,
            "preset": preset,
            "article": drawn,
            "images": card_images,
            "theme": settings.theme.model_dump(mode="json"),
            "site_name": settings.site_name,
        }
        return _sha(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8"))[:32]

    def _card_job(
        self,
        article: Article,
        images: Mapping[str, bytes],
        settings: Settings,
        preset: str,
        after: Future[RenderedCard] | None = None,
    ) -> CardJob:
        digest = self.card_digest(article, images, settings, preset)
        key = f"{preset}/{digest}"
        existing = self._cards.get(key)
        if existing is not None and not existing.future.cancelled():
            return existing
        lane = self._lanes["og" if preset == "og" else "other"]
        future = lane.submit(self._render, article, images, settings, preset, after)
        job = CardJob(preset, digest, future)
        for evicted in self._cards.put(key, job):
            evicted.future.cancel()  # not started yet: nobody is waiting for it any more
        return job

    def _render(
        self,
        article: Article,
        images: Mapping[str, bytes],
        settings: Settings,
        preset: str,
        after: Future[RenderedCard] | None = None,
    ) -> RenderedCard:
        """The same calls as Publisher.preview, with the decoded hero shared by the three presets.

        after is the og card of the same edit: square and story start once it is done, so on a
        small machine the card people look at first gets the CPU to itself.
        """
        if after is not None:
            with contextlib.suppress(Exception):  # cancelled, failed or slow: render regardless
                after.exception(timeout=_OG_HEAD_START_SECONDS)
        (card,) = render_cards(
            article, self._hero(article, images), settings, images, presets=[PRESETS[preset]]
        )
        return card

    def _hero(self, article: Article, images: Mapping[str, bytes]) -> Hero:
        """The decoded hero, shared by the presets (decoding is a large part of one card's time)."""
        drawn = article.model_dump(mode="json", include={"hero", "card"})
        inputs = [drawn, sorted(_sha(data) for data in images.values())]
        key = _sha(json.dumps(inputs, sort_keys=True).encode("utf-8"))
        hero = self._heroes.get(key)
        if hero is None:
            hero = decode_hero(article, images)
            self._heroes.put(key, hero)
        return hero

    def supersede(self, keep: set[str]) -> None:
        """Cancel queued renders the editor has moved past (running ones finish into the cache)."""
        for job in self._cards.values():
            if f"{job.preset}/{job.digest}" not in keep and not job.future.running():
                job.future.cancel()

    def card(self, preset: str, digest: str, timeout: float = 60) -> RenderedCard | None:
        """A card's bytes by digest, waiting for its render; None if unknown or superseded."""
        job = self._cards.get(f"{preset}/{digest}")
        if job is None:
            return None
        try:
            return job.future.result(timeout=timeout)
        except CancelledError:
            return None

    # Page and share previews -----------------------------------------------------------------

    def _serve_image(self, data: bytes) -> str:
        digest = _sha(data)
        if self._images.get(digest) is None:
            self._images.put(digest, (data, _CONTENT_TYPES[inspect_image(data).format]))
        return f"/images/{digest}"

    def _page(
        self, article: Article, images: Mapping[str, bytes], settings: Settings, served: dict[str, str]
    ) -> str:
        """The article page from the site's template; its images are the originals, served by the studio."""
        renditions = {}
        for src, url in served.items():
            info = inspect_image(images[src])
            # The page template prefixes its root (../../), which a srcdoc frame resolves against
            # the studio's own origin: the path is relative to it.
            variant = ImageVariant(
                path=url.lstrip("/"),
                width=info.width,
                height=info.height,
                content_type=_CONTENT_TYPES[info.format],
            )
            renditions[src] = PageImage((variant,))
        logo_key = settings.theme.logo_key
        context = PageContext(
            site_name=settings.site_name,
            site_url=settings.site_base_url,
            page_url=page_url(settings, article.resolved_slug),
            # The card meta tags are left out: the share preview shows the og card as networks do.
            cards={},
            images=renditions,
            brand=make_brand(settings.site_name, settings.theme, images.get(logo_key) if logo_key else None),
        )
        return render_article_page(article, context)

    def _share(self, article: Article, settings: Settings) -> dict[str, str]:
        """What an unfurl shows beside the og card: the page's og:title, description and domain."""
        return {
            "title": article.headline,
            "description": description(article),
            "site_name": settings.site_name,
            "domain": urlsplit(settings.site_base_url).hostname or settings.site_base_url,
            "alt": card_alt(article),
        }

    def image(self, digest: str) -> tuple[bytes, str] | None:
        return self._images.get(digest)

    # Uploads ---------------------------------------------------------------------------------

    def upload(self, data: bytes, name: str) -> dict[str, Any]:
        """Keep an uploaded image in memory under assets/studio/; the key is its content hash."""
        info = inspect_image(data)  # ImageProblem: not an image we accept, said plainly
        stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.rsplit(".", 1)[0].lower())
        stem = "-".join(part for part in stem.split("-") if part)[:40] or "image"
        key = f"{UPLOAD_PREFIX}{stem}-{_sha(data)[:12]}.{_EXTENSIONS[info.format]}"
        with self._upload_lock:
            self.uploads.put(key, data, content_type=_CONTENT_TYPES[info.format])
            total = sum(len(obj.body) for obj in self.uploads.objects.values())
            for old in list(self.uploads.objects):
                if total <= MAX_UPLOAD_TOTAL_BYTES or old == key:
                    continue
                total -= len(self.uploads.objects[old].body)
                self.uploads.delete(old)
        return {"src": key, "width": info.width, "height": info.height}
