"""Share cards: shaping engine, glyph coverage per script, fitting, contrast, size, determinism."""

from __future__ import annotations

import io
import itertools
import json
import random
import sys
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFilter, features

from newscard.models.article import text_direction
from newscard.models.settings import Theme
from newscard.rendering import images, shaping
from newscard.rendering import text as typesetting
from newscard.rendering.cards import PRESETS, WCAG_MIN_CONTRAST, CardText, hex_luminance, render_card
from newscard.rendering.fonts import Face, font_chain
from newscard.rendering.text import (
    ELLIPSIS,
    REPLACEMENT,
    clusters,
    dictionary_breaks,
    fit_headline,
    runs,
    tokens,
)
from tests.conftest import EXAMPLES

MULTILINGUAL = EXAMPLES / "multilingual"
THEME = Theme()


def _article(name: str) -> dict[str, str]:
    return json.loads((MULTILINGUAL / f"{name}.json").read_text())


@cache
def _cmap(face: Face) -> frozenset[int]:
    """The face's character map as fontTools reads it: a check independent of the renderer's reader."""
    font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
    return frozenset(code for code, glyph in font.getBestCmap().items() if glyph != ".notdef")


def _photo(
    colour: tuple[int, int, int] = (250, 250, 250), size: tuple[int, int] = (2400, 1600)
) -> Image.Image:
    return Image.new("RGB", size, colour)


# --- the layout engine is the one Lambda uses -----------------------------------------------------


def test_text_is_laid_out_by_raqm_with_the_fribidi_the_layer_ships() -> None:
    # Given the test process started like the Lambda runtime (conftest imports rendering first)
    # Then Raqm is active and the FriBiDi mapped into the process is the bundled file, not the OS one
    assert features.check("raqm") and features.check("fribidi")
    assert shaping.BUNDLED_FRIBIDI is not None
    assert shaping.loaded_fribidi() == shaping.BUNDLED_FRIBIDI.resolve()


def test_shaping_check_fails_loudly_without_raqm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "check", lambda name: False)
    with pytest.raises(shaping.ShapingUnavailable, match="libfribidi"):
        shaping.require_shaping()


def test_the_deployed_layer_ships_an_arm64_fribidi() -> None:
    library = shaping.SOURCE_LAYER / "lib" / "aarch64" / shaping.FRIBIDI_SONAME
    header = library.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183  # EM_AARCH64


# --- every character gets a real glyph from the right font ----------------------------------------

SCRIPTS = {
    "ar": "arabic",
    "he": "hebrew",
    "hi": "devanagari",
    "ja": "cjk-ja",
    "zh": "cjk-zh-hans",
    "ko": "cjk-ko",
    "ru": "sans-bold",
    "el": "sans-bold",
    "emoji": "emoji",
    "th": "thai",
}
# Scripts of the newsrooms further afield (language tag, headline, the face that must draw it).
FURTHER_SCRIPTS = {
    "odia": ("or", "ଓଡ଼ିଶାରେ ବନ୍ୟା ପରିସ୍ଥିତି ଗମ୍ଭୀର, ହଜାର ହଜାର ଲୋକ ସ୍ଥାନାନ୍ତରିତ", "oriya"),
    "dhivehi": ("dv", "ދިވެހިރާއްޖޭގެ ސަރުކާރުން އާ ޤާނޫނެއް ފާސްކޮށްފި", "thaana"),
    "tibetan": ("bo", "བོད་ཀྱི་སྐད་ཡིག་སློབ་གྲྭ་གསར་པ་ཞིག་ཁ་ཕྱེ་བ།", "tibetan"),
    "inuktitut": ("iu", "ᓄᓇᕗᑦ ᒐᕙᒪᒃᑯᖏᑦ ᓄᑖᒥᒃ ᐱᖁᔭᒥᒃ ᐊᑐᓕᖁᔨᓯᒪᕗᑦ", "canadianaboriginal"),
    "cherokee": ("chr", "ᏣᎳᎩ ᎠᏕᎶᏆᏍᏗ ᎠᏰᎵ ᏕᎦᎳᏫᎥ", "cherokee"),
    "tamazight": ("zgh", "ⴰⵎⵓⵏⴰⴳ ⵏ ⵜⵎⴰⵣⵉⵖⵜ ⵉⵙⵙⵓⴼⵖ ⴰⵏⴰⴳⵎⴰⵔ", "tifinagh"),
    "syriac": ("syr", "ܫܠܡܐ ܥܠܝܟܘܢ ܐܚܘܢ ܒܥܠܡܐ", "syriac"),
    "santali": ("sat", "ᱥᱟᱱᱛᱟᱲᱤ ᱯᱟᱹᱨᱥᱤ ᱨᱮ ᱱᱟᱣᱟ ᱠᱷᱚᱵᱚᱨ", "olchiki"),
    "meitei": ("mni", "ꯃꯅꯤꯄꯨꯔꯒꯤ ꯑꯅꯧꯕ ꯄꯥꯎ", "meeteimayek"),
    "fula": ("ff-Adlm", "𞤀𞤣𞤤𞤢𞤥 𞤆𞤵𞤤𞤢𞤪", "adlam"),
}


