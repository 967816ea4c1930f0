"""Loading every image an article references, with one problem per image that cannot be used."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from newscard.dal.store import ObjectStore
from newscard.models.article import Article
from newscard.models.errors import ArticleRejected, ImageRefused, NotFound, Problem
from newscard.rendering.images import ImageProblem, inspect_image

# Image bytes kept in memory between the check and the render; past this, images are fetched
# again when rendered, so an article of 50 images of 20 MB never holds a gigabyte at once.
KEEP_BYTES = 48 * 1024 * 1024


@dataclass(frozen=True)
class ImageLoader:
    """Where images come from: assets/ keys in the articles store, https through a fetcher."""

    assets: ObjectStore
    fetch_https: Callable[[str], bytes] | None = None

    def load(self, src: str) -> bytes:
        if src.startswith("https://"):
            if self.fetch_https is None:
                raise ImageRefused("images from https:// addresses are not enabled here")
            return self.fetch_https(src)
        return self.assets.get(src).body


class ArticleImages(Mapping[str, bytes]):
    """src -> checked image bytes: the first ones up to KEEP_BYTES held, the rest fetched again on use."""

    def __init__(self, loader: ImageLoader) -> None:
        self._loader = loader
        self._kept: dict[str, bytes] = {}
        self._refetched: set[str] = set()

    def add(self, src: str, data: bytes, *, keep: bool = False) -> None:
        if keep or sum(map(len, self._kept.values())) + len(data) <= KEEP_BYTES:
            self._kept[src] = data
        else:
            self._refetched.add(src)

    def __getitem__(self, src: str) -> bytes:
        if src in self._kept:
            return self._kept[src]
        if src in self._refetched:
            return self._loader.load(src)  # checked again by the decoder
        raise KeyError(src)

    def __contains__(self, src: object) -> bool:
        # Mapping's default would call __getitem__, fetching a not-kept image just to answer.
        return src in self._kept or src in self._refetched

    def __iter__(self) -> Iterator[str]:
        yield from self._kept
        yield from self._refetched

    def __len__(self) -> int:
        return len(self._kept) + len(self._refetched)


def load_article_images(
    article: Article, loader: ImageLoader, *, logo_key: str | None = None, hero_only: bool = False
) -> ArticleImages:
    """src -> verified image bytes (plus the theme's logo); ArticleRejected lists every unusable image.

    Images are fetched and checked one at a time. hero_only serves card previews, which never
    show body images.
    """
    loaded = ArticleImages(loader)
    if logo_key:  # checked to exist when the function starts (handlers.wiring)
        loaded.add(logo_key, loader.load(logo_key), keep=True)
    problems: list[Problem] = []
    sources = article.image_sources()
    if hero_only:
        sources = sources[:1] if article.hero is not None else []
    for pointer, src in sources:
        if src in loaded:
            continue
        data = b""  # drop the previous image's bytes before fetching the next
        try:
            data = loader.load(src)
            inspect_image(data)
        except NotFound:
            problems.append(Problem(pointer, f"the image {src} was not found"))
        except (ImageRefused, ImageProblem) as error:
            problems.append(Problem(pointer, str(error)))
        else:
            loaded.add(src, data, keep=pointer == "/hero/src")
    if problems:
        raise ArticleRejected(problems)
    return loaded


@contextlib.contextmanager
def image_rejected_at(pointer: str, src: str) -> Iterator[None]:
    """Problems found while decoding or encoding an image become a rejection located at its src."""
    try:
        yield
    except NotFound:
        raise ArticleRejected([Problem(pointer, f"the image {src} was not found")]) from None
    except (ImageRefused, ImageProblem) as error:
        raise ArticleRejected([Problem(pointer, str(error))]) from None
