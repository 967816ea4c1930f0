"""Newscard benchmark: prints a table and one JSON line. A script, not a test.

    .venv/bin/python bench/run.py            # everything (peers skipped if Node/Chromium are absent)
    .venv/bin/python bench/run.py --quick    # fewer repetitions
    .venv/bin/python bench/run.py --only presets,article

Sections: per-preset card (from an already decoded hero: render + encode), the hero decode, per
article (decode + 3 presets + page images + page; for the seed, its floor: the time in Pillow's
decoders, resamplers and encoders alone), cold start,
end to end through the dev stack over real HTTP, one publish's phases with AWS-like round trips
(and its S3 and DynamoDB request counts), peak memory for the story card from a 40 MP hero,
deployment package sizes, the same card through satori + resvg and warm headless Chromium, and
one publish's listing step on archives of 1,000 to 100,000 articles (time, DynamoDB requests, items).
Numbers are medians; the machine is noisy, so compare ratios within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from photos import cached_heavy_photo, cached_photo  # noqa: E402

WORK = Path(tempfile.gettempdir()) / "newscard-bench"
HEADLINE = "US Russia Overtures Deepen European Fears Over Future of Alliance"
KICKER = "World"
SITE = "Newscard"
ENV = {
    "ARTICLES_BUCKET": "bench-articles",
    "SITE_BUCKET": "bench-site",
    "STATE_TABLE": "bench-state",
    "SITE_BASE_URL": "https://news.example.com",
    "SITE_NAME": SITE,
}


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "min": round(min(samples), 2),
        "median": round(statistics.median(samples), 2),
        "max": round(max(samples), 2),
        "n": len(samples),
    }


def timed(
    function: Callable[[], Any], *, n: int, warmup: int = 2, before: Callable[[], Any] | None = None
) -> list[float]:
    """n wall-clock samples in ms after warmup runs; before (untimed) runs ahead of every call."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(n):
        if before is not None:
            before()
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def settings() -> Any:
    from newscard.models.settings import Settings

    return Settings.from_env({**ENV, **{k: v for k, v in os.environ.items() if k in ENV}})


def bench_presets(n: int) -> dict[str, Any]:
    """One card per preset from the 2400x1600 photo, decoded once beforehand (render + encode), via
    bench/cards.py; the decode alone and one decode + three cards as separate rows."""
    from cards import measure_presets

    from newscard.rendering.cards import CardText

    data = cached_photo(WORK, (2400, 1600)).read_bytes()
    results, decode, article = measure_presets(data, [CardText(HEADLINE, KICKER, SITE)], runs=n, warmup=3)
    table: dict[str, Any] = {
        name: {
            "min": r["min_ms"],
            "median": r["median_ms"],
            "max": r["max_ms"],
            "n": n,
            "cpu_median": r["cpu_median_ms"],
            "cpu_mean": r["cpu_mean_ms"],
            "kb": r["max_kb"],
            # The floor: the card's photo region resampled to its frame plus the encode, timed alone.
            "floor": r["floor_ms"],
            "resample": r["resample_ms"],
            "encode": r["encode_ms"],
            "above_floor": r["above_floor_ms"],
        }
        for name, r in results.items()
    }
    table["hero_decode"] = summary(decode)
    table["three_cards_one_decode"] = summary(article)
    table["cards_per_second_one_core"] = round(
        1000 / statistics.median(r["median_ms"] for r in results.values()), 1
    )
    return table


def article_document(hero: str, body_image: str, *, focal_point: bool = True) -> bytes:
    document = json.loads((ROOT / "examples" / "seed-article.json").read_text())
    document["hero"]["src"] = hero
    document["body"][8]["src"] = body_image
    if not focal_point:
        del document["hero"]["focal_point"]
    return json.dumps(document).encode()