@pytest.mark.parametrize("name", sorted(FURTHER_SCRIPTS))
def test_scripts_further_afield_are_drawn_by_their_own_font_not_replacement_marks(name: str) -> None:
    language, headline, face = FURTHER_SCRIPTS[name]
    laid_out = runs(headline, font_chain(language), text_direction(language) == "rtl")
    for run in laid_out:
        assert REPLACEMENT not in run.text
        missing = {
            c
            for c in run.text
            if unicodedata.category(c) not in ("Cf", "Zs") and ord(c) not in _cmap(run.face)
        }
        assert not missing, f"{run.face.name} has no glyph for {missing}"
    assert face in {run.face.name for run in laid_out}


@pytest.mark.parametrize(
    ("styled", "plain"),
    [("𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Unicode"), ("𝐁𝐨𝐥𝐝 𝐧𝐞𝐰𝐬", "Bold news"), ("𝓢𝓬𝓻𝓲𝓹𝓽", "Script")],
)
def test_styled_letters_no_font_draws_are_drawn_as_their_plain_letters(styled: str, plain: str) -> None:
    # Mathematical alphanumerics (pasted "fancy text"): no font we ship has them, but NFKC does
    laid_out = runs(styled, font_chain("en"), False)
    assert "".join(run.text for run in laid_out) == plain


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_character_of_a_headline_has_a_glyph_in_the_font_that_draws_it(name: str) -> None:
    # Given a headline in the script
    article = _article(name)
    chain = font_chain(article["language"])
    # When it is split into font runs
    laid_out = runs(article["headline"], chain, article["language"] in ("ar", "he"))
    # Then no character falls to .notdef: each is in the cmap of the face chosen for it
    for run in laid_out:
        assert REPLACEMENT not in run.text
        needed = {ord(c) for c in run.text if unicodedata.category(c) not in ("Cf", "Mn") or ord(c) > 0x2FF}
        needed -= {0x200D, 0xFE0F}
        missing = {chr(c) for c in needed if c not in _cmap(run.face)}
        assert not missing, f"{run.face.name} has no glyph for {missing}"
    # And the script's own font is used
    assert SCRIPTS[name] in {run.face.name for run in laid_out}


def test_mixed_scripts_and_emoji_in_one_headline_each_find_a_font() -> None:
    text = "Tokyo 東京 القاهرة ירושלים मुंबई Αθήνα Москва ไทย 🎉👍🏽"
    faces = {run.face.name for run in runs(text, font_chain("en"), False)}
    assert {"sans-bold", "cjk-zh-hans", "arabic", "hebrew", "devanagari", "thai", "emoji"} <= faces


def test_japanese_articles_use_japanese_glyph_shapes_and_chinese_ones_chinese() -> None:
    assert {r.face.name for r in runs("直角", font_chain("ja"), False)} == {"cjk-ja"}
    assert {r.face.name for r in runs("直角", font_chain("zh-Hant"), False)} == {"cjk-zh-hant"}


def test_right_to_left_runs_are_ordered_right_to_left_around_embedded_numbers() -> None:
    # Hebrew has no digits in its font, so "2025" is a separate left-to-right run
    laid_out = runs("לשנת 2025 לאחר", font_chain("he"), True)
    words = [run.text for run in laid_out if run.text.strip()]
    # Visual order, left to right: the last logical word first
    assert words == ["לאחר", "2025", "לשנת"]


# --- fitting ---------------------------------------------------------------------------------------


def _fit(text: str, preset: str = "og", language: str = "en", rtl: bool = False):  # type: ignore[no-untyped-def]
    p = PRESETS[preset]
    width = p.width - 2 * p.padding
    block = fit_headline(
        text,
        chain=font_chain(language),
        width=width,
        height=round(p.height * p.headline_share),
        max_lines=p.max_lines,
        max_size=p.max_size,
        min_size=p.min_size,
        rtl=rtl,
    )
    return block, width


