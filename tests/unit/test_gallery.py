"""`newscard gallery`: one contact sheet with every preset of every article."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from newscard.cli import main
from tests.conftest import EXAMPLES, SEED


def test_gallery_writes_one_row_of_three_cards_per_article(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # Given the seed article and the Arabic example (its images under examples/assets)
    out = tmp_path / "sheet.png"
    files = [str(SEED), str(EXAMPLES / "multilingual" / "ar.json")]
    # When the gallery is drawn
    code = main(["gallery", *files, "--assets", str(EXAMPLES), "--out", str(out), "--height", "200"])
    # Then one PNG holds two rows: three cards side by side, each 200 px tall
    assert code == 0
    assert "2 articles, 6 cards" in capsys.readouterr().out
    with Image.open(out) as sheet:
        assert sheet.format == "PNG"
        assert sheet.height > 2 * 200 and sheet.width > 200 * (1200 / 630 + 1 + 1080 / 1920)


def test_gallery_reports_an_invalid_article_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["gallery", str(bad), "--out", str(tmp_path / "sheet.png")]) == 1


def test_gallery_shows_every_layout_of_an_article(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "layouts.png"
    files = [str(EXAMPLES / "multilingual" / "hi.json")]
    code = main(
        [
            "gallery",
            *files,
            "--assets",
            str(EXAMPLES),
            "--out",
            str(out),
            "--height",
            "120",
            "--layouts",
            "all",
        ]
    )
    assert code == 0
    assert "4 articles, 12 cards" in capsys.readouterr().out
    with Image.open(out) as sheet:
        assert sheet.height > 4 * 120


def test_gallery_refuses_an_unknown_layout(tmp_path: Path) -> None:
    import pytest

    with pytest.raises(SystemExit):
        main(["gallery", str(SEED), "--out", str(tmp_path / "x.png"), "--layouts", "overlay,fancy"])