def bench_article(n: int) -> dict[str, Any]:
    """All three presets + the page (+ page images), warm, for the seed article and a 24 MP hero."""
    from newscard.logic.render import render_article
    from newscard.logic.validation import parse_article
    from newscard.rendering.cards import clear_layout_caches

    config = settings()
    seed_assets = ROOT / "examples" / "assets"
    cases = {
        "seed": (
            article_document("assets/european-leaders.jpg", "assets/starmer-macron-merz.jpg"),
            {
                "assets/european-leaders.jpg": (seed_assets / "european-leaders.jpg").read_bytes(),
                "assets/starmer-macron-merz.jpg": (seed_assets / "starmer-macron-merz.jpg").read_bytes(),
            },
        ),
        # No focal point: the cards' subject is detected (faces, else saliency) once for the three.
        "seed_detect_subject": (
            article_document(
                "assets/european-leaders.jpg", "assets/starmer-macron-merz.jpg", focal_point=False
            ),
            {
                "assets/european-leaders.jpg": (seed_assets / "european-leaders.jpg").read_bytes(),
                "assets/starmer-macron-merz.jpg": (seed_assets / "starmer-macron-merz.jpg").read_bytes(),
            },
        ),
        "large_hero_24mp": (
            article_document("assets/large.jpg", "assets/starmer-macron-merz.jpg"),
            {
                "assets/large.jpg": cached_photo(WORK, (6000, 4000)).read_bytes(),
                "assets/starmer-macron-merz.jpg": (seed_assets / "starmer-macron-merz.jpg").read_bytes(),
            },
        ),
    }
    results: dict[str, Any] = {}
    for name, (raw, image_bytes) in cases.items():
        article = parse_article(raw)
        # Each sample typesets the headline afresh, as a new article does (fonts stay loaded).
        samples = timed(
            partial(render_article, article, image_bytes, config), n=n, before=clear_layout_caches
        )
        results[name] = summary(samples)
        if name == "seed":
            floor = pixel_floor(partial(render_article, article, image_bytes, config), n=n)
            results["seed_floor"] = {
                **floor,
                "above_floor": round(results[name]["median"] - floor["floor"], 1),
            }
    # The budget: detection + three cards within 1.3x of the article with a focal point.
    results["seed_detect_ratio"] = round(
        results["seed_detect_subject"]["median"] / results["seed"]["median"], 2
    )
    for focal_point in (True, False):
        faces = _face_case(focal_point=focal_point)
        if faces is not None:
            article, image_bytes = parse_article(faces[0]), faces[1]
            name = "faces_focal_point" if focal_point else "faces_detect_subject"
            results[name] = summary(
                timed(partial(render_article, article, image_bytes, config), n=n, before=clear_layout_caches)
            )
    if "faces_detect_subject" in results:
        results["faces_detect_ratio"] = round(
            results["faces_detect_subject"]["median"] / results["faces_focal_point"]["median"], 2
        )
    return results


