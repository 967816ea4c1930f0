"""Compile the interface-word catalogs (.po -> .mo) that ship with the package.

    .venv/bin/python scripts/compile_catalogs.py          # rewrite every .mo from its .po
    .venv/bin/python scripts/compile_catalogs.py --check  # exit 1 if a committed .mo is stale

The .mo files are committed rather than built: the Lambda build (functions/Makefile) and an
editable install then need no compile step, and gettext reads .mo natively at a cold start. The
unit tests run --check's comparison, so a .po edited without recompiling fails CI.

New words: mark them N_("...") in functions/newscard/rendering/i18n.py, then (in
functions/newscard/rendering) `pybabel extract -k N_ -o locale/newscard.pot i18n.py` and
`pybabel update -D newscard -i locale/newscard.pot -d locale`, translate, and run this script.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "functions" / "newscard" / "rendering" / "locale"


def compiled(po_path: Path) -> bytes:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def stale_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The .po files whose committed .mo is missing or differs from a fresh compile."""
    stale = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != compiled(po_path):
            stale.append(po_path)
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description="compile .po catalogs to .mo")
    parser.add_argument("--check", action="store_true", help="only report stale .mo files")
    args = parser.parse_args()
    stale = stale_catalogs()
    if args.check:
        for path in stale:
            print(f"stale: {path.with_suffix('.mo')}", file=sys.stderr)
        return 1 if stale else 0
    for po_path in stale:
        po_path.with_suffix(".mo").write_bytes(compiled(po_path))
        print(f"compiled {po_path.with_suffix('.mo')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
