"""The site's brand files (logo copy, favicon, touch icon): made from the settings, written once."""

from __future__ import annotations

from newscard.dal.store import ObjectStore
from newscard.logic.images import ImageLoader
from newscard.logic.render import IMMUTABLE
from newscard.models.settings import Settings
from newscard.rendering.brand import Brand, make_brand


def publish_brand(settings: Settings, images: ImageLoader, site: ObjectStore) -> Brand:
    """The brand for pages; any of its content-addressed files missing from the site is written.

    Old brand files stay after a theme change: pages published before it may still name them,
    and they are a few kilobytes.
    """
    logo_key = settings.theme.logo_key
    logo_bytes = images.load(logo_key) if logo_key else None
    brand = make_brand(settings.site_name, settings.theme, logo_bytes)
    for file in brand.files:
        if site.etag(file.key) is None:
            site.put(file.key, file.data, content_type=file.content_type, cache_control=IMMUTABLE)
    return brand
