"""Trim installed packages to what Newscard uses: `python slim.py SITE_PACKAGES_DIR` (run by the Makefile).

- Babel: CLDR data for every locale stays (articles may be in any BCP 47 language), but each locale
  file keeps only the keys the i18n functions read (`BABEL_KEYS`): dates, times, time-zone offsets
  and list patterns. Names of languages, territories, currencies, units and time zones are most of
  the 32 MB and are never read. tests/unit/test_lean_package.py compares every i18n function over
  every locale between the full and the trimmed data. `babel.messages` (catalog tooling) goes too.
- Pillow: the AVIF codec (the code refuses AVIF) and the Tk bridge (no display on Lambda).

Keep this file free of imports outside the standard library: it runs on the build machine's Python
and reads Babel's pickles with the Babel it is trimming.
"""

from __future__ import annotations

import pickle
import shutil
import sys
from pathlib import Path

# What babel.dates (format_date, format_time, get_datetime_format, time-zone offsets) and
# babel.lists (format_list) read from a locale, plus small keys a label or plural might need.
# A new i18n function that reads another key must add it here; the comparison test will say so.
BABEL_KEYS = frozenset(
    {
        "locale_id",
        "character_order",  # Locale.text_direction
        "months",
        "days",
        "quarters",
        "eras",
        "day_periods",
        "day_period_rules",
        "week_data",
        "date_formats",
        "time_formats",
        "datetime_formats",
        "datetime_skeletons",  # format_skeleton: the archive's month and year (format_month_year)
        "zone_formats",
        "list_patterns",
        "number_symbols",
        "numbering_systems",
        "default_numbering_system",
        "plural_form",
        "ordinal_form",
    }
)

# AvifImagePlugin.py stays: without _avif it reports "AVIF support not installed", and the code refuses it.
PILLOW_UNUSED = ("PIL/_avif.*.so", "PIL/_imagingtk.*.so", "pillow.libs/libavif-*")


def trim_babel(site: Path) -> tuple[int, int]:
    """Rewrite every locale file with only BABEL_KEYS; returns (bytes before, bytes after)."""
    sys.path.insert(0, str(site))  # unpickle with the Babel being trimmed (its Alias classes)
    try:
        before = after = 0
        for path in sorted((site / "babel" / "locale-data").glob("*.dat")):
            raw = path.read_bytes()
            data = pickle.loads(raw)  # noqa: S301 - Babel's own data files, from the hash-checked wheel
            kept = {key: value for key, value in data.items() if key in BABEL_KEYS}
            trimmed = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
            path.write_bytes(trimmed)
            before, after = before + len(raw), after + len(trimmed)
    finally:
        sys.path.remove(str(site))
    shutil.rmtree(site / "babel" / "messages", ignore_errors=True)
    return before, after


def drop_unused_codecs(site: Path) -> list[str]:
    """Delete Pillow modules and libraries the code never loads; returns what was removed."""
    removed = []
    for pattern in PILLOW_UNUSED:
        for path in sorted(site.glob(pattern)):
            path.unlink()
            removed.append(str(path.relative_to(site)))
    return removed


def main(argv: list[str]) -> int:
    site = Path(argv[1])
    before, after = trim_babel(site)
    removed = drop_unused_codecs(site)
    print(f"slim: Babel locale data {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
    print(f"slim: removed {', '.join(removed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
