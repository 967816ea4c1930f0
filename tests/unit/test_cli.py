"""The newscard command: validate, schema and render behave as SPEC section 6 says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscard.cli import main
from tests.conftest import EXAMPLES, SEED, seed_document

SEED_SLUG = "us-russia-overtures-deepen-european-fears-over-future-of-alliance"


def write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_validate_exits_zero_when_all_files_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SEED)]) == 0
    assert f"ok (slug {SEED_SLUG})" in capsys.readouterr().out


def test_validate_exits_one_and_prints_errors_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.json", seed_document(headline="", tags=["x" * 41]))
    assert main(["validate", str(SEED), str(bad), str(tmp_path / "missing.json")]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: invalid (2 problems)" in out
    assert "  /headline: must not be empty" in out
    assert "  /tags/0: must be at most 40 characters" in out
    assert "missing.json: cannot read" in out


def test_schema_prints_the_article_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"headline", "section", "published_at", "body"}
    assert schema["additionalProperties"] is False


def test_render_writes_the_site_layout_with_assets_beside_the_article(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert main(["render", str(SEED), "--out", str(out)]) == 0
    files = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != ".headers.json"
    )
    assert f"articles/{SEED_SLUG}/index.html" in files
    assert f"articles/{SEED_SLUG}/manifest.json" in files
    assert sorted(f.split("/")[-1].split("-")[0] for f in files if f.startswith("cards/")) == [
        "og",
        "square",
        "story",
    ]
    html = (out / f"articles/{SEED_SLUG}/index.html").read_text()
    heroes = [f for f in files if f.startswith(f"images/{SEED_SLUG}/hero-")]
    assert heroes
    for hero in heroes:  # every rendition offered, relative so the folder is browsable as files
        assert f'"../../{hero} ' in html or f"../../{hero} " in html


def test_render_takes_assets_from_another_folder(tmp_path: Path) -> None:
    article = write(tmp_path, "a.json", seed_document())
    assert main(["render", str(article), "--out", str(tmp_path / "out")]) == 1  # no assets beside it
    assert main(["render", str(article), "--out", str(tmp_path / "out"), "--assets", str(EXAMPLES)]) == 0


def test_render_reports_rejections_and_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.json", {"headline": "x"})
    assert main(["render", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert "/section: the article needs a section" in capsys.readouterr().out
    assert not (tmp_path / "out" / "articles").exists()


@pytest.mark.parametrize("kind", ["file", "under a file"])
def test_render_to_a_place_that_cannot_be_a_folder_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    out = blocker if kind == "file" else blocker / "site"
    assert main(["render", str(SEED), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"--out {out}: ") and err.count("\n") == 1