def test_a_two_word_headline_is_set_on_one_line_at_the_largest_size() -> None:
    block, _width = _fit("Markets rally")
    assert block.texts == ("Markets rally",)
    assert block.size == PRESETS["og"].max_size and not block.truncated


def test_a_300_character_headline_fits_without_overflow() -> None:
    text = ("Parliament votes on sweeping reform of pensions, housing and energy subsidies " * 4)[
        :300
    ].strip()
    block, width = _fit(text)
    assert len(block.lines) <= PRESETS["og"].max_lines
    assert all(line.width <= width for line in block.lines)
    assert block.size >= PRESETS["og"].min_size
    if block.truncated:
        assert block.texts[-1].endswith(ELLIPSIS)


def test_a_70_letter_word_is_broken_with_hyphens_rather_than_overflowing() -> None:
    word = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtenge"[:70]
    assert len(word) == 70
    block, width = _fit(f"{word} wins")
    assert block.words_broken and not block.truncated
    assert all(line.width <= width for line in block.lines)
    assert block.texts[0].endswith("-")
    assert "".join(t.rstrip("-") for t in block.texts).replace(" ", "") == f"{word}wins"


def test_a_long_word_breaks_at_the_editors_soft_hyphens_rather_than_the_dictionarys() -> None:
    parts = ["Rindfleisch", "etikettierungs", "überwachungs", "aufgaben", "übertragungs", "gesetz"]
    word = "\u00ad".join(parts * 2)  # too long for a line even at the smallest size
    block, width = _fit(f"{word} gekippt", "og", "de")
    assert block.words_broken and all(line.width <= width for line in block.lines)
    # Each broken line ends at one of the editor's soft hyphens, shown as a hyphen
    broken = [line for line in block.texts if line.endswith("-")]
    assert broken and all(line.endswith("\u00ad-") for line in broken)
    joined = "".join(t.removesuffix("-") for t in block.texts)
    assert joined.replace("\u00ad", "").replace(" ", "") == "".join(parts * 2) + "gekippt"


def test_the_ellipsis_appears_only_when_even_the_smallest_size_cannot_fit() -> None:
    block, width = _fit("word " * 200)
    assert block.truncated and block.size == PRESETS["og"].min_size
    assert block.texts[-1].endswith(ELLIPSIS) and block.lines[-1].width <= width


@pytest.mark.parametrize(
    "text",
    [
        "US Russia Overtures Deepen European Fears Over Future of Alliance",
        "Storm forces thousands to leave their homes along the coast overnight",
        "Minister resigns after weeks of pressure over contracts",
    ],
)
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_lines_are_balanced_with_no_lone_word_on_the_last_line(text: str, preset: str) -> None:
    block, _ = _fit(text, preset)
    if len(block.lines) > 1:
        assert len(block.texts[-1].split()) > 1
        widths = [line.width for line in block.lines]
        assert min(widths) >= 0.45 * max(widths)


def test_cjk_breaks_between_characters_and_never_starts_a_line_with_closing_punctuation() -> None:
    text = "東京都、2025年度予算案を発表。子育て支援に過去最大の「重点投資」へ、専門家は評価。" * 2
    block, _width = _fit(text, "story", "ja")
    assert len(block.lines) > 1
    for line in block.texts[1:]:
        assert line[0] not in "、。」）！？", line
    for line in block.texts[:-1]:
        assert line[-1] not in "「（", line


def test_tokens_keep_kinsoku_characters_with_their_neighbours() -> None:
    assert tokens("発表「重点」。") == ["発", "表", "「重", "点」。"]


def test_a_spaced_dash_never_starts_a_line() -> None:
    assert tokens("21% — впервые") == ["21% — ", "впервые"]
    assert tokens("well-known") == ["well-", "known"]


