"""The studio in headless Chromium: type, see cards; break, see the located error; fix; axe; 390 px; speed."""

from __future__ import annotations

import json
import os
import statistics
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newscard.cli import _local_settings
from newscard.models.article import Article
from newscard.studio.server import build_studio, initial_article_text, serve_studio
from tests.conftest import EXAMPLES, SEED, jpeg_bytes
from tests.integration.test_page_browser import AXE, CHROMIUM, CHROMIUM_FLAGS, SCREENSHOTS

pytestmark = [pytest.mark.slow, pytest.mark.enable_socket]

HAS_CARD_OPTIONS = "card" in Article.model_fields
SIZES = {"og": (1200, 630), "square": (1080, 1080), "story": (1080, 1920)}
# Generous: the machine running these is shared; the latency test reports what it measures.
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    studio = build_studio(_local_settings(None, None), EXAMPLES)
    server = serve_studio(studio, initial_article_text(SEED), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    studio.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh studio at desktop width, its first cards loaded. Playwright's polling helpers evaluate
    strings, which the studio's CSP forbids: these contexts bypass it (test_it_runs_under_its_own_policy
    does not)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(base_url)
    wait_idle(tab)
    yield tab
    context.close()
    assert errors == []


def wait_idle(page: Any) -> None:
    page.wait_for_function(
        """() => document.body.dataset.state === 'idle'
            && [...document.querySelectorAll('img[data-preset]')]
                .every(i => i.dataset.digest && i.complete)""",
        timeout=WAIT_MS,
    )


def wait_invalid(page: Any) -> None:
    page.wait_for_function("() => document.body.dataset.state === 'invalid'", timeout=WAIT_MS)


def card_digests(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('img[data-preset]')]"
        ".map(i => [i.dataset.preset, i.dataset.digest]))"
    )


def card_sizes(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('img[data-preset]')].map(i => [
            i.dataset.preset,
            {natural: [i.naturalWidth, i.naturalHeight], shown: [i.clientWidth, i.clientHeight],
             stale: i.closest('figure').classList.contains('stale')}]))"""
    )


def alert_lines(page: Any) -> list[str]:
    return page.locator('[role="alert"] li').all_inner_texts()


def article(page: Any) -> dict[str, Any]:
    return json.loads(page.locator("textarea[name=article]").input_value())


def set_article(page: Any, document: dict[str, Any] | str) -> None:
    text = document if isinstance(document, str) else json.dumps(document, indent=2, ensure_ascii=False)
    page.locator("textarea[name=article]").fill(text)


def test_it_runs_under_its_own_policy(browser: Any, base_url: str) -> None:
    """Without bypassing the CSP: the page, its script and all three cards load."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    console: list[str] = []
    tab.on("console", lambda message: console.append(message.text))
    tab.goto(base_url)
    for preset in SIZES:
        tab.wait_for_selector(f'img[data-preset="{preset}"][data-digest]', state="attached", timeout=WAIT_MS)
    tab.frame_locator("#page").locator("h1").wait_for(timeout=WAIT_MS)
    assert not [line for line in console if "Content Security Policy" in line], console
    context.close()


def test_type_an_article_break_it_and_fix_it(page: Any) -> None:
    first = card_digests(page)
    assert all(first.values())
    sizes = card_sizes(page)
    for preset, (width, height) in SIZES.items():
        assert sizes[preset]["natural"] == [width, height]
        shown_width, shown_height = sizes[preset]["shown"]
        assert shown_width / shown_height == pytest.approx(width / height, rel=0.02), preset

    # type a new article: the three cards follow
    document = json.loads((EXAMPLES / "multilingual" / "ru.json").read_text())
    set_article(page, document)
    textarea = page.locator("textarea[name=article]")
    textarea.press("End")
    wait_idle(page)
    typed = card_digests(page)
    assert all(typed[preset] != first[preset] for preset in SIZES)
    assert page.locator("#f-headline").input_value() == document["headline"]

    # break it: a date that is not one
    broken = dict(document, published_at="yesterday")
    set_article(page, broken)
    wait_invalid(page)
    lines = alert_lines(page)
    assert any(line.startswith("/published_at: ") for line in lines), lines
    text = textarea.input_value().split("\n")
    line = next(index for index, row in enumerate(text, 1) if '"published_at"' in row)
    assert page.locator(f'#backdrop mark[data-line="{line}"]').count() == 1
    assert textarea.get_attribute("aria-invalid") == "true"
    assert all(size["stale"] for size in card_sizes(page).values())

    # the error is a button: it takes the keyboard to the line
    page.locator('[role="alert"] button').first.press("Enter")
    selected = page.evaluate(
        "() => { const t = document.querySelector('textarea[name=article]');"
        " return [document.activeElement === t, t.value.slice(t.selectionStart, t.selectionEnd)]; }"
    )
    assert selected[0] is True and '"published_at": "yesterday"' in selected[1]

    # fix it: the error goes, the cards come back unchanged (same inputs, same digests)
    set_article(page, document)
    wait_idle(page)
    assert alert_lines(page) == []
    assert textarea.get_attribute("aria-invalid") is None
    assert card_digests(page) == typed
    assert not any(size["stale"] for size in card_sizes(page).values())


