"""The `newscard` command: validate, schema, render, demo (and more as they land)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from newscard.models.errors import ArticleRejected, ConfigurationError

DEFAULT_BASE_URL = "http://localhost:8000"


def _local_settings(base_url: str | None, site_name: str | None):  # type: ignore[no-untyped-def]
    """Settings for runs without AWS: the environment where set, local defaults elsewhere."""
    from newscard.models.settings import Settings

    env = {
        "ARTICLES_BUCKET": "local-articles",
        "SITE_BUCKET": "local-site",
        "STATE_TABLE": "local-state",
        "SITE_BASE_URL": DEFAULT_BASE_URL,
        "SITE_NAME": "Newscard",
        **{k: v for k, v in os.environ.items() if v},
    }
    if base_url:
        env["SITE_BASE_URL"] = base_url
    if site_name:
        env["SITE_NAME"] = site_name
    return Settings.from_env(env)


def cmd_validate(args: argparse.Namespace) -> int:
    from newscard.dal.memory import DirectoryStore, MemoryStore
    from newscard.logic.images import ImageLoader
    from newscard.logic.publish import Publisher
    from newscard.logic.validation import check_publishable_now, parse_article

    failures = 0
    for path in args.files:
        try:
            raw = Path(path).read_bytes()
            article = parse_article(raw)
            check_publishable_now(article, datetime.now(UTC))
            if args.assets:
                # With the images at hand, run the whole publish in memory: every image is decoded
                # and encoded exactly as on AWS, so "ok" here means it will publish.
                publisher = Publisher(
                    site=MemoryStore(),
                    images=ImageLoader(DirectoryStore(Path(args.assets))),
                    settings=_local_settings(None, None),
                )
                publisher.publish(raw, source_key=f"incoming/{Path(path).name}")
        except OSError as error:
            print(f"{path}: cannot read: {error.strerror or error}")
            failures += 1
        except ArticleRejected as rejection:
            failures += 1
            print(
                f"{path}: invalid ({len(rejection.problems)} problem{'s' * (len(rejection.problems) != 1)})"
            )
            for problem in rejection.problems:
                print(f"  {problem.loc or '/'}: {problem.msg}")
        else:
            print(f"{path}: ok (slug {article.resolved_slug})")
    return 1 if failures else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from newscard.models.article import Article

    schema = Article.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Newscard article (v1)"
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from newscard.dal.listings import MemoryListingTable
    from newscard.dal.memory import DirectoryStore
    from newscard.dal.registry import MemoryRegistry
    from newscard.logic.images import ImageLoader
    from newscard.logic.publish import Publisher
    from newscard.logic.republish import state_from_manifest
    from newscard.logic.site_index import bulk_load
    from newscard.models.manifest import Manifest

    settings = _local_settings(args.base_url, args.site_name)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        print(f"--out {out}: is a file, not a folder", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"--out {out}: cannot make the site folder there: {error.strerror or error}", file=sys.stderr)
        return 2
    site = DirectoryStore(out)
    listings = MemoryListingTable()  # one listing store for the run, so every file joins the listings
    # The folder's own manifests say which file owns which slug and what the listings show:
    # re-rendering some of its articles keeps them apart and keeps every other one listed.
    registry = MemoryRegistry()
    manifests = [
        Manifest.model_validate_json(site.get(key).body)
        for key in site.list_keys("articles/")
        if key.endswith("/manifest.json")
    ]
    for manifest in manifests:
        registry.restore(state_from_manifest(manifest))
    bulk_load(listings, (manifest.listing for manifest in manifests if manifest.listing is not None))
    failures = 0
    for path in map(Path, args.files):
        assets_root = Path(args.assets) if args.assets else path.resolve().parent
        publisher = Publisher(
            site=site,
            images=ImageLoader(DirectoryStore(assets_root)),
            settings=settings,
            registry=registry,
            listings=listings,
        )
        try:
            raw = path.read_bytes()
        except OSError as error:
            print(f"{path}: cannot read: {error.strerror or error}")
            failures += 1
            continue
        try:
            outcome = publisher.publish(raw, source_key=f"incoming/{path.name}")
        except ArticleRejected as rejection:
            failures += 1
            print(f"{path}: rejected")
            for problem in rejection.problems:
                print(f"  {problem.loc or '/'}: {problem.msg}")
        else:
            assert outcome is not None  # no sequencer: never stale
            page = out / "articles" / outcome.manifest.slug / "index.html"
            total = sum(outcome.timings_ms.values())
            print(f"{path}: {outcome.status} -> {page} ({total:.0f} ms)")
    return 1 if failures else 0


def cmd_gallery(args: argparse.Namespace) -> int:
    from newscard.dal.memory import DirectoryStore
    from newscard.logic.images import ImageLoader, load_article_images
    from newscard.logic.render import decode_hero, render_cards, with_card_layout
    from newscard.logic.validation import parse_article
    from newscard.rendering.gallery import SheetRow, contact_sheet

    settings = _local_settings(args.base_url, args.site_name)
    rows: list[SheetRow] = []
    failures = 0
    for path in map(Path, args.files):
        assets_root = Path(args.assets) if args.assets else path.resolve().parent
        try:
            raw = path.read_bytes()
        except OSError as error:
            print(f"{path}: cannot read: {error.strerror or error}")
            failures += 1
            continue
        try:
            article = parse_article(raw)
            images = load_article_images(article, ImageLoader(DirectoryStore(assets_root)))
            hero = decode_hero(article, images)  # detected once, shared by every layout's cards
            shown = (
                [article]
                if not args.layouts
                else [with_card_layout(article, layout) for layout in args.layouts.split(",")]
            )
            rendered = [render_cards(one, hero, settings, images) for one in shown]
        except ArticleRejected as rejection:
            print(f"{path}: rejected ({'; '.join(f'{p.loc}: {p.msg}' for p in rejection.problems)})")
            failures += 1
            continue
        for cards in rendered:
            caption = f"{path.name} [{article.language}] {cards[0].layout}: {article.headline}"
            rows.append(SheetRow(caption, [(card.preset, card.data) for card in cards]))
    if rows:
        Path(args.out).write_bytes(contact_sheet(rows, row_height=args.height))
        cards_total = sum(len(row.cards) for row in rows)
        print(f"{args.out}: {len(rows)} article{'s' * (len(rows) != 1)}, {cards_total} cards")
    return 1 if failures else 0


def cmd_openapi(args: argparse.Namespace) -> int:
    # The API module builds its publisher at import (as in Lambda); placeholder names suffice,
    # since making a client does not contact AWS.
    for name, value in {
        "ARTICLES_BUCKET": "openapi-articles",
        "SITE_BUCKET": "openapi-site",
        "STATE_TABLE": "openapi-state",
        "SITE_BASE_URL": DEFAULT_BASE_URL,
        "SITE_NAME": "Newscard",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    from newscard.handlers.api import openapi_document

    print(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from newscard.devstack import run_dev

    return run_dev(
        s3_port=args.s3_port,
        api_port=args.api_port,
        site_port=args.site_port,
        site_base_url=args.base_url,
        workers=args.workers,
    )


def cmd_republish(args: argparse.Namespace) -> int:
    """Re-render every published article: in this process, or fanned out through the queue."""
    import boto3  # noqa: TID251 - the command line is a composition root

    from newscard.dal.s3 import S3Store
    from newscard.handlers.wiring import build_publisher
    from newscard.logic.republish import republish_here, republish_via_queue
    from newscard.models.settings import settings_from_env

    settings = settings_from_env()
    client = boto3.client("s3", endpoint_url=args.endpoint_url)
    dynamodb = boto3.client("dynamodb", endpoint_url=args.endpoint_url)
    site = S3Store(client, settings.site_bucket)
    if args.queue_url:
        sqs = boto3.client("sqs", endpoint_url=args.endpoint_url)

        def send(bodies: list[str]) -> list[int]:
            response = sqs.send_message_batch(
                QueueUrl=args.queue_url,
                Entries=[{"Id": str(index), "MessageBody": body} for index, body in enumerate(bodies)],
            )
            return [int(failure["Id"]) for failure in response.get("Failed", [])]

        queued = republish_via_queue(site, send)
        print(f"queued {queued.queued} articles for re-rendering on {args.queue_url}")
        if queued.failed:
            print(
                f"not queued ({len(queued.failed)}, refused by SQS after retries): {', '.join(queued.failed)}"
            )
        return 1 if queued.failed else 0

    def progress(done: int, total: int, slug: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {slug[:40]:<40}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    outcome = republish_here(
        build_publisher(settings, client, dynamodb),
        S3Store(client, settings.articles_bucket),
        progress=progress,
    )
    print(file=sys.stderr)
    for status, slugs in outcome.items():
        print(
            f"{status}: {len(slugs)}"
            + (f" ({', '.join(slugs)})" if slugs and status != "republished" else "")
        )
    return 1 if outcome["rejected"] or outcome["source missing"] or outcome["failed"] else 0


def cmd_studio(args: argparse.Namespace) -> int:
    from newscard.studio.server import run_studio

    if args.article and not Path(args.article).is_file():
        print(f"{args.article}: no such file", file=sys.stderr)
        return 2
    article = Path(args.article) if args.article else _default_seed()
    return run_studio(
        _local_settings(None, args.site_name),
        port=args.port,
        assets=Path(args.assets) if args.assets else None,
        article=article if article.is_file() else None,
    )


def cmd_reindex(args: argparse.Namespace) -> int:
    """Rebuild the registry (owners, slugs, redirects) and the listings from the site's manifests."""
    import boto3  # noqa: TID251 - the command line is a composition root

    from newscard.dal.s3 import S3Store
    from newscard.handlers.wiring import build_publisher
    from newscard.logic.republish import reindex
    from newscard.models.settings import settings_from_env

    settings = settings_from_env()
    client = boto3.client("s3", endpoint_url=args.endpoint_url)
    dynamodb = boto3.client("dynamodb", endpoint_url=args.endpoint_url)
    publisher = build_publisher(settings, client, dynamodb)

    def progress(done: int, total: int, slug: str) -> None:
        print(f"\r{done}/{total} {slug[:60]:<60}", end="", file=sys.stderr, flush=True)

    outcome = reindex(publisher, S3Store(client, settings.articles_bucket), progress=progress)
    print(file=sys.stderr)
    for status, slugs in outcome.items():
        print(
            f"{status}: {len(slugs)}" + (f" ({', '.join(slugs)})" if slugs and status != "reindexed" else "")
        )
    return 1 if any(slugs for status, slugs in outcome.items() if status != "reindexed") else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from newscard.devstack import run_demo

    return run_demo(seed=Path(args.article), out=Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser("validate", help="check article files; exit 1 if any is invalid")
    validate.add_argument("files", nargs="+")
    validate.add_argument(
        "--assets", help="folder holding assets/...: also decode and render every image, as publishing would"
    )
    validate.set_defaults(func=cmd_validate)

    schema = sub.add_parser("schema", help="print the article JSON Schema")
    schema.set_defaults(func=cmd_schema)

    openapi = sub.add_parser("openapi", help="print the HTTP API's OpenAPI document")
    openapi.set_defaults(func=cmd_openapi)

    render = sub.add_parser("render", help="render articles into a site folder, no AWS")
    render.add_argument("files", nargs="+")
    render.add_argument("--out", required=True, help="site folder to write")
    render.add_argument("--assets", help="folder holding assets/... (default: each article's folder)")
    render.add_argument("--base-url", help=f"public site URL (default: SITE_BASE_URL or {DEFAULT_BASE_URL})")
    render.add_argument("--site-name", help="site name (default: SITE_NAME or Newscard)")
    render.set_defaults(func=cmd_render)

    gallery = sub.add_parser("gallery", help="one contact sheet (PNG) of every card preset for articles")
    gallery.add_argument("files", nargs="+")
    gallery.add_argument("--out", required=True, help="the PNG to write, e.g. sheet.png")
    gallery.add_argument("--assets", help="folder holding assets/... (default: each article's folder)")
    gallery.add_argument("--height", type=int, default=420, help="height of each row in pixels (default 420)")
    gallery.add_argument("--base-url", help=argparse.SUPPRESS)
    gallery.add_argument("--site-name", help="site name (default: SITE_NAME or Newscard)")
    gallery.add_argument(
        "--layouts",
        type=_layouts,
        help="one row per card layout for each article: all, or some of overlay,split,opinion,text",
    )
    gallery.set_defaults(func=cmd_gallery)

    dev = sub.add_parser("dev", help="the whole stack on 127.0.0.1 without Docker: S3, queue, handler, API")
    dev.add_argument("--s3-port", type=int, default=4566, help="moto S3/SQS port (0: any free port)")
    dev.add_argument("--api-port", type=int, default=3000, help="HTTP API port (0: any free port)")
    dev.add_argument("--site-port", type=int, default=8000, help="site server port (0: any)")
    dev.add_argument("--base-url", help="public site URL for meta tags (default: the local site server)")
    dev.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="publish consumers polling the queue at once, like Lambda's PublishConcurrency (default 1)",
    )
    dev.set_defaults(func=cmd_dev)

    republish = sub.add_parser("republish", help="re-render every published article (after a theme change)")
    republish.add_argument("--endpoint-url", help="S3/SQS/DynamoDB endpoint (newscard dev's), default AWS")
    republish.add_argument("--queue-url", help="fan out through this uploads queue instead of rendering here")
    republish.set_defaults(func=cmd_republish)

    studio = sub.add_parser("studio", help="the editor's studio: cards and page as you type (127.0.0.1)")
    studio.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0: any)")
    studio.add_argument("--assets", help="folder holding assets/... (default: the article's folder)")
    studio.add_argument("--article", help="article JSON to open (default: the seed article)")
    studio.add_argument("--site-name", help="site name (default: SITE_NAME or Newscard)")
    studio.set_defaults(func=cmd_studio)
    reindex = sub.add_parser(
        "reindex", help="rebuild the article registry and listings from the manifests in the site bucket"
    )
    reindex.add_argument("--endpoint-url", help="S3/DynamoDB endpoint (newscard dev's), default AWS")
    reindex.set_defaults(func=cmd_reindex)

    demo = sub.add_parser("demo", help="publish an article through the real handler against an embedded S3")
    demo.add_argument(
        "--article", default=str(_default_seed()), help="article JSON (default: the seed article)"
    )
    demo.add_argument("--out", default="site", help="where to copy the site bucket (default: ./site)")
    demo.set_defaults(func=cmd_demo)
    return parser


def _layouts(value: str) -> str:
    from newscard.rendering.layouts import LAYOUTS

    chosen = list(LAYOUTS) if value == "all" else [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in LAYOUTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"layouts are all or some of {', '.join(LAYOUTS)}")
    return ",".join(chosen)


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 32:
        raise argparse.ArgumentTypeError("must be between 1 and 32")
    return number


def _default_seed() -> Path:
    return Path(__file__).resolve().parents[2] / "examples" / "seed-article.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigurationError as error:
        print(str(error), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
