"""Newscard: article JSON in, article page and social share cards out."""

# Bumped whenever rendering output changes, so republishing identical input re-renders.
# 2: font fallback, Raqm shaping, balanced fitting. 3: soft hyphens in the page prose (and the card
# layouts, subject crops and page images that changed the output since 2 without a bump). 4: names
# and dates isolated in bylines, archive pages in the site's direction, styled pagination, clipped
# descriptions at word boundaries in every script.
RENDERER_VERSION = "4"
