"""Loading every image an article references, with one problem per image that cannot be used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newscard.dal.store import ObjectStore
from newscard.models.article import Article
from newscard.models.errors import ArticleRejected, ImageRefused, NotFound, Problem
from newscard.rendering.images import ImageProblem, inspect_image


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


def load_article_images(
    article: Article, loader: ImageLoader, *, logo_key: str | None = None, hero_only: bool = False
) -> dict[str, bytes]:
    """src -> verified image bytes (plus the theme's logo); ArticleRejected lists every unusable image.

    hero_only serves card previews, which never show body images.
    """
    loaded: dict[str, bytes] = {}
    if logo_key:  # checked to exist when the function starts (handlers.wiring)
        loaded[logo_key] = loader.load(logo_key)
    problems: list[Problem] = []
    sources = article.image_sources()
    if hero_only:
        sources = sources[:1] if article.hero is not None else []
    sources += article.card_image_sources()  # card.image, authors' headshots
    for pointer, src in sources:
        if src in loaded:
            continue
        try:
            data = loader.load(src)
            inspect_image(data)
        except NotFound:
            problems.append(Problem(pointer, f"the image {src} was not found"))
        except (ImageRefused, ImageProblem) as error:
            problems.append(Problem(pointer, str(error)))
        else:
            loaded[src] = data
    if problems:
        raise ArticleRejected(problems)
    return loaded
