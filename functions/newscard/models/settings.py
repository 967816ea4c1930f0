"""Configuration from the environment (set by template.yaml), validated once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from newscard.models.errors import ConfigurationError


def _split_hosts(value: object) -> object:
    if isinstance(value, str):
        return [host.strip().lower() for host in value.split(",") if host.strip()]
    return value


HexColour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Theme(BaseModel):
    """Brand colours, fonts and logo for cards and pages."""

    model_config = ConfigDict(frozen=True)

    accent: HexColour = "#d6002a"
    background: HexColour = "#14213d"
    text: HexColour = "#ffffff"
    # A bundled headline family; every script falls back to the matching Noto font.
    font: Literal["sans", "serif"] = "sans"
    # An image under the articles bucket's assets/ prefix, drawn on cards instead of the site name.
    logo_key: str | None = None


_THEME_DEFAULTS = Theme()


class Settings(BaseModel):
    """Everything Newscard reads from its environment, under the variable names used there."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    articles_bucket: str = Field(alias="ARTICLES_BUCKET", min_length=3)
    site_bucket: str = Field(alias="SITE_BUCKET", min_length=3)
    # The DynamoDB table of the site's state (owners, versions, redirects, listing entries).
    state_table: str = Field(alias="STATE_TABLE", min_length=3)
    site_base_url: str = Field(alias="SITE_BASE_URL", pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    site_name: str = Field(alias="SITE_NAME", min_length=1, max_length=80)
    # The language of the site's own pages (front page, sections, feed); articles carry their own.
    site_language: str = Field(
        alias="SITE_LANGUAGE", default="en", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
    )
    asset_hosts: list[str] = Field(alias="ASSET_HOSTS", default_factory=list)
    # Theme defaults live on Theme alone; these fields only name the variables.
    theme_accent: HexColour = Field(alias="THEME_ACCENT", default=_THEME_DEFAULTS.accent)
    theme_background: HexColour = Field(alias="THEME_BACKGROUND", default=_THEME_DEFAULTS.background)
    theme_text: HexColour = Field(alias="THEME_TEXT", default=_THEME_DEFAULTS.text)
    theme_font: Literal["sans", "serif"] = Field(alias="THEME_FONT", default=_THEME_DEFAULTS.font)
    theme_logo_key: str | None = Field(alias="THEME_LOGO_KEY", default=None)
    # The newsroom's X account ("@handle" or "handle"), for twitter:site on every page.
    twitter_site: str | None = Field(alias="TWITTER_SITE", default=None, pattern=r"^@?[A-Za-z0-9_]{1,15}$")

    _split = field_validator("asset_hosts", mode="before")(_split_hosts)

    @field_validator("site_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("twitter_site")
    @classmethod
    def _at_handle(cls, value: str | None) -> str | None:
        return None if value is None else "@" + value.removeprefix("@")

    @property
    def theme(self) -> Theme:
        return Theme(
            accent=self.theme_accent,
            background=self.theme_background,
            text=self.theme_text,
            font=self.theme_font,
            logo_key=self.theme_logo_key or None,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate; a problem names the variable so the fix is obvious."""
        source = os.environ if environ is None else environ
        names = {field.alias for field in cls.model_fields.values() if field.alias}
        try:
            return cls.model_validate({k: v for k, v in source.items() if k in names and v != ""})
        except ValidationError as error:
            lines = []
            for detail in error.errors():
                variable = str(detail["loc"][0]) if detail["loc"] else "?"
                reason = "is not set" if detail["type"] == "missing" else f"is invalid: {detail['msg']}"
                lines.append(f"{variable} {reason}")
            raise ConfigurationError("configuration error: " + "; ".join(lines)) from None


@lru_cache(maxsize=1)
def settings_from_env() -> Settings:
    """The process-wide settings, validated on first use (handlers call this at import)."""
    return Settings.from_env()