# Headlines in scripts written without spaces between words, and their words as ICU's dictionaries
# (the ones Chromium and Android break these scripts with) segment them.
UNSPACED = {
    "th": "รัฐบาล|ไทย|ประกาศ|มาตรการ|กระตุ้น|เศรษฐกิจ|ครั้ง|ใหญ่|ก่อน|เทศกาล|สงกรานต์",
    "lo": "ລັດຖະບານ|ລາວ|ປະກາດ|ມາດ|ຕະການ|ໃໝ່|ເພື່ອ|ແກ້ໄຂ|ບັນຫາ|ເສດຖະກິດ",
    "km": "រដ្ឋាភិបាល|កម្ពុជា|ប្រកាស|វិធានការ|ថ្មី|ដើម្បី|ជំរុញ|កំណើន|សេដ្ឋកិច្ច",
    "my": "မြန်မာနိုင်ငံ|အစိုးရ|သည်|စီးပွားရေး|မူ|ဝါဒ|အသစ်|ကို|ကြေညာ|ခဲ့|သည်",
}


@pytest.mark.parametrize("language", sorted(UNSPACED))
def test_text_without_spaces_breaks_between_dictionary_words(language: str) -> None:
    words = UNSPACED[language].split("|")
    assert tokens("".join(words)) == words


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("language", sorted(UNSPACED))
def test_unspaced_headlines_are_set_in_whole_words_at_a_headline_size(language: str, preset: str) -> None:
    # Given a Thai, Lao, Khmer or Burmese headline (one run of words, no spaces)
    words = UNSPACED[language].split("|")
    headline = "".join(words)
    block, width = _fit(headline, preset, language)
    # Then every line ends between two words, none is broken or cut, and nothing overflows
    assert not block.words_broken and not block.truncated
    assert "".join(block.texts) == headline
    ends = list(itertools.accumulate(len(line) for line in block.texts))[:-1]
    assert ends and set(ends) <= set(itertools.accumulate(len(word) for word in words))
    assert all(line.width <= width for line in block.lines)
    # and the type is as large as a Latin headline of the same length gets (before word breaking,
    # a Thai og headline had no break at all and shrank to a single line of small type)
    latin, _ = _fit("US Russia Overtures Deepen European Fears Over Future of Alliance", preset)
    assert block.size >= 0.85 * latin.size


def test_words_without_spaces_keep_their_neighbours_rules() -> None:
    # Spaces, numbers, quotes, brackets and emoji around Thai words break as they do elsewhere
    assert tokens('ไทย 2025: "ราคาน้ำมัน" ลดลง (ครั้งแรก) 🎉ในรอบปี') == [
        "ไทย ", "2025: ", '"ราคา', 'น้ำมัน" ', "ลดลง ", "(ครั้ง", "แรก) ", "🎉ใน", "รอบ", "ปี",
    ]  # fmt: skip
    assert tokens("Bangkok ราคาน้ำมัน live") == ["Bangkok ", "ราคา", "น้ำมัน ", "live"]
    assert dictionary_breaks("US Russia Overtures") == frozenset()


def test_tibetan_breaks_after_a_tsheg_and_anything_after_an_editors_zero_width_space() -> None:
    assert tokens("བོད་ཀྱི་སྐད་ཡིག་སློབ་གྲྭ།") == ["བོད་", "ཀྱི་", "སྐད་", "ཡིག་", "སློབ་", "གྲྭ།"]
    assert tokens("Unterhaltungs\u200belektronik boomt") == ["Unterhaltungs\u200b", "elektronik ", "boomt"]
    # A long Tibetan headline is set on several lines at a headline size, each ending a syllable
    _, headline, _ = FURTHER_SCRIPTS["tibetan"]
    block, _width = _fit(headline * 2, "og", "bo")
    assert len(block.lines) > 1 and not block.words_broken and not block.truncated
    assert all(line.endswith(("\u0f0b", "\u0f0d")) for line in block.texts)
    assert block.size >= 0.6 * PRESETS["og"].max_size


def test_burmese_words_may_end_at_an_asat() -> None:
    # U+103A kills a vowel; unlike a virama it stacks nothing, so the next consonant starts anew
    assert clusters("သည်စီး") == ["သ", "ည်", "စီး"]


def test_without_icu_unspaced_headlines_still_fit_and_the_log_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a deployment without the LineBreakingLayer (icu4py cannot be imported)
    monkeypatch.setitem(sys.modules, "icu4py.breakers", None)
    typesetting._line_breaker.cache_clear()
    typesetting.dictionary_breaks.cache_clear()
    headline = UNSPACED["th"].replace("|", "")
    try:
        block, width = _fit(headline, "story", "th")
        mixed = tokens("Bangkok ราคา live")
    finally:
        typesetting._line_breaker.cache_clear()
        typesetting.dictionary_breaks.cache_clear()
    # Then the headline still fits, broken between characters, and the log names the missing layer
    assert "".join(block.texts) == headline and all(line.width <= width for line in block.lines)
    assert "LineBreakingLayer" in caplog.text
    # and words in other scripts stay whole
    assert mixed == ["Bangkok ", "ร", "า", "ค", "า ", "live"]


