"""Pure rendering: cards (Pillow), the article page (Jinja2), text layout and fonts."""

# Before the first image buffer: glibc keeps freed image memory for the next one (see allocator).
from newscard.rendering import allocator as allocator

# Before anything imports PIL.ImageFont: load the FriBiDi we ship so Pillow's Raqm layout finds it.
from newscard.rendering import shaping as shaping
