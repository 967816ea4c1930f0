"""The dependency layer's trimming (layers/dependencies/slim.py) changes no output the code produces.

The trimmed copies are made from this venv's own Babel and Pillow (the same versions the layer
bundles, from uv.lock) and exercised in a fresh interpreter that imports them first.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SLIM = ROOT / "layers" / "dependencies" / "slim.py"
SITE = Path(sysconfig.get_paths()["purelib"])

pytestmark = pytest.mark.slow  # starts interpreters

# Every public function of newscard.rendering.i18n, called with every locale Babel knows plus
# tags it does not (fallbacks), moments in three offsets, and lists of 0-4 names.
I18N_PROBE = r"""
import inspect, json
from datetime import datetime, timedelta, timezone

import babel
from babel.localedata import locale_identifiers

from newscard.rendering import i18n

tags = [ident.replace("_", "-") for ident in sorted(locale_identifiers())]
tags += ["", "und", "xx", "en-XX", "zh-Hant-TW", "sr-Latn-RS", "pt-BR", "ar-EG", "fa-IR", "EN-us"]
moments = [
    datetime(2026, 1, 5, 9, 7, tzinfo=timezone.utc),
    datetime(2026, 7, 30, 18, 45, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2025, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-8))),
]
name_lists = [[], ["Ann"], ["Ann", "Bo"], ["Ann", "Bo", "Cy"], ["Ann", "Bo", "Cy", "Di"]]


def attempt(call):
    try:
        return call()
    except Exception as error:  # a KeyError from missing data must show up as a difference
        return f"raised {type(error).__name__}: {error}"


calls = {
    "locale_for": lambda tag: [str(i18n.locale_for(tag))],
    "labels": lambda tag: [i18n.labels(tag)],
    "format_timestamp": lambda tag: [i18n.format_timestamp(m, tag) for m in moments],
    "format_date_only": lambda tag: [i18n.format_date_only(m, tag) for m in moments],
    "format_names": lambda tag: [i18n.format_names(names, tag) for names in name_lists],
    "og_locale": lambda tag: [i18n.og_locale(tag)],
    "list_separators": lambda tag: [i18n.list_separators(count, tag) for count in range(5)],
    "format_date_time": lambda tag: [i18n.format_date_time(m, tag) for m in moments],
    "format_full_date": lambda tag: [i18n.format_full_date(m, tag) for m in moments],
    "format_month_year": lambda tag: [i18n.format_month_year(m, tag) for m in moments],
    "nav_labels": lambda tag: [i18n.nav_labels(tag)],
    "direction": lambda tag: [i18n.direction(tag)],
    "catalog_names": lambda tag: [i18n.catalog_names(tag)],
    # translations() returns a catalog object; compare what it does: translate the interface words.
    "translations": lambda tag: [
        i18n.translations(tag).gettext(word) for word in ("By", "Updated", "Topics")
    ],
    "N_": lambda tag: [i18n.N_("By")],
}
public = sorted(
    name
    for name, value in vars(i18n).items()
    if callable(value) and not inspect.isclass(value) and not name.startswith("_")
    and getattr(value, "__module__", None) == i18n.__name__  # functions, lru_cache-wrapped ones too
)
rows = {tag: {name: attempt(lambda c=call, t=tag: c(t)) for name, call in calls.items()} for tag in tags}
print(json.dumps({"babel": babel.__file__, "public": public, "covered": sorted(calls), "rows": rows}))
"""

IMAGE_PROBE = r"""
import json, sys
import PIL
from PIL import features
from newscard.rendering.images import ImageProblem, inspect_image

verdicts = {}
for name, path in json.loads(sys.argv[1]).items():
    try:
        verdicts[name] = inspect_image(open(path, "rb").read()).format
    except ImageProblem as problem:
        verdicts[name] = f"refused: {problem}"
print(json.dumps({"pil": PIL.__file__, "avif": features.check("avif"), "verdicts": verdicts}))
"""


@pytest.fixture(scope="module")
def slim_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Babel and Pillow from this venv, trimmed exactly as the layer build trims them."""
    site = tmp_path_factory.mktemp("slim-site")
    for name in ("babel", "PIL", "pillow.libs"):
        shutil.copytree(SITE / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, str(SLIM), str(site)], check=True, capture_output=True)
    return site


def run_probe(code: str, *args: str, first_on_path: Path | None = None) -> Any:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if first_on_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(first_on_path), str(ROOT / "functions")])
    result = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(result.stdout)


def test_every_i18n_function_gives_the_same_output_for_every_locale_with_the_trimmed_data(
    slim_site: Path,
) -> None:
    full = run_probe(I18N_PROBE)
    trimmed = run_probe(I18N_PROBE, first_on_path=slim_site)
    assert Path(trimmed["babel"]).is_relative_to(slim_site), "the probe did not load the trimmed Babel"
    assert not Path(full["babel"]).is_relative_to(slim_site)
    # A new public i18n function must be added to the probe, so its output is compared too.
    assert full["public"] == full["covered"], "add the new i18n function to I18N_PROBE's calls"
    assert len(full["rows"]) > 700  # every CLDR locale, not a sample
    differences = {
        (tag, name): (row[name], trimmed["rows"][tag][name])
        for tag, row in full["rows"].items()
        for name in row
        if row[name] != trimmed["rows"][tag][name]
    }
    assert not differences, f"{len(differences)} outputs differ, e.g. {next(iter(differences.items()))}"
    # The full data really produces dates (a probe that only caught errors would compare equal).
    assert full["rows"]["de"]["format_date_only"][0] == "05.01.2026"
    assert "5 janvier 2026" in full["rows"]["fr"]["format_timestamp"][0]


def test_the_trimmed_babel_data_is_a_small_fraction_of_the_full_data(slim_site: Path) -> None:
    def size(root: Path) -> int:
        return sum(f.stat().st_size for f in (root / "babel" / "locale-data").glob("*.dat"))

    assert size(slim_site) < size(SITE) / 10
    assert not (slim_site / "babel" / "messages").exists()


def test_without_the_dropped_codecs_the_accepted_formats_still_decode_and_avif_is_still_refused(
    slim_site: Path, tmp_path: Path
) -> None:
    samples = {}
    for name, fmt in {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "avif": "AVIF", "tiff": "TIFF"}.items():
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 40)).save(buffer, fmt)
        (tmp_path / name).write_bytes(buffer.getvalue())
        samples[name] = str(tmp_path / name)
    full = run_probe(IMAGE_PROBE, json.dumps(samples))
    slim = run_probe(IMAGE_PROBE, json.dumps(samples), first_on_path=slim_site)
    assert Path(slim["pil"]).is_relative_to(slim_site)
    assert (full["avif"], slim["avif"]) == (True, False)  # the codec really is gone
    assert slim["verdicts"]["jpeg"] == "JPEG" and slim["verdicts"]["webp"] == "WEBP"
    assert slim["verdicts"]["png"] == "PNG"
    for refused in ("avif", "tiff"):
        assert full["verdicts"][refused].startswith("refused")
        assert slim["verdicts"][refused].startswith("refused")
    assert not list(slim_site.glob("PIL/_avif*.so")) and not list(slim_site.glob("pillow.libs/libavif*"))
