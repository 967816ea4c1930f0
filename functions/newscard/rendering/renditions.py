"""Responsive page images: one photo -> a few widths in WebP and JPEG, for <picture>/srcset.

Pages offer every width in every format and let the browser pick by `sizes` and its screen; the
JPEG set is the fallback every browser decodes (and the one og:image, JSON-LD and the feed use).
Widths are capped at the photo's own width (no upscaling).

Encode cost for one photo at the three widths (1200/800/400 px, best of five on a loaded 2-core
machine): JPEG q80 113 ms / 106 KB; WebP method 2 612 ms / 55 KB (method 0: 350 ms / 73 KB;
method 4, the default: 905 ms / 50 KB); AVIF speed 10 q40 919 ms / 50 KB (q50: 1117 ms / 66 KB).
No AVIF is encoded, anywhere: at the one speed a publish can afford it saved ~10% of WebP's bytes
for half again its time, on the hero only, and the Lambda build leaves Pillow's 5 MB AVIF codec
out (layers/dependencies/slim.py), so encoding it where Pillow has it made a laptop's site differ
from the deployed one. One behaviour: WebP + JPEG on every machine. AVIF variants that an
earlier version wrote into listings are still ordered and offered (_ORDER). A 1600 px width
would double the encode time for the one layout that could use it (the hero on a 2x desktop):
1200 px is the widest rendition.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from PIL import Image, features

from newscard.models.site_index import ImageVariant
from newscard.rendering.images import Photo, as_photo

# A phone's teaser at 1x, the phone column at 2x, the desktop column (704-832 CSS px) at 1.5x.
PAGE_WIDTHS = (400, 800, 1200)
# Teasers are at most ~560 CSS px wide (the lead on a desktop): thumbnails stop at 800.
THUMBNAIL_MAX_WIDTH = 800
JPEG = "image/jpeg"
WEBP = "image/webp"
AVIF = "image/avif"
EXTENSIONS = {JPEG: "jpg", WEBP: "webp", AVIF: "avif"}


@cache
def formats() -> tuple[str, ...]:
    """Content types to encode, best first; JPEG (the fallback) always last. The same for the hero
    and body images, and on every machine (see the module notes on AVIF)."""
    return (WEBP, JPEG) if features.check("webp") else (JPEG,)


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    content_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def rendition_widths(source_width: int, widths: tuple[int, ...] = PAGE_WIDTHS) -> list[int]:
    """The widths below the source's, plus the source's own when it falls between two steps."""
    chosen = [width for width in widths if width < source_width]
    if source_width <= widths[-1] and source_width not in chosen:
        chosen.append(source_width)
    return chosen or [source_width]


def encode(image: Image.Image, content_type: str) -> bytes:
    buffer = io.BytesIO()
    if content_type == WEBP:
        image.save(buffer, "WEBP", quality=72, method=2)
    else:
        image.save(buffer, "JPEG", quality=80, optimize=True, subsampling="4:2:0")
    return buffer.getvalue()


def render_renditions(
    source: Image.Image | Photo,
    widths: tuple[int, ...] = PAGE_WIDTHS,
) -> list[Rendition]:
    """Every width in every format, widest first."""
    photo = as_photo(source)
    width, height = photo.size
    renditions: list[Rendition] = []
    for target in sorted(rendition_widths(width, widths), reverse=True):
        image = photo.reduction_to_width(target)
        if image is None:
            image = photo.resample((target, max(1, round(height * target / width))), (0, 0, width, height))
        renditions.extend(Rendition(*image.size, kind, encode(image, kind)) for kind in formats())
    return renditions


_ORDER = (AVIF, WEBP, JPEG)


def source_sets(
    variants: Iterable[ImageVariant], max_width: int | None = None
) -> list[tuple[str, list[ImageVariant]]]:
    """Variants grouped by format, best format first and JPEG last (the <img> fallback), narrow first.

    max_width leaves out wider ones (teaser thumbnails), keeping at least the narrowest of each format.
    """
    groups: dict[str, list[ImageVariant]] = {}
    ordered = sorted(variants, key=lambda v: (_ORDER.index(v.content_type), v.width))
    for variant in ordered:
        group = groups.setdefault(variant.content_type, [])
        if max_width is None or variant.width <= max_width or not group:
            group.append(variant)
    return list(groups.items())


def fallback(variants: Iterable[ImageVariant], near: int = THUMBNAIL_MAX_WIDTH) -> ImageVariant:
    """The <img src> for browsers without srcset: the narrowest JPEG at least `near` wide, else the widest."""
    jpegs = sorted((v for v in variants if v.content_type == JPEG), key=lambda v: v.width)
    if not jpegs:
        raise ValueError("a picture needs at least one JPEG rendition")
    return next((v for v in jpegs if v.width >= near), jpegs[-1])


def srcset(variants: Iterable[ImageVariant], root: str = "") -> str:
    """The srcset attribute value: "<root><path> <width>w, ..." (keys hold no spaces or commas)."""
    return ", ".join(f"{root}{variant.path} {variant.width}w" for variant in variants)