def test_a_form_field_problem_marks_the_field(page: Any) -> None:
    headline = page.locator("#f-headline")
    headline.fill("")
    wait_invalid(page)
    assert alert_lines(page) == ["/headline: must not be empty"]
    assert headline.get_attribute("aria-invalid") == "true"
    headline.fill("A headline typed into the form")
    wait_idle(page)
    assert article(page)["headline"] == "A headline typed into the form"
    assert headline.get_attribute("aria-invalid") is None


def test_form_and_json_stay_in_sync(page: Any) -> None:
    page.locator("#f-dek").fill("")
    page.locator("#f-section").fill("World")
    page.locator("#f-hero-x").fill("0.25")
    wait_idle(page)
    document = article(page)
    assert "dek" not in document and document["section"] == "World"
    assert document["hero"]["focal_point"] == {"x": 0.25, "y": 0.35}
    # and back: an edit of the JSON shows in the form
    set_article(page, dict(document, language="fr", section="Monde"))
    wait_idle(page)
    assert page.locator("#f-language").input_value() == "fr"
    assert page.locator("#f-section").input_value() == "Monde"


def test_card_options_are_written_only_when_set(page: Any) -> None:
    before = card_digests(page)
    page.locator("#f-card-label").fill("BREAKING")
    assert article(page)["card"] == {"label": "BREAKING"}
    if HAS_CARD_OPTIONS:
        wait_idle(page)
        assert card_digests(page)["og"] != before["og"]
    else:
        # Until the article model has `card` (issue 13) publishing rejects it, and so does the studio.
        wait_invalid(page)
        assert [line.split(":")[0] for line in alert_lines(page)] == ["/card"]
        assert page.locator("#f-card-label").get_attribute("aria-invalid") == "true"
    page.locator("#f-card-layout").select_option("split")
    page.locator("#f-card-og-x").fill("0.3")
    page.locator("#f-card-og-y").fill("0.6")
    assert article(page)["card"] == {
        "label": "BREAKING",
        "layout": "split",
        "focal_points": {"og": {"x": 0.3, "y": 0.6}},
    }
    for selector in ("#f-card-label", "#f-card-og-x", "#f-card-og-y"):
        page.locator(selector).fill("")
    page.locator("#f-card-layout").select_option("")
    assert "card" not in article(page)
    page.locator("#f-card-image-src").fill("assets/starmer-macron-merz.jpg")
    assert article(page)["card"] == {"image": {"src": "assets/starmer-macron-merz.jpg"}}
    page.locator("#f-card-image-src").fill("")
    assert "card" not in article(page)
    wait_idle(page)
    assert card_digests(page) == before


def test_only_the_cards_whose_inputs_changed_are_fetched(page: Any) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/cards/" in request.url else None)
    document = article(page)
    before = card_digests(page)
    document["body"][1]["text"] = "A paragraph the cards never show."
    set_article(page, document)
    page.wait_for_function("() => window.studio.requests > 1", timeout=WAIT_MS)
    wait_idle(page)
    assert fetched == [] and card_digests(page) == before
    page.frame_locator("#page").get_by_text("A paragraph the cards never show.").wait_for(timeout=WAIT_MS)
    document["headline"] = "Only the headline changed"
    set_article(page, document)
    wait_idle(page)
    assert sorted(url.split("/cards/")[1].split("/")[0] for url in fetched) == ["og", "square", "story"]


