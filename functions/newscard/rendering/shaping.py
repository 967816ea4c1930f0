"""The layout engine: Raqm with a FriBiDi we ship, so Arabic, Hebrew and Devanagari shape on Lambda.

Pillow's wheel bundles Raqm and HarfBuzz but dlopens ``libfribidi.so.0`` from the system when
``PIL._imagingft`` is first imported. Lambda has no FriBiDi, and Pillow then silently falls back to
basic layout: Arabic comes out unjoined and backwards, Devanagari matras land in the wrong place.
Loading our copy first, by absolute path and RTLD_GLOBAL, makes Pillow's dlopen by soname find it.
This module must therefore run before anything imports ``PIL.ImageFont``; the package's
``__init__`` imports it first for that reason.
"""

from __future__ import annotations

import ctypes
import os
import platform
from pathlib import Path

FRIBIDI_SONAME = "libfribidi.so.0"
# Lambda extracts layers under /opt and puts /opt/lib on the library path; a source checkout keeps
# the layer's files in layers/card-assets, one build per machine type, so tests load the same thing.
LAMBDA_LAYER = Path("/opt")
SOURCE_LAYER = Path(__file__).resolve().parents[3] / "layers" / "card-assets"


class ShapingUnavailable(RuntimeError):
    """Complex-script layout is not available: cards would be wrong, so refuse to render."""


def _fribidi_candidates() -> list[Path]:
    return [
        LAMBDA_LAYER / "lib" / FRIBIDI_SONAME,
        SOURCE_LAYER / "lib" / platform.machine() / FRIBIDI_SONAME,
    ]


def _preload_fribidi() -> Path | None:
    for candidate in _fribidi_candidates():
        if candidate.is_file():
            try:
                ctypes.CDLL(str(candidate), mode=os.RTLD_GLOBAL)
            except OSError:  # another machine type's build: try the next
                continue
            return candidate
    return None


BUNDLED_FRIBIDI: Path | None = _preload_fribidi()


def loaded_fribidi() -> Path | None:
    """The FriBiDi file actually mapped into this process (Linux), whoever loaded it."""
    try:
        with Path("/proc/self/maps").open() as maps:
            for line in maps:
                if "libfribidi" in line:
                    return Path(line.split(maxsplit=5)[-1].strip())
    except OSError:
        return None
    return None


def require_shaping() -> None:
    """Fail fast (at start, not on the first Arabic headline) if Raqm or FriBiDi did not load."""
    from PIL import features

    if not (features.check("raqm") and features.check("fribidi") and features.check("harfbuzz")):
        searched = ", ".join(str(path) for path in _fribidi_candidates())
        raise ShapingUnavailable(
            "Pillow's Raqm layout is unavailable (FriBiDi not loaded); Arabic, Hebrew and Devanagari "
            f"would render wrongly. Looked for {FRIBIDI_SONAME} in: {searched}"
        )
