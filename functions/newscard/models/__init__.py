"""Pydantic models at every boundary: article in, manifest and report out, settings."""
