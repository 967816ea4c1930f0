"""Images that pass the header check but are hostile to decode, and photos in unusual pixel formats.

Each is made here from Pillow output, the way a broken exporter, a camera or an attacker would
make it, so the tests need no binary fixtures.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image


def photo(size: tuple[int, int] = (900, 600), seed: int = 7) -> Image.Image:
    """A photo-like RGB image (gradients plus noise), so encoders produce real entropy-coded data."""
    rng = random.Random(seed)
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.frombytes("L", size, rng.randbytes(width * height))
    return Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(size: tuple[int, int] = (900, 600), **options: object) -> bytes:
    return encode(photo(size), "JPEG", quality=90, **options)


def truncated_jpeg() -> bytes:
    """The header and half the scan data: what an interrupted upload leaves."""
    data = jpeg()
    return data[: len(data) // 2]


def png(size: tuple[int, int] = (900, 600)) -> bytes:
    return encode(photo(size), "PNG")


def png_with_cut_idat() -> bytes:
    """A PNG whose compressed image data stops short, chunks and CRCs otherwise intact."""
    width, height = 600, 400
    raw = b"".join(b"\0" + bytes((x * 7 + y) % 256 for x in range(width * 3)) for y in range(height))
    compressed = zlib.compress(raw)[:2000]  # a valid prefix of the stream, far from complete

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")


def png_too_tall_for_jpeg() -> bytes:
    """70,000 px tall and 10 px wide: within 40 MP, but no JPEG (page rendition) can be that tall."""
    return encode(Image.new("RGB", (10, 70_000), (200, 30, 30)), "PNG")


def jpeg_with_many_scans(scans: int = 3000) -> bytes:
    """A small progressive JPEG with one of its scans repeated: each repeat costs a pass over the image."""
    data = jpeg((400, 300), progressive=True)
    spans = list(scan_spans(data))
    start, end = spans[-2]
    return data[:end] + data[start:end] * scans + data[end:]


def scan_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each SOS segment plus its entropy-coded data."""
    spans = []
    position = 2
    while position < len(data) - 1:
        marker = data[position + 1]
        if marker == 0xD9:
            break
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker != 0xDA:
            position += 2 + length
            continue
        end = position + 2 + length
        while not (data[end] == 0xFF and data[end + 1] not in (0x00, *range(0xD0, 0xD8))):
            end += 1
        spans.append((position, end))
        position = end
    return spans


def grey16_png(level: int = 0x8000) -> bytes:
    """A 16-bit grayscale PNG at the given level (0..65535): mid-grey by default."""
    image = Image.new("I;16", (640, 400), level)
    return encode(image, "PNG")


def mpo(first: tuple[int, int, int] = (30, 110, 200), second: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A multi-picture (MPO) camera JPEG: two frames, the first is the photo."""
    frames = [Image.new("RGB", (800, 500), first), Image.new("RGB", (800, 500), second)]
    return encode(frames[0], "MPO", save_all=True, append_images=frames[1:], quality=90)


# Display P3 as a minimal ICC v2 matrix/TRC profile (colorants adapted to D50, as in Apple's profile).
_P3_COLORANTS = {
    b"rXYZ": (0.5151, 0.2412, -0.0011),
    b"gXYZ": (0.2920, 0.6922, 0.0419),
    b"bXYZ": (0.1571, 0.0666, 0.7841),
    b"wtpt": (0.9642, 1.0, 0.8249),
}


def display_p3_profile() -> bytes:
    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    def text_description(text: str) -> bytes:
        ascii_text = text.encode("ascii") + b"\0"
        return (
            b"desc\0\0\0\0"
            + struct.pack(">I", len(ascii_text))
            + ascii_text
            + b"\0" * 8  # no Unicode description
            + b"\0" * 3  # no ScriptCode
            + b"\0" * 67
        )

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [(b"desc", text_description("Display P3 (test)"))]
    tags += [(name, xyz(values)) for name, values in _P3_COLORANTS.items()]
    tags += [(b"rTRC", gamma), (b"gTRC", gamma), (b"bTRC", gamma)]
    tags += [(b"cprt", b"text\0\0\0\0No copyright\0\0\0\0")]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for name, data in tags:
        padded = data + b"\0" * (-len(data) % 4)
        table += name + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"none"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"APPL"
        + b"\0" * 4  # flags
        + b"\0" * 4  # manufacturer
        + b"\0" * 4  # model
        + b"\0" * 8  # attributes
        + b"\0" * 4  # rendering intent
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 4
        + b"\0" * 44
    )
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", len(tags)) + table + body


P3_COLOUR = (200, 90, 60)  # a warm orange, tagged Display P3: in sRGB it is more saturated


def p3_jpeg() -> bytes:
    image = Image.new("RGB", (800, 500), P3_COLOUR)
    return encode(image, "JPEG", quality=95, icc_profile=display_p3_profile())


def p3_palette_png() -> bytes:
    image = Image.new("RGB", (800, 500), P3_COLOUR).quantize(16)
    return encode(image, "PNG", icc_profile=display_p3_profile())


def palette_png() -> bytes:
    return encode(photo((600, 400)).quantize(64), "PNG")


def grey_alpha_png() -> bytes:
    image = Image.new("LA", (600, 400), (120, 255))
    return encode(image, "PNG")


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (600, 400), (0, 120, 200, 20)), "JPEG", quality=90)


def webp() -> bytes:
    return encode(photo((600, 400)), "WEBP", quality=80)