def pixel_floor(function: Callable[[], Any], *, n: int) -> dict[str, Any]:
    """What function spends in Pillow's decoders, resamplers and encoders, timed call by call (in
    separate runs from the timed samples: the wrappers cost a little). Medians over n runs, in ms;
    the rest of the article (text, scrims, the page) is its time above this floor."""
    from PIL import Image, ImageFile

    parts = ("decode", "resample", "encode")
    totals: dict[str, float] = dict.fromkeys(parts, 0.0)
    counts: dict[str, int] = dict.fromkeys(parts, 0)

    def timing(part: str, original: Callable[..., Any], applies: Callable[..., bool]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not applies(*args, **kwargs):
                return original(*args, **kwargs)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[part] += (time.perf_counter() - start) * 1000
                counts[part] += 1

        return wrapper

    def always(*_args: Any, **_kwargs: Any) -> bool:
        return True

    def filtered(_image: Any, _size: Any, resample: Any = None, *_args: Any, **_kwargs: Any) -> bool:
        # The scrim stretches one-pixel strips with NEAREST: mask building, not resampling.
        return bool(_kwargs.get("resample", resample) != Image.Resampling.NEAREST)

    def undecoded(image: Any, *_args: Any, **_kwargs: Any) -> bool:
        return bool(image.tile)  # Pillow calls load() again and again; only the first decodes

    patched = {
        (ImageFile.ImageFile, "load"): timing("decode", ImageFile.ImageFile.load, undecoded),
        (Image.Image, "resize"): timing("resample", Image.Image.resize, filtered),
        (Image.Image, "reduce"): timing("resample", Image.Image.reduce, always),
        (Image.Image, "save"): timing("encode", Image.Image.save, always),
    }
    originals = {key: getattr(*key) for key in patched}
    samples: dict[str, list[float]] = {part: [] for part in parts}
    calls: dict[str, int] = {}
    try:
        for (owner, attribute), wrapper in patched.items():
            setattr(owner, attribute, wrapper)
        function()  # warm
        for _ in range(n):
            for part in parts:
                totals[part], counts[part] = 0.0, 0
            function()
            for part in parts:
                samples[part].append(totals[part])
            calls = dict(counts)
    finally:
        for (owner, attribute), original in originals.items():
            setattr(owner, attribute, original)
    medians = {part: round(statistics.median(values), 1) for part, values in samples.items()}
    return {
        **medians,
        "floor": round(sum(medians.values()), 1),
        "calls": " ".join(f"{calls[part]} {part}" for part in parts),
    }


def _face_case(*, focal_point: bool) -> tuple[bytes, dict[str, bytes]] | None:
    """A real face photo (scikit-image's astronaut, public domain) off-centre in a 2400x1600 frame."""
    try:
        from PIL import Image
        from skimage import data
    except ImportError:
        return None
    frame = Image.new("RGB", (2400, 1600), (96, 118, 84))
    frame.paste(Image.fromarray(data.astronaut()).resize((900, 900)), (1400, 200))  # type: ignore[no-untyped-call]
    buffer = io.BytesIO()
    frame.save(buffer, "JPEG", quality=90)
    seed_assets = ROOT / "examples" / "assets"
    raw = article_document("assets/astronaut.jpg", "assets/starmer-macron-merz.jpg", focal_point=focal_point)
    return raw, {
        "assets/astronaut.jpg": buffer.getvalue(),
        "assets/starmer-macron-merz.jpg": (seed_assets / "starmer-macron-merz.jpg").read_bytes(),
    }


CHILD = str(ROOT / "bench" / "child.py")


def bench_cold(n: int) -> dict[str, Any]:
    """Fresh interpreter -> handler module imported (boto3 client included) -> first og card on disk.

    The Lambda artefacts ship precompiled bytecode (functions/Makefile, layers/dependencies/Makefile),
    so the children run as Lambda does, from .pyc: bytecode writing is allowed for them (whatever
    PYTHONDONTWRITEBYTECODE says here) and a first, discarded run writes it."""
    photo = cached_photo(WORK, (2400, 1600))
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        **ENV,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "PYDANTIC_DISABLE_PLUGINS": "true",  # as template.yaml sets it for every function
    }
    walls, imports, firsts, bare, libraries = [], [], [], [], []
    warm_bytecode = [sys.executable, CHILD, "cold", str(photo), str(WORK / "cold-pyc.jpg"), HEADLINE]
    subprocess.run(warm_bytecode, capture_output=True, env=env, check=True)
    third_party = subprocess.run(
        [sys.executable, CHILD, "handler-libraries"], capture_output=True, text=True, env=env, check=True
    ).stdout
    for index in range(n):
        out = WORK / f"cold-{index}.jpg"
        out.unlink(missing_ok=True)
        spawned = time.time()
        result = subprocess.run(
            [sys.executable, CHILD, "cold", str(photo), str(out), HEADLINE],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        import_ms, card_ms, card_written_at = map(float, result.stdout.split())
        walls.append((card_written_at - spawned) * 1000)
        imports.append(import_ms)
        firsts.append(card_ms)
        assert out.stat().st_size > 0
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append((time.perf_counter() - started) * 1000)
        floor = subprocess.run(
            [sys.executable, CHILD, "libraries"],
            input=third_party,
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        libraries.append(float(floor.stdout))
    return {
        "process_to_first_card": summary(walls),
        "handler_import": summary(imports),
        # The floor under handler_import: the third-party modules it loads (pydantic, Powertools'
        # logger and SQS batch, Pillow, Babel, Pyphen...) alone, in a fresh process; the rest is ours.
        "libraries_import": summary(libraries),
        "handler_own_import": round(statistics.median(imports) - statistics.median(libraries), 1),
        "first_card_after_import": summary(firsts),
        "interpreter_only": summary(bare),
    }


def bench_memory() -> dict[str, Any]:
    """Peak RSS (VmHWM) of a fresh process rendering the story card from a 40 MP hero."""
    photo = cached_photo(WORK, (7744, 5163))
    result = subprocess.run(
        [sys.executable, CHILD, "memory", str(photo), HEADLINE], capture_output=True, text=True, check=True
    )
    before, after, width, height = result.stdout.split()
    return {
        "hero": f"{width}x{height}",
        "hero_megapixels": round(int(width) * int(height) / 1e6, 1),
        "rss_after_imports_mb": round(float(before), 1),
        "peak_rss_mb": round(float(after), 1),
    }


ARTICLE_MEMORY_IMAGES = 50
ARTICLE_MEMORY_LIMIT_MB = 512


def bench_article_memory() -> dict[str, Any]:
    """Peak RSS (VmHWM) of a fresh process publishing one article with 50 body images of ~19 MB each.

    Images are checked and decoded one at a time, so the peak stays near one image's bytes and
    decode, not 50 x 19 MB (issue 15 measured 1,024 MB before).
    """
    photo = cached_heavy_photo(WORK)
    assets = WORK / "article-memory" / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for index in range(ARTICLE_MEMORY_IMAGES):
        link = assets / f"{index}.jpg"
        if not link.exists():
            os.link(photo, link)  # one file on disk; the store reads each name on demand (no symlinks)
    result = subprocess.run(
        [sys.executable, CHILD, "article-memory", str(assets.parent), str(ARTICLE_MEMORY_IMAGES)],
        capture_output=True,
        text=True,
        check=True,
    )
    before, after, status = result.stdout.split()
    return {
        "images": f"{ARTICLE_MEMORY_IMAGES} x {photo.stat().st_size / 1e6:.1f} MB",
        "status": status,
        "rss_after_imports_mb": round(float(before), 1),
        "peak_rss_mb": round(float(after), 1),
        "limit_mb": ARTICLE_MEMORY_LIMIT_MB,
        "within_limit": float(after) < ARTICLE_MEMORY_LIMIT_MB,
    }


@contextlib.contextmanager
def stack_with_seed_assets() -> Iterator[tuple[Any, Any, str]]:
    """The dev stack on 127.0.0.1 with the examples' images uploaded: (stack, its S3 client, the
    articles bucket). The environment the stack sets for its handler is put back afterwards."""
    from newscard.devstack import DevStack

    saved = dict(os.environ)
    stack = DevStack().start()
    try:
        s3 = stack.client("s3")
        bucket = stack.names["ArticlesBucket"]
        for image in (ROOT / "examples" / "assets").glob("*.jpg"):
            s3.put_object(Bucket=bucket, Key=f"assets/{image.name}", Body=image.read_bytes())
        yield stack, s3, bucket
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)


def bench_e2e(n: int) -> dict[str, Any]:
    """Upload-to-published through moto's S3 and SQS over real HTTP and the real handler."""
    with stack_with_seed_assets() as (stack, s3, bucket):
        batch_size = int(
            stack.template["Resources"]["PublishFunction"]["Properties"]["Events"]["Uploads"]["Properties"][
                "BatchSize"
            ]
        )
        seed = json.loads((ROOT / "examples" / "seed-article.json").read_text())
        stack.handler().logger.setLevel(
            "WARNING"
        )  # warm function; per-record log lines would drown the table

        def publish_and_wait(keys: list[str]) -> float:
            start = time.perf_counter()
            for index, key in enumerate(keys):
                s3.put_object(
                    Bucket=bucket,
                    Key=key,
                    Body=json.dumps({**seed, "slug": f"bench-{key.rsplit('/', 1)[-1][:-5]}-{index}"}),
                )
            pending = set(keys)
            while pending:
                stack.pump(wait_seconds=0, batch_size=batch_size)
                pending = {
                    k for k in pending if not _exists(s3, bucket, "reports/" + k.removeprefix("incoming/"))
                }
            return (time.perf_counter() - start) * 1000

        with contextlib.redirect_stdout(io.StringIO()):  # Powertools prints EMF metrics to stdout
            latencies = [publish_and_wait([f"incoming/single-{i}.json"]) for i in range(n)]
            count = 4 * batch_size
            total = publish_and_wait([f"incoming/many-{i}.json" for i in range(count)])
        return {
            "upload_to_report_ms": summary(latencies),
            "batch_size": batch_size,
            "throughput_articles": count,
            "throughput_articles_per_second": round(count / (total / 1000), 2),
        }


# Round trips as a Lambda meets them in its own region (small objects, medians): S3 answers a
# request in some 20-30 ms, DynamoDB in under 10. moto on 127.0.0.1 answers in a millisecond or
# two, which hides what a publish's requests cost when they go one after another.
S3_ROUND_TRIP_MS = 25.0
DYNAMODB_ROUND_TRIP_MS = 8.0


def bench_latency(n: int) -> dict[str, Any]:
    """The seed published through the dev stack and the real handler, with every request the
    handler's clients send held for an AWS-like round trip first (botocore's before-send event):
    the store and index phases (from the publish report) then show what the network costs, and
    the request counts say how many round trips one publish makes."""
    from newscard.handlers import wiring

    with stack_with_seed_assets() as (stack, s3, bucket):
        seed = json.loads((ROOT / "examples" / "seed-article.json").read_text())
        stack.handler().logger.setLevel("WARNING")
        requests = {"s3": 0, "dynamodb": 0}
        counting = threading.Lock()  # the handler sends some requests from several threads at once

        def held_for(service: str, round_trip_ms: float) -> Callable[..., None]:
            def hold(**_: Any) -> None:
                with counting:
                    requests[service] += 1
                time.sleep(round_trip_ms / 1000)

            return hold

        wiring.s3_client().meta.events.register("before-send", held_for("s3", S3_ROUND_TRIP_MS))
        wiring.dynamodb_client().meta.events.register(
            "before-send", held_for("dynamodb", DYNAMODB_ROUND_TRIP_MS)
        )
        phases: dict[str, list[float]] = {name: [] for name in ("load_images", "render", "store", "index")}
        totals: list[float] = []
        counts: list[dict[str, int]] = []
        for index in range(n + 1):  # the first publish warms the handler and is not counted
            key = f"incoming/latency-{index}.json"
            before = dict(requests)
            s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({**seed, "slug": f"latency-{index}"}))
            report_key = "reports/" + key.removeprefix("incoming/")
            with contextlib.redirect_stdout(io.StringIO()):  # Powertools prints EMF metrics to stdout
                while not _exists(s3, bucket, report_key):
                    stack.pump(wait_seconds=1)
            timings = json.loads(s3.get_object(Bucket=bucket, Key=report_key)["Body"].read())["timings_ms"]
            if index:
                for name, samples in phases.items():
                    samples.append(timings[name])
                totals.append(sum(timings[name] for name in ("validate", *phases)))
                counts.append({service: requests[service] - before[service] for service in requests})
        # Each story uploaded again unchanged (a CMS saving twice): the handler checks that every
        # file the manifest lists is still there, and writes nothing. Timed over the queue pumps.
        unchanged: list[float] = []
        for index in range(1, n + 1):
            key = f"incoming/latency-{index}.json"
            s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({**seed, "slug": f"latency-{index}"}))
            report_key = "reports/" + key.removeprefix("incoming/")
            spent = 0.0
            with contextlib.redirect_stdout(io.StringIO()):
                while json.loads(s3.get_object(Bucket=bucket, Key=report_key)["Body"].read())["changed"]:
                    started = time.perf_counter()
                    stack.pump(wait_seconds=1)
                    spent += time.perf_counter() - started
            unchanged.append(spent * 1000)
        return {
            "s3_round_trip_ms": S3_ROUND_TRIP_MS,
            "dynamodb_round_trip_ms": DYNAMODB_ROUND_TRIP_MS,
            "publish_ms": summary(totals),
            **{f"{name}_ms": summary(samples) for name, samples in phases.items()},
            "unchanged_upload_ms": summary(unchanged),
            # Including the report the handler writes after publishing.
            "s3_requests": counts[-1]["s3"],
            "dynamodb_requests": counts[-1]["dynamodb"],
        }


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def bench_package() -> dict[str, Any]:
    """Sizes of what `sam build` produced (run scripts/test.sh or sam build first)."""
    build = ROOT / ".aws-sam" / "build"
    if not build.exists():
        return {"skipped": "no .aws-sam/build: run `bash scripts/test.sh` (or sam build) first"}
    results = {}
    for artefact in sorted(p for p in build.iterdir() if p.is_dir()):
        unzipped = sum(f.stat().st_size for f in artefact.rglob("*") if f.is_file())
        archive = shutil.make_archive(str(WORK / artefact.name), "zip", artefact)
        results[artefact.name] = {
            "unzipped_mb": round(unzipped / 1e6, 1),
            "zipped_mb": round(Path(archive).stat().st_size / 1e6, 1),
        }
    return results


