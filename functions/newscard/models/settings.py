"""Configuration from the environment (set by template.yaml), validated once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from newscard.models.article import Language
from newscard.models.errors import ConfigurationError


def _split_hosts(value: object) -> object:
    if isinstance(value, str):
        return [host.strip().lower() for host in value.split(",") if host.strip()]
    return value


HexColour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
CardLayout = Literal["overlay", "split", "opinion", "text"]


def _section_layouts(value: object) -> object:
    """ "Opinion=opinion, Live=split" -> {"opinion": "opinion", "live": "split"}."""
    if not isinstance(value, str):
        return value
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        section, separator, layout = item.rpartition("=")
        if not separator or not section.strip():
            raise ValueError(f"{item!r} is not section=layout (like Opinion=opinion)")
        pairs[section.strip().casefold()] = layout.strip().lower()
    return pairs


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
    # Card layout per section (section name, case-insensitive -> layout); others get the default.
    card_layouts: dict[str, CardLayout] = Field(default_factory=dict)
    # Print the hero's credit on photo cards.
    card_credit: bool = False

    def layout_for(self, section: str) -> CardLayout | None:
        return self.card_layouts.get(section.casefold())


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
    # The same BCP 47 rule as an article's language (ar-u-nu-latn, zh-yue-HK), checked in one place.
    site_language: Language = Field(alias="SITE_LANGUAGE", default="en")
    asset_hosts: list[str] = Field(alias="ASSET_HOSTS", default_factory=list)
    # Section slugs in the order the front page lists them (comma-separated); others follow by name.
    section_order: list[str] = Field(alias="SECTION_ORDER", default_factory=list)
    # Theme defaults live on Theme alone; these fields only name the variables.
    theme_accent: HexColour = Field(alias="THEME_ACCENT", default=_THEME_DEFAULTS.accent)
    theme_background: HexColour = Field(alias="THEME_BACKGROUND", default=_THEME_DEFAULTS.background)
    theme_text: HexColour = Field(alias="THEME_TEXT", default=_THEME_DEFAULTS.text)
    theme_font: Literal["sans", "serif"] = Field(alias="THEME_FONT", default=_THEME_DEFAULTS.font)
    theme_logo_key: str | None = Field(alias="THEME_LOGO_KEY", default=None)
    # The newsroom's X account ("@handle" or "handle"), for twitter:site on every page.
    twitter_site: str | None = Field(alias="TWITTER_SITE", default=None, pattern=r"^@?[A-Za-z0-9_]{1,15}$")

    card_section_layouts: dict[str, CardLayout] = Field(alias="CARD_SECTION_LAYOUTS", default_factory=dict)
    card_photo_credit: bool = Field(alias="CARD_PHOTO_CREDIT", default=_THEME_DEFAULTS.card_credit)

    _split = field_validator("asset_hosts", "section_order", mode="before")(_split_hosts)
    _layouts = field_validator("card_section_layouts", mode="before")(_section_layouts)

    @field_validator("section_order")
    @classmethod
    def _section_slugs(cls, value: list[str]) -> list[str]:
        # Names or slugs alike ("Culture & Arts" or culture-arts): listings key sections by slug.
        from newscard.models.article import slugify

        return [slugify(name) for name in value]

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
            card_layouts=self.card_section_layouts,
            card_credit=self.card_photo_credit,
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