# --- cards on pixels -------------------------------------------------------------------------------


def _luminance(rgb: tuple[int, int, int]) -> float:
    return hex_luminance("#{:02x}{:02x}{:02x}".format(*rgb))


@pytest.mark.parametrize(
    "photo",
    [
        _photo((255, 255, 255)),
        _photo((255, 230, 0)),
        Image.linear_gradient("L").resize((2400, 1600)).convert("RGB"),  # brightest at the bottom
    ],
    ids=["white", "yellow", "gradient"],
)
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_headline_reaches_wcag_contrast_on_the_rendered_pixels(photo: Image.Image, preset: str) -> None:
    # Given a card over a bright photo, decoded back from its JPEG bytes
    card = render_card(
        CardText("Bright photos must not wash out the headline ever", "News", "Site"),
        preset=PRESETS[preset],
        theme=THEME,
        photo=photo,
    )
    rendered = Image.open(io.BytesIO(card.data)).convert("RGB")
    # When the background beside each headline line (where no glyph is drawn) is read
    left, top, right, _ = card.headline_box
    backgrounds = []
    for index, line in enumerate(card.headline.lines):
        y0 = top + index * card.headline.line_height
        if left + round(line.width) + 8 < right:
            strip = rendered.crop((left + round(line.width) + 8, y0, right, y0 + card.headline.line_height))
            backgrounds.extend(_luminance(p) for p in set(strip.get_flattened_data()))  # type: ignore[arg-type]
    assert backgrounds, "every line filled the box; no background to measure"
    # Then white text has at least 4.5:1 against the brightest of those pixels
    ratio = 1.05 / (max(backgrounds) + 0.05)
    assert ratio >= WCAG_MIN_CONTRAST
    assert card.contrast >= WCAG_MIN_CONTRAST


def test_dark_text_themes_get_a_light_scrim() -> None:
    theme = Theme(text="#111111", background="#f4f1ea")
    card = render_card(
        CardText("Dark ink on a dark photo", "News", "Site"),
        preset=PRESETS["og"],
        theme=theme,
        photo=_photo((20, 20, 30)),
    )
    assert card.contrast >= WCAG_MIN_CONTRAST


def test_rtl_headlines_are_right_aligned() -> None:
    article = _article("ar")
    preset = PRESETS["og"]
    card = render_card(
        CardText(article["headline"], "اقتصاد", "Site", "rtl", "ar"),
        preset=preset,
        theme=THEME,
        photo=_photo((30, 30, 30)),
    )
    rendered = Image.open(io.BytesIO(card.data)).convert("L")
    _left, top, right, _bottom = card.headline_box
    for index in range(len(card.headline.lines)):
        y0 = top + index * card.headline.line_height
        band = rendered.crop((0, y0, preset.width, y0 + card.headline.line_height)).point(
            lambda v: 255 * (v > 160)
        )
        _ink_left, _, ink_right, _ = band.getbbox() or (0, 0, 0, 0)
        assert abs(ink_right - right) <= 8, f"line {index} ends at {ink_right}, not at {right}"


def _noise_photo() -> bytes:
    """A worst case for JPEG: fine random detail everywhere."""
    rng = random.Random(7)
    small = Image.frombytes("RGB", (600, 400), bytes(rng.randrange(256) for _ in range(600 * 400 * 3)))
    photo = small.resize((2400, 1600), Image.Resampling.NEAREST).filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_og_cards_stay_under_300_kb_even_for_noisy_photos() -> None:
    photo = images.decode(_noise_photo(), at_least=(1200, 630))
    card = render_card(CardText("Noise", "News", "Site"), preset=PRESETS["og"], theme=THEME, photo=photo)
    assert card.content_type == "image/jpeg"
    assert len(card.data) <= 300 * 1024


def test_photos_become_jpeg_and_branded_cards_png() -> None:
    text = CardText("Format follows content", "News", "Site")
    assert render_card(text, preset=PRESETS["og"], theme=THEME, photo=_photo()).content_type == "image/jpeg"
    flat = render_card(text, preset=PRESETS["og"], theme=THEME)
    assert flat.content_type == "image/png" and len(flat.data) <= 300 * 1024


