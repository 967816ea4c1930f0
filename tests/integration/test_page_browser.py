"""The built site in headless Chromium: axe-core, screenshots at phone and desktop widths, RTL, no script."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, BuiltSite

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (390, 1280)
PAGES = {
    "article": "seed",
    "article-rtl": "rtl",
    "article-hostile": "hostile",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The system Chromium driven by Playwright (no browser download); a fresh profile each run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


LISTING_PAGES = {
    "section-page-2": "sections/culture/page/2/index.html",
    "archive-day": "archive/2025/12/05/index.html",
    "archive-month": "archive/2025/12/index.html",
}


def page_files(site: BuiltSite, paged: BuiltSite) -> dict[str, Path]:
    files = {name: site.page(document) for name, document in PAGES.items()}
    files["front"] = site.root / "index.html"
    files["section"] = site.root / "sections" / "culture" / "index.html"
    files.update({name: paged.root / key for name, key in LISTING_PAGES.items()})
    return files


@pytest.fixture(scope="module")
def rendered(
    browser: Any, built_site: BuiltSite, paged_site: BuiltSite
) -> dict[tuple[str, int], dict[str, Any]]:
    """Every page at both widths, with JavaScript off as a reader without it would see it: a
    full-page screenshot, layout facts and any dialog. axe then runs in a second, scripted context
    (it needs JavaScript; the page itself does not)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for width in WIDTHS:
        quiet = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
        scripted = browser.new_context(viewport={"width": width, "height": 900})
        for name, path in page_files(built_site, paged_site).items():
            page = quiet.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
            page.goto(path.as_uri(), wait_until="load")
            shot = SCREENSHOTS / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            page.close()

            probe = scripted.new_page()
            probe.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
            probe.goto(path.as_uri(), wait_until="load")
            facts = probe.evaluate(
                """() => ({
                    scrollWidth: document.documentElement.scrollWidth,
                    clientWidth: document.documentElement.clientWidth,
                    scripts: [...document.scripts].map(s => s.type),
                    dir: getComputedStyle(document.documentElement).direction,
                    h1: (document.querySelector('h1') || document.body).getBoundingClientRect().toJSON(),
                    h1Size: parseFloat(getComputedStyle(document.querySelector('h1')).fontSize),
                    brokenImages: [...document.images].filter(i => i.complete && i.naturalWidth === 0)
                        .map(i => i.getAttribute('src')),
                    injected: window.__pwned === true,
                })"""
            )
            probe.add_script_tag(path=str(AXE))
            violations = probe.evaluate(
                """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
            )
            probe.close()
            results[(name, width)] = {"shot": shot, "facts": facts, "axe": violations, "dialogs": dialogs}
        quiet.close()
        scripted.close()
    return results


CASES = [(name, width) for name in [*PAGES, "front", "section", *LISTING_PAGES] for width in WIDTHS]


@pytest.mark.parametrize(("name", "width"), CASES)
def test_axe_finds_no_serious_or_critical_violations(rendered: dict[Any, Any], name: str, width: int) -> None:
    serious = [v for v in rendered[(name, width)]["axe"] if v["impact"] in ("serious", "critical")]
    assert serious == []


@pytest.mark.parametrize(("name", "width"), CASES)
def test_pages_fit_the_screen_and_load_every_image(rendered: dict[Any, Any], name: str, width: int) -> None:
    result = rendered[(name, width)]
    facts = result["facts"]
    # a screenshot was taken (look at tests/browser/screenshots/ after a run)
    assert result["shot"].stat().st_size > 10_000
    # nothing scrolls sideways on a phone or a desktop
    assert facts["scrollWidth"] <= facts["clientWidth"], facts
    assert facts["brokenImages"] == []
    # the heading is large but not oversized for the width
    assert 24 <= facts["h1Size"] <= 48


@pytest.mark.parametrize("width", WIDTHS)
def test_rtl_pages_are_mirrored(rendered: dict[Any, Any], width: int) -> None:
    facts = rendered[("article-rtl", width)]["facts"]
    ltr = rendered[("article", width)]["facts"]
    assert facts["dir"] == "rtl"
    # the headline hugs the right edge of the column where the LTR one hugs the left
    assert facts["h1"]["right"] == pytest.approx(width - ltr["h1"]["left"], abs=2)


@pytest.mark.parametrize("name", ["article-hostile", "front"])
def test_hostile_text_never_runs_as_script(rendered: dict[Any, Any], name: str) -> None:
    for width in WIDTHS:
        result = rendered[(name, width)]
        assert result["dialogs"] == []
        # the only script element is the JSON-LD data block (front page: none at all)
        assert set(result["facts"]["scripts"]) <= {"application/ld+json"}
        assert result["facts"]["injected"] is False
