"""Synthetic test photos: gradients plus blurred noise, so JPEG sizes and decode times look like photos."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageFilter


def synthetic_photo(size: tuple[int, int], *, seed: int = 7, quality: int = 90) -> bytes:
    """A deterministic photo-like JPEG of the given size."""
    width, height = size
    small = (max(8, width // 16), max(8, height // 16))
    rng = random.Random(seed)
    noise = Image.frombytes("RGB", small, bytes(rng.randrange(256) for _ in range(small[0] * small[1] * 3)))
    base = noise.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BICUBIC)
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    photo = Image.blend(base, gradient, 0.35)
    grain = Image.effect_noise(size, 24).convert("RGB")
    photo = Image.blend(photo, grain, 0.08)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def cached_heavy_photo(directory: Path, megabytes: float = 19.0) -> Path:
    """A JPEG of pure noise at quality 100: the most bytes per pixel a camera could send (about 19 MB
    for 4.6 MP, inside both the 20 MB and 40 MP limits), so the image bytes dominate memory."""
    path = directory / f"heavy-{megabytes:g}mb.jpg"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        rng = random.Random(11)
        side = 2600
        while True:
            size = (side, side * 2 // 3)
            noise = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
            buffer = io.BytesIO()
            noise.save(buffer, "JPEG", quality=100, subsampling=0)
            if len(buffer.getvalue()) <= megabytes * 1e6 or side < 500:
                break
            side -= 50
        path.write_bytes(buffer.getvalue())
    return path


def cached_photo(directory: Path, size: tuple[int, int]) -> Path:
    path = directory / f"photo-{size[0]}x{size[1]}.jpg"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_bytes(synthetic_photo(size))
    return path
