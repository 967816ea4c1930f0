"""The README's demo: the seed article through S3 -> SQS -> the real handler on moto over real HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SEED_SLUG = "us-russia-overtures-deepen-european-fears-over-future-of-alliance"


@pytest.mark.slow
def test_demo_publishes_the_seed_article_and_copies_the_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "newscard.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "-> published in" in result.stdout
    page = out / "articles" / SEED_SLUG / "index.html"
    assert f"open {page.resolve()}" in result.stdout
    html = page.read_text()
    cards = sorted(p.name.split("-")[0] for p in (out / "cards" / SEED_SLUG).iterdir())
    assert cards == ["og", "square", "story"]
    assert "US Russia Overtures Deepen European Fears Over Future of Alliance" in html
