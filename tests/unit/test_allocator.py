"""The allocator keeps freed image memory: a card does not fault its buffers in from the kernel."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from newscard.rendering import allocator

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"

# Page faults per og card in a fresh process: with the package's settings, then with glibc's
# start-up thresholds put back (what every card paid before), then with the settings again.
PROBE = """
import resource, sys
sys.path.insert(0, sys.argv[1])
from PIL import Image
from newscard.models.settings import Theme
from newscard.rendering import allocator
from newscard.rendering.cards import PRESETS, CardText, clear_layout_caches, render_card

photo = Image.effect_noise((2400, 1600), 50).convert("RGB")
text = CardText("Storm closes coastal road as repairs begin", "Weather", "Newscard")

def faults_per_card(cards=5):
    for _ in range(3):  # the heap grows to its working size over the first cards
        render_card(text, preset=PRESETS["og"], theme=Theme(), photo=photo)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(cards):
        clear_layout_caches()
        render_card(text, preset=PRESETS["og"], theme=Theme(), photo=photo)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / cards

tuned = faults_per_card()
allocator.keep_freed_memory(128 * 1024, 128 * 1024)
default = faults_per_card()
print(allocator.TUNED, tuned, default)
"""

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's"
)


@glibc_only
def test_importing_the_rendering_package_tunes_glibc() -> None:
    assert allocator.TUNED is True


@glibc_only
def test_a_card_reuses_freed_memory_instead_of_faulting_it_in() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(FUNCTIONS)], capture_output=True, text=True, check=True
    )
    tuned_flag, tuned, default = result.stdout.split()
    assert tuned_flag == "True"
    # A 1200x630 card is 3 MB of canvas alone (740 pages): glibc's defaults fault in about a
    # thousand pages or more per card (it varies with the process's history), the tuned heap few.
    assert float(default) > 300, result.stdout
    assert float(tuned) < float(default) / 10, result.stdout


def test_elsewhere_it_declines_without_touching_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False