def test_theme_controls_re_render_and_show_the_variables(page: Any) -> None:
    before = card_digests(page)
    page.locator("#t-accent").fill("#00aa55")
    page.locator("#t-font").select_option("serif")
    wait_idle(page)
    assert all(card_digests(page)[preset] != before[preset] for preset in SIZES)
    env = page.locator("#env").inner_text()
    assert "THEME_ACCENT=#00aa55" in env and "THEME_FONT=serif" in env
    page.locator("#t-logo_key").fill("assets/../../etc/passwd")
    wait_invalid(page)
    assert alert_lines(page) == ["THEME_LOGO_KEY: must be a file under assets/, like assets/logo.png"]
    assert page.locator("#t-logo_key").get_attribute("aria-invalid") == "true"
    page.locator("#theme-reset").click()
    wait_idle(page)
    assert card_digests(page) == before


def test_a_dropped_hero_photo_is_used(page: Any, tmp_path: Path) -> None:
    before = card_digests(page)
    photo = jpeg_bytes((1600, 1000), (30, 140, 90))
    page.evaluate(
        """(bytes) => {
            const file = new File([new Uint8Array(bytes)], 'field.jpg', {type: 'image/jpeg'});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            const zone = document.querySelector('#drop');
            const init = {dataTransfer: transfer, bubbles: true, cancelable: true};
            zone.dispatchEvent(new DragEvent('dragover', init));
            zone.dispatchEvent(new DragEvent('drop', init));
        }""",
        list(photo),
    )
    page.wait_for_function(
        "() => document.querySelector('textarea[name=article]').value.includes('assets/studio/field-')",
        timeout=WAIT_MS,
    )
    wait_idle(page)
    assert article(page)["hero"]["src"].startswith("assets/studio/field-")
    assert all(card_digests(page)[preset] != before[preset] for preset in SIZES)
    # a keyboard user picks the same way with the file input
    other = tmp_path / "Other photo.png"
    other.write_bytes(jpeg_bytes((1200, 1200), (150, 60, 20)))
    page.locator("#f-upload").set_input_files(str(other))
    page.wait_for_function(
        "() => document.querySelector('textarea[name=article]').value.includes('assets/studio/other-photo-')",
        timeout=WAIT_MS,
    )
    wait_idle(page)


def test_share_preview_shows_the_og_card_as_x_facebook_and_slack_would(page: Any) -> None:
    labels = page.locator(".unfurl > figcaption").all_inner_texts()
    assert labels == ["X (summary_large_image)", "Facebook", "Slack"]
    shares = page.evaluate(
        """() => [...document.querySelectorAll('.share-img')].map(i => ({
            src: i.src, ratio: i.clientWidth / i.clientHeight, width: i.clientWidth,
            loaded: i.naturalWidth}))"""
    )
    og = page.locator('img[data-preset="og"]').get_attribute("src")
    for share in shares:
        assert share["src"] == og and share["loaded"] == 1200
    assert shares[0]["ratio"] == pytest.approx(1.91, abs=0.02)  # X
    assert shares[1]["ratio"] == pytest.approx(1.91, abs=0.02)  # Facebook
    assert shares[2]["width"] <= 360  # Slack's attachment image
    headline = article(page)["headline"]
    assert page.locator(".fb-title").inner_text() == headline
    assert page.locator(".slack-title").inner_text() == headline


def test_the_article_page_preview(page: Any) -> None:
    frame = page.frame_locator("#page")
    assert frame.locator("h1").inner_text() == article(page)["headline"]
    broken = frame.locator("img").evaluate_all("images => images.filter(i => !i.naturalWidth).length")
    assert broken == 0 and frame.locator("img").count() == 2


def test_downloads_are_named_for_the_article(page: Any) -> None:
    for preset in SIZES:
        link = page.locator(f'a[data-download="{preset}"]')
        assert link.get_attribute("href").startswith("blob:")
        name = link.get_attribute("download")
        assert name == f"us-russia-overtures-deepen-european-fears-over-future-of-alliance-{preset}.jpg"
    with page.expect_download() as download:
        page.locator('a[data-download="og"]').click()
    assert download.value.suggested_filename.endswith("-og.jpg")