def bench_peers(n: int, pillow_og: dict[str, Any]) -> dict[str, Any]:
    """The same og card through satori + resvg and warm headless Chromium, with ratios to Pillow's
    (pillow_og: the presets' og row): wall-clock medians, and for Chromium also its processes' CPU
    per card against Pillow's (means, as a process tree's CPU comes as one total over the run)."""
    peers = ROOT / "bench" / "peers"
    node = shutil.which("node")
    if node is None:
        return {"skipped": "Node.js not found: install it to run the satori and Chromium peers"}
    if not (peers / "node_modules").exists():
        npm = shutil.which("npm")
        if npm is None:
            return {"skipped": "npm not found"}
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=peers, check=True)
    from newscard.rendering.fonts import PACKAGE_FONTS as FONT_DIR

    config = {
        "photo": str(cached_photo(WORK, (2400, 1600))),
        "headline": HEADLINE,
        "kicker": KICKER.upper(),
        "site": SITE,
        "headline_size": 64,
        "n": n,
        "warmup": 5,
        "font_bold": str(FONT_DIR / "NotoSans-Bold.ttf"),
        "font_regular": str(FONT_DIR / "NotoSans-Regular.ttf"),
    }
    results: dict[str, Any] = {}
    runs = {"satori_resvg_png": "satori_card.mjs"}
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        runs["chromium_warm_jpeg"] = "chromium_card.mjs"
    else:
        results["chromium_warm_jpeg"] = {"skipped": "Chromium not found (apt-get install chromium)"}
    for name, script in runs.items():
        config_path = WORK / f"{name}.json"
        config_path.write_text(json.dumps({**config, "chromium": chromium, "out": str(WORK / f"{name}.out")}))
        result = subprocess.run(
            [node, script, str(config_path)],
            cwd=peers,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            results[name] = {"skipped": f"failed: {result.stderr.strip().splitlines()[-1:]}"}
            continue
        line = json.loads(result.stdout.strip().splitlines()[-1])
        median = statistics.median(line["ms"])
        entry = {**summary(line["ms"]), "bytes": line["bytes"]}
        if "median" in pillow_og:
            entry["times_slower_than_pillow_og"] = round(median / pillow_og["median"], 1)
        cpu = line.get("cpu_ms_per_card")
        if cpu is not None:
            entry["cpu_mean"] = round(float(cpu), 1)
            if pillow_og.get("cpu_mean"):
                entry["times_more_cpu_than_pillow_og"] = round(cpu / pillow_og["cpu_mean"], 1)
        results[name] = entry
    return results


# Issue 17's targets (and 16's import), against the medians of this run (ms, or times faster than a peer).
TARGETS_MS = {
    ("presets", "og"): 15.0,
    ("presets", "square"): 25.0,
    ("presets", "story"): 35.0,
    ("article", "seed"): 60.0,
    ("cold", "process_to_first_card"): 300.0,
    ("cold", "handler_import"): 250.0,  # issue 16's
}
TARGETS_TIMES_FASTER = {"satori_resvg_png": 10.0, "chromium_warm_jpeg": 5.0}


def check_targets(results: dict[str, Any]) -> dict[str, str]:
    """One line per target: the measured median against the target, and whether it is met."""
    checks: dict[str, str] = {}
    for (section, name), limit in TARGETS_MS.items():
        entry = results.get(section, {}).get(name)
        if isinstance(entry, dict) and "median" in entry:
            verdict = "met" if entry["median"] <= limit else "MISSED"
            checks[f"{section}.{name}"] = f"{entry['median']:.1f} ms <= {limit:.0f} ms: {verdict}"
    for peer, factor in TARGETS_TIMES_FASTER.items():
        entry = results.get("peers", {}).get(peer, {})
        if "times_slower_than_pillow_og" in entry:
            times = entry["times_slower_than_pillow_og"]
            verdict = "met" if times >= factor else "MISSED"
            checks[f"og_vs_{peer}"] = f"{times}x >= {factor:.0f}x: {verdict}"
    return checks


ARCHIVE_SIZES = (1_000, 10_000, 100_000)
# moto answers every Query by scanning its table, and seeding 100,000 articles (400,000 items) into
# it takes many minutes; the request and item counts it gives are the design's, so smaller archives
# show them as well.
ARCHIVE_MOTO_SIZES = (1_000, 10_000)
# A mid-size newsroom: 50,000 articles a year, about 137 a day, in three sections.
ARCHIVE_PER_DAY = 137
ARCHIVE_SECTIONS = ("World", "Business", "Culture")


def archive_entries(count: int, end: Any) -> list[Any]:
    """`count` entries published at a steady rate up to `end`, newest last."""
    from datetime import timedelta

    from newscard.models.site_index import IndexEntry

    step = timedelta(seconds=86_400 / ARCHIVE_PER_DAY)
    entries = []
    for number in range(count):
        section = ARCHIVE_SECTIONS[number % len(ARCHIVE_SECTIONS)]
        slug = f"archive-{number}"
        entries.append(
            IndexEntry(
                slug=slug,
                url=f"{ENV['SITE_BASE_URL']}/articles/{slug}/",
                path=f"articles/{slug}/",
                headline=f"Archive story number {number} with a headline of ordinary length",
                dek="A dek of ordinary length, to weigh each listing item as a real one would weigh.",
                section=section,
                section_slug=section.lower(),
                language="en",
                published_at=end - step * (count - number),
                authors=["Ana Ruiz"],
                tags=["Archive"],
            )
        )
    return entries


class CountingClient:
    """A boto3 client that counts DynamoDB requests and the items each reads and writes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        self.requests: dict[str, int] = {}
        self.items_read = 0
        self.items_written = 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if not callable(method) or name.startswith(("meta", "exceptions", "get_waiter")):
            return method

        def call(**request: Any) -> Any:
            self.requests[name] = self.requests.get(name, 0) + 1
            response = method(**request)
            if name == "query":
                self.items_read += int(response.get("Count", 0))
            elif name == "get_item":
                self.items_read += 1 if "Item" in response else 0
            elif name == "batch_write_item":
                self.items_written += sum(len(v) for v in request["RequestItems"].values())
            elif name in ("put_item", "delete_item", "update_item"):
                self.items_written += 1
            return response

        return call


def bench_archive(samples: int) -> dict[str, Any]:
    """One more publish's listing step (items + pages) on archives of 1k/10k/100k articles.

    Timed against the in-memory twin of the listing table with an in-memory bucket (the design's
    own scaling); counted on moto's DynamoDB and S3 (the requests and items a publish costs)."""
    from datetime import UTC, datetime, timedelta

    import boto3  # noqa: TID251 - the benchmark is a composition root, like the CLI
    from moto import mock_aws

    from newscard.dal.listings import DynamoListingTable, MemoryListingTable
    from newscard.dal.memory import MemoryStore
    from newscard.dal.s3 import S3Store
    from newscard.dal.state_table import create_state_table
    from newscard.logic.site_index import SiteIndexer, bulk_load
    from newscard.rendering.site import SiteInfo

    end = datetime(2026, 11, 7, 20, 0, tzinfo=UTC)
    now = end + timedelta(minutes=30)
    info = SiteInfo(SITE, ENV["SITE_BASE_URL"])

    def extra(number: int) -> Any:
        # Each timed publish lands in the newest day, as almost every real publish does.
        (entry,) = archive_entries(1, end + timedelta(seconds=number + 1))
        return entry.model_copy(update={"slug": f"new-{number}", "path": f"articles/new-{number}/"})

    publish_ms: dict[str, Any] = {}
    seed_s: dict[str, float] = {}
    indexers = {}
    for size in ARCHIVE_SIZES:
        entries = archive_entries(size, end)
        indexer = SiteIndexer(MemoryStore(), info, MemoryListingTable(), clock=lambda: now)
        started = time.perf_counter()
        bulk_load(indexer.table, entries)
        seed_s[str(size)] = round(time.perf_counter() - started, 1)
        indexer.upsert(entries[-1])  # render the listings once, as the live site would have them
        indexers[size] = indexer
        del entries
    # The twins hold whole archives in this process's heap, where DynamoDB would hold them in
    # production; freezing them keeps Python's cycle collector from re-scanning them on every
    # publish. Sizes take turns, so drift on a shared machine hits every size alike.
    gc.collect()
    gc.freeze()
    samples_ms: dict[int, list[float]] = {size: [] for size in ARCHIVE_SIZES}
    for round_number in range(samples + 3):
        for size, indexer in indexers.items():
            entry = extra(round_number)
            started = time.perf_counter()
            indexer.upsert(entry)
            if round_number >= 3:  # the first rounds warm up
                samples_ms[size].append((time.perf_counter() - started) * 1000)
    publish_ms = {str(size): round(statistics.median(runs), 2) for size, runs in samples_ms.items()}
    del indexers
    gc.unfreeze()
    gc.collect()

    requests: dict[str, Any] = {}
    items_read: dict[str, int] = {}
    items_written: dict[str, int] = {}
    s3_puts: dict[str, int] = {}
    saved = dict(os.environ)
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    try:
        for size in ARCHIVE_MOTO_SIZES:
            with mock_aws():
                dynamodb = CountingClient(boto3.client("dynamodb", region_name="us-east-1"))
                create_state_table(dynamodb.inner, ENV["STATE_TABLE"])
                s3 = boto3.client("s3", region_name="us-east-1")
                s3.create_bucket(Bucket=ENV["SITE_BUCKET"])
                s3_calls: list[str] = []
                s3.meta.events.register(
                    "before-call.s3.PutObject", lambda calls=s3_calls, **_: calls.append("put")
                )
                indexer = SiteIndexer(
                    S3Store(s3, ENV["SITE_BUCKET"]),
                    info,
                    DynamoListingTable(dynamodb, ENV["STATE_TABLE"]),
                    clock=lambda: now,
                )
                entries = archive_entries(size, end)
                bulk_load(indexer.table, entries)
                indexer.upsert(entries[-1])
                dynamodb.reset()
                s3_calls.clear()
                indexer.upsert(extra(0))
                requests[str(size)] = dict(sorted(dynamodb.requests.items())) | {
                    "total": sum(dynamodb.requests.values())
                }
                items_read[str(size)] = dynamodb.items_read
                items_written[str(size)] = dynamodb.items_written
                s3_puts[str(size)] = len(s3_calls)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    smallest, largest = str(ARCHIVE_SIZES[0]), str(ARCHIVE_SIZES[-1])
    return {
        "publish_ms": publish_ms,
        "ratio_largest_to_smallest": round(publish_ms[largest] / publish_ms[smallest], 2),
        "requests": requests,
        "items_read": items_read,
        "items_written": items_written,
        "s3_puts": s3_puts,
        "seed_s": seed_s,
        "articles_per_day": ARCHIVE_PER_DAY,
    }


SECTIONS = (
    "presets",
    "article",
    "cold",
    "memory",
    "article-memory",
    "e2e",
    "latency",
    "package",
    "peers",
    "archive",
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", help=f"comma-separated sections of {','.join(SECTIONS)}")
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else list(SECTIONS)
    n = 10 if args.quick else 30
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Bench")
    results: dict[str, Any] = {}
    all_cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    from cards import pin_to_one_core

    pin_to_one_core()  # Lambda at 1 GB has about one vCPU; children (cold, memory) inherit this
    if "presets" in wanted:
        results["presets"] = bench_presets(n)
    if "article" in wanted:
        results["article"] = bench_article(max(5, n // 2))
    if "cold" in wanted:
        results["cold"] = bench_cold(5 if args.quick else 10)
    if "memory" in wanted:
        results["memory"] = bench_memory()
    if "article-memory" in wanted:
        results["article-memory"] = bench_article_memory()
    if "e2e" in wanted:
        results["e2e"] = bench_e2e(3 if args.quick else 5)
    if "latency" in wanted:
        results["latency"] = bench_latency(3 if args.quick else 7)
    if "package" in wanted:
        results["package"] = bench_package()
    if "archive" in wanted:
        results["archive"] = bench_archive(9 if args.quick else 21)
    if "peers" in wanted:
        og = results.get("presets", {}).get("og", {})
        # At equal CPU first: the peers on the one core the Pillow cards had (Chromium's processes
        # inherit it), which is what the targets compare; then multi-threaded, as a user on a
        # laptop runs them, for reference.
        results["peers"] = bench_peers(10 if args.quick else 30, og)
        if all_cores is not None and len(all_cores) > 1 and "skipped" not in results["peers"]:
            os.sched_setaffinity(0, all_cores)
            every_core = bench_peers(10 if args.quick else 30, og)
            results["peers"].update({f"{name}_all_cores": entry for name, entry in every_core.items()})
    results["targets"] = check_targets(results)
    print_table(results)
    print(json.dumps({"newscard_bench": results}, separators=(",", ":")))


def print_table(results: dict[str, Any]) -> None:
    def row(label: str, value: Any) -> None:
        if isinstance(value, dict) and "median" in value:
            text = f"{value['min']:>8.1f} {value['median']:>8.1f} {value['max']:>8.1f}  (n={value['n']})"
            extras = {k: v for k, v in value.items() if k not in ("min", "median", "max", "n")}
            print(f"  {label:<38} {text} {json.dumps(extras) if extras else ''}")
        elif isinstance(value, dict):
            print(f"  {label:<38} {json.dumps(value)}")
        else:
            print(f"  {label:<38} {value}")

    print(f"  {'':<38} {'min':>8} {'median':>8} {'max':>8}   ms")
    for section, values in results.items():
        print(section)
        for label, value in values.items():
            row(label, value)


if __name__ == "__main__":
    main()