def test_the_same_input_gives_the_same_bytes() -> None:
    from newscard.rendering import cards, text

    article = _article("emoji")
    photo_bytes = (EXAMPLES / "assets" / "european-leaders.jpg").read_bytes()
    args = CardText(article["headline"], "Sport", "Site", "ltr", "en")
    first = render_card(args, preset=PRESETS["square"], theme=THEME, photo=images.decode(photo_bytes))
    # Caches cleared, so nothing is reused from the first render
    for cached in (text.runs, text.run_width, text.text_width, cards._emoji_bitmap):
        cached.cache_clear()
    second = render_card(args, preset=PRESETS["square"], theme=THEME, photo=images.decode(photo_bytes))
    assert first.data == second.data


def test_focal_point_decides_the_crop() -> None:
    photo = Image.new("RGB", (2000, 600), (0, 0, 0))
    ImageDraw.Draw(photo).rectangle((1800, 0, 2000, 600), fill=(255, 0, 0))
    right = images.cover(photo, (600, 600), focal=(0.95, 0.5))
    left = images.cover(photo, (600, 600), focal=(0.05, 0.5))
    assert right.getpixel((590, 300))[0] > 200  # type: ignore[index]
    assert left.getpixel((590, 300))[0] < 50  # type: ignore[index]


def test_logo_replaces_the_site_name(tmp_path: Path) -> None:
    logo = Image.new("RGBA", (300, 100), (255, 0, 255, 255))
    card = render_card(
        CardText("Logo", "News", "Site"),
        preset=PRESETS["og"],
        theme=THEME,
        photo=_photo((0, 0, 0)),
        logo=logo,
    )
    rendered = Image.open(io.BytesIO(card.data)).convert("RGB")
    magenta = sum(1 for r, g, b in rendered.get_flattened_data() if r > 200 and g < 60 and b > 200)  # type: ignore[misc]
    assert magenta > 1000


def test_a_fresh_process_renders_the_same_bytes() -> None:
    # Given a card rendered here, and the same card rendered by a new interpreter with another hash seed
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, newscard.rendering\n"
        "from newscard.models.settings import Theme\n"
        "from newscard.rendering.cards import PRESETS, CardText, render_card\n"
        "card = render_card(CardText('Fans celebrate 🎉 القاهرة 東京 मुंबई', 'News', 'Site'),"
        " preset=PRESETS['og'], theme=Theme())\n"
        "print(hashlib.sha256(card.data).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    card = render_card(
        CardText("Fans celebrate 🎉 القاهرة 東京 मुंबई", "News", "Site"), preset=PRESETS["og"], theme=THEME
    )
    # Then the bytes are identical
    assert other.stdout.strip() == hashlib.sha256(card.data).hexdigest()


def _hide_os_fribidi_script(python_code: str) -> list[str]:
    """A shell that hides the OS's libfribidi (as on Lambda), then runs python_code."""
    import sys

    hide = 'for f in /usr/lib/*/libfribidi.so.0*; do mount --bind /dev/null "$f"; done'
    return ["unshare", "-m", "sh", "-c", f'{hide} && exec "{sys.executable}" -c "$0"', python_code]


@pytest.mark.slow
def test_without_the_systems_fribidi_the_bundled_one_still_shapes_arabic() -> None:
    # Given a process in which the OS FriBiDi is unreadable, as on Lambda (needs mount namespaces)
    import subprocess

    code = (
        "import newscard.rendering as r; from PIL import features; r.shaping.require_shaping();"
        "print(features.check('raqm'), r.shaping.loaded_fribidi())"
    )
    result = subprocess.run(_hide_os_fribidi_script(code), capture_output=True, text=True, check=False)
    if result.returncode != 0 and ("Operation not permitted" in result.stderr or "unshare" in result.stderr):
        pytest.skip("mount namespaces are not available here")
    # Then Raqm still works, with the layer's FriBiDi
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", str(shaping.BUNDLED_FRIBIDI.resolve())]  # type: ignore[union-attr]


def test_exif_orientation_is_applied_when_decoding() -> None:
    # A camera JPEG stored landscape with "rotate 90" in its EXIF must come out portrait.
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 clockwise to display
    Image.new("RGB", (300, 200), (200, 30, 30)).save(buffer, "JPEG", exif=exif.tobytes())
    decoded = images.decode(buffer.getvalue())
    assert decoded.size == (200, 300)
    assert decoded.getexif().get(0x0112) in (None, 1)
