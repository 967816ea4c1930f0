"""Newscard: article JSON in, article page and social share cards out."""

# Bumped whenever rendering output changes, so republishing identical input re-renders.
RENDERER_VERSION = "2"  # 2: font fallback, Raqm shaping, balanced fitting