def test_every_control_is_reachable_by_keyboard(page: Any) -> None:
    reached: list[str] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.id || e.name || e.dataset.download || e.tagName; }"
            )
        )
    for expected in (
        "f-headline",
        "f-upload",
        "f-card-layout",
        "article",
        "og",
        "story",
        "t-accent",
        "t-logo-upload",
    ):
        assert expected in reached, (expected, reached)


@pytest.mark.parametrize("width", [390, 1280])
def test_axe_clean_and_no_sideways_scroll(browser: Any, base_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(base_url)
    wait_idle(page)
    results = {}
    for state in ("valid", "invalid"):
        if state == "invalid":
            page.locator("#f-hero-alt").fill("")
            wait_invalid(page)
        page.add_script_tag(path=str(AXE))
        results[state] = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                .map(v => ({id: v.id, impact: v.impact,
                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
        )
        facts = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert facts[0] <= facts[1], (state, facts)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"studio-{width}.png"), full_page=True)
    context.close()
    assert results == {"valid": [], "invalid": []}


def test_keystroke_to_refreshed_og_card(page: Any) -> None:
    """Time from a key press in the headline to the new og card loaded, over several keystrokes."""
    textarea = page.locator("textarea[name=article]")
    text = textarea.input_value()
    position = text.index("Alliance") + len("Alliance")
    textarea.focus()
    page.evaluate(
        f"() => document.querySelector('textarea[name=article]').setSelectionRange({position}, {position})"
    )
    page.evaluate(
        """() => {
            const t = document.querySelector('textarea[name=article]');
            t.addEventListener('keydown', () => { window.__keyAt = performance.now(); });
        }"""
    )
    samples: list[float] = []
    every_card: list[float] = []
    for key in "XYZWVUTSRQ":
        previous = card_digests(page)["og"]
        page.keyboard.press(key if key.isalpha() else "Space")
        page.wait_for_function(
            f"() => {{ const i = document.querySelector('img[data-preset=og]');"
            f" return i.dataset.digest && i.dataset.digest !== '{previous}'"
            " && window.studio.loaded.og > window.__keyAt; }",
            timeout=WAIT_MS,
        )
        samples.append(page.evaluate("() => window.studio.loaded.og - window.__keyAt"))
        wait_idle(page)  # let square and story finish, so each sample starts from rest
        every_card.append(
            page.evaluate("() => Math.max(...Object.values(window.studio.loaded)) - window.__keyAt")
        )
    median = statistics.median(samples)
    load = os.getloadavg()
    print(
        f"\nstudio keystroke -> og card: median {median:.0f} ms, min {min(samples):.0f}, "
        f"max {max(samples):.0f} over {len(samples)} keystrokes (target < 300 ms); "
        f"load average {load[0]:.1f} on {os.cpu_count()} cores; "
        f"all three cards: median {statistics.median(every_card):.0f} ms"
    )
    # The 300 ms target is for this machine at rest (see the printed load); under any load the
    # studio must stay interactive.
    assert median < 3000


def test_hostile_and_right_to_left_articles(page: Any) -> None:
    """Markup in any field stays text everywhere the studio shows it; Arabic reads right to left."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tag = '<img src=x onerror="window.__pwned=true;alert(1)">'
    hostile = tag + "</script><script>alert(2)</script>"
    document = article(page)
    document.update(headline=hostile, section=tag, dek=hostile)
    document["body"].append({"type": "quote", "text": hostile, "attribution": hostile})
    document[tag] = 1  # an unknown field: its name comes back in the problem line
    set_article(page, document)
    wait_invalid(page)
    assert alert_lines(page) == [
        f"/{tag}: unknown field '{tag}' (check the spelling; unknown fields are not allowed)"
    ]
    del document[tag]
    set_article(page, document)
    wait_idle(page)
    assert page.locator(".fb-title").inner_text() == hostile
    assert page.frame_locator("#page").locator("h1").inner_text() == hostile
    assert dialogs == [] and page.evaluate("() => window.__pwned === undefined")

    arabic = json.loads((EXAMPLES / "multilingual" / "ar.json").read_text())
    set_article(page, arabic)
    wait_idle(page)
    assert page.locator("#f-headline").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.frame_locator("#page").locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".slack-title").evaluate("e => getComputedStyle(e).direction") == "rtl"
