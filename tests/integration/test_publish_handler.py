"""The real SQS/S3 handler against moto: every object written, reports, idempotency, unpublish, batches."""

from __future__ import annotations

import io
import json
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from newscard.rendering.cards import PRESETS
from tests.conftest import (
    ARTICLES_BUCKET,
    BASE_URL,
    SEED,
    SITE_BUCKET,
    LambdaContext,
    article_keys,
    is_listing,
    load_event,
    put_seed_assets,
    read_report,
    s3_record,
    seed_document,
    seed_image_count,
    site_keys,
    site_text,
    sqs_event,
)

SEED_SLUG = "us-russia-overtures-deepen-european-fears-over-future-of-alliance"


def invoke(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return dict(handler.lambda_handler(event, LambdaContext()))


def upload(s3: Any, key: str, document: dict[str, Any] | bytes) -> None:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    s3.put_object(Bucket=ARTICLES_BUCKET, Key=key, Body=body)


def head(s3: Any, key: str) -> dict[str, Any]:
    return dict(s3.head_object(Bucket=SITE_BUCKET, Key=key))


def test_sample_put_event_publishes_page_cards_images_and_manifest(s3: Any, handler: ModuleType) -> None:
    # Given the seed article and its images uploaded as events/s3-put.json describes
    put_seed_assets(s3)
    upload(s3, "incoming/seed-article.json", SEED.read_bytes())
    event = load_event("sqs-s3-put.json")

    # When the handler receives the sample SQS event
    response = invoke(handler, event)

    # Then nothing failed and the site holds exactly the page, three cards, two images and the manifest
    # for the article, and the listings it belongs to
    assert response == {"batchItemFailures": []}
    brand = {k for k in site_keys(s3) if k.startswith("brand/")}
    assert sorted(k.split("/")[1].split("-")[0] for k in brand) == ["icon", "touch"]  # favicon, touch icon
    day = "2025/12/06"  # the seed article's UTC day
    assert set(site_keys(s3)) - set(article_keys(s3)) - brand == {
        "index.html",
        "feed.xml",
        "sitemap.xml",
        "sitemaps/pages.xml",
        "sitemaps/news.xml",
        f"sitemaps/{day.replace('/', '-')}.xml",
        "archive/index.html",
        f"archive/{day[:7]}/index.html",
        f"archive/{day}/index.html",
        "sections/politics-economics-and-u-s-news/index.html",
    }
    keys = article_keys(s3)
    prefix_cards = f"cards/{SEED_SLUG}/"
    assert f"articles/{SEED_SLUG}/index.html" in keys
    assert f"articles/{SEED_SLUG}/manifest.json" in keys
    cards = [k for k in keys if k.startswith(prefix_cards)]
    assert sorted(k.split("/")[-1].split("-")[0] for k in cards) == ["og", "square", "story"]
    assert len([k for k in keys if k.startswith(f"images/{SEED_SLUG}/")]) == seed_image_count()
    assert len(keys) == 5 + seed_image_count()

    page = head(s3, f"articles/{SEED_SLUG}/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert "max-age=60" in page["CacheControl"]
    sizes = {"og": (1200, 630), "square": (1080, 1080), "story": (1080, 1920)}
    for key in cards:
        meta = head(s3, key)
        assert meta["ContentType"] == "image/jpeg"
        assert meta["CacheControl"] == "public, max-age=31536000, immutable"
        preset = key.split("/")[-1].split("-")[0]
        body = s3.get_object(Bucket=SITE_BUCKET, Key=key)["Body"].read()
        with Image.open(io.BytesIO(body)) as image:
            assert (image.format, image.size) == ("JPEG", sizes[preset])
        if preset == "og":
            assert len(body) <= 300 * 1024

    manifest = json.loads(
        s3.get_object(Bucket=SITE_BUCKET, Key=f"articles/{SEED_SLUG}/manifest.json")["Body"].read()
    )
    assert manifest["source_key"] == "incoming/seed-article.json"
    assert {o["key"] for o in manifest["outputs"]} == set(keys) - {f"articles/{SEED_SLUG}/manifest.json"}
    assert all(o["size"] > 0 and len(o["sha256"]) == 64 for o in manifest["outputs"])

    html = s3.get_object(Bucket=SITE_BUCKET, Key=f"articles/{SEED_SLUG}/index.html")["Body"].read().decode()
    og_key = next(k for k in cards if "/og-" in k)
    assert f'<meta property="og:image" content="{BASE_URL}/{og_key}">' in html

    report = read_report(s3, "reports/seed-article.json")
    assert report["status"] == "published"
    assert report["slug"] == SEED_SLUG
    assert report["errors"] == []
    assert f"{BASE_URL}/articles/{SEED_SLUG}/" in report["urls"]
    phases = {"validate", "load_images", "render", "store", "index"}
    assert set(report["timings_ms"]) == phases | {f"card_{name}" for name in PRESETS} | {"page_images"}
    # Each card's time and the page images' (every responsive rendition) are part of the render phase.
    timings = report["timings_ms"]
    assert sum(timings[f"card_{name}"] for name in PRESETS) + timings["page_images"] <= timings["render"]


def test_metrics_count_published_articles_and_time_each_preset(
    s3: Any, handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    put_seed_assets(s3)
    upload(s3, "incoming/seed-article.json", SEED.read_bytes())
    invoke(handler, sqs_event(s3_record("created", "incoming/seed-article.json")))

    # Powertools prints CloudWatch embedded-metric-format JSON on stdout when the handler returns.
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    [emf] = [b for b in blobs if "CloudWatchMetrics" in b["_aws"]]
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert emf["Articles_published"] == [1.0]
    for name in PRESETS:
        assert units[f"RenderTime_{name}"] == "Milliseconds"
        [ms] = emf[f"RenderTime_{name}"]
        assert ms > 0
    assert directive["Dimensions"] == [["service"]]


def test_the_page_is_written_after_the_cards_it_references(s3: Any, handler: ModuleType) -> None:
    put_seed_assets(s3)
    upload(s3, "incoming/seed-article.json", SEED.read_bytes())
    order: list[str] = []
    original = s3.put_object

    def recording_put(**kwargs: Any) -> Any:
        if kwargs["Bucket"] == SITE_BUCKET:
            order.append(kwargs["Key"])
        return original(**kwargs)

    handler.uploads.publisher.site.client.put_object = recording_put
    try:
        invoke(handler, load_event("sqs-s3-put.json"))
    finally:
        del handler.uploads.publisher.site.client.put_object
    page = order.index(f"articles/{SEED_SLUG}/index.html")
    assert all(order.index(k) < page for k in order if k.startswith(("cards/", "images/")))
    outputs = [k for k in order if not is_listing(k)]
    assert outputs[-1] == f"articles/{SEED_SLUG}/manifest.json"
    # and the listings, which link to the page, come after it; the brand files the page names, before
    assert all(order.index(k) > page for k in order if is_listing(k) and not k.startswith("brand/"))
    assert all(order.index(k) < page for k in order if k.startswith("brand/"))


def test_sample_encoded_key_event_is_decoded_once(s3: Any, handler: ModuleType) -> None:
    # events/s3-put-encoded-key.json carries "incoming/world/Élysée talks+update v2.json" URL-encoded
    key = "incoming/world/Élysée talks+update v2.json"
    upload(
        s3, key, seed_document(hero=None, body=[{"type": "paragraph", "text": "Talks."}], slug="elysee-talks")
    )
    assert invoke(handler, load_event("sqs-s3-put-encoded-key.json")) == {"batchItemFailures": []}
    assert read_report(s3, "reports/world/Élysée talks+update v2.json")["status"] == "published"
    assert "articles/elysee-talks/index.html" in site_keys(s3)


@pytest.mark.parametrize(
    "key",
    [
        "incoming/with space.json",
        "incoming/plus+sign.json",
        "incoming/ünïcødé/日本語.json",
        "incoming/a%20b.json",
    ],
)
def test_keys_with_spaces_plus_and_non_ascii_round_trip(s3: Any, handler: ModuleType, key: str) -> None:
    upload(s3, key, seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="k"))
    assert invoke(handler, sqs_event(s3_record("created", key))) == {"batchItemFailures": []}
    assert read_report(s3, "reports/" + key.removeprefix("incoming/"))["status"] == "published"


def test_s3_test_event_is_skipped_without_writing(s3: Any, handler: ModuleType) -> None:
    assert invoke(handler, load_event("sqs-s3-testevent.json")) == {"batchItemFailures": []}
    assert site_keys(s3) == []
    assert "Contents" not in s3.list_objects_v2(Bucket=ARTICLES_BUCKET)


def test_invalid_article_is_reported_rejected_and_not_retried(s3: Any, handler: ModuleType) -> None:
    document = seed_document(hedline="typo")
    document["body"][8] = {"type": "image", "src": "assets/starmer-macron-merz.jpg"}
    upload(s3, "incoming/bad.json", document)
    response = invoke(handler, sqs_event(s3_record("created", "incoming/bad.json")))
    assert response == {"batchItemFailures": []}  # retrying cannot fix it
    report = read_report(s3, "reports/bad.json")
    assert report["status"] == "rejected"
    assert {
        "loc": "/body/8/alt",
        "msg": "images need alt text (a description for readers who cannot see them)",
    } in report["errors"]
    assert any(e["loc"] == "/hedline" for e in report["errors"])
    assert site_keys(s3) == []


def test_missing_image_is_a_rejection_naming_the_field(s3: Any, handler: ModuleType) -> None:
    upload(s3, "incoming/seed.json", SEED.read_bytes())  # assets not uploaded
    invoke(handler, sqs_event(s3_record("created", "incoming/seed.json")))
    report = read_report(s3, "reports/seed.json")
    assert report["status"] == "rejected"
    assert {e["loc"] for e in report["errors"]} == {"/hero/src", "/body/8/src"}
    assert site_keys(s3) == []


def test_an_image_that_is_not_an_image_is_rejected(s3: Any, handler: ModuleType) -> None:
    s3.put_object(Bucket=ARTICLES_BUCKET, Key="assets/fake.jpg", Body=b"<html>not a picture</html>")
    upload(s3, "incoming/a.json", seed_document(hero={"src": "assets/fake.jpg", "alt": "x"}, slug="a"))
    invoke(handler, sqs_event(s3_record("created", "incoming/a.json")))
    report = read_report(s3, "reports/a.json")
    assert report["status"] == "rejected"
    assert report["errors"][0] == {"loc": "/hero/src", "msg": "the file is not a JPEG, PNG or WebP image"}


def test_republishing_identical_input_writes_nothing_to_the_site(s3: Any, handler: ModuleType) -> None:
    put_seed_assets(s3)
    upload(s3, "incoming/seed-article.json", SEED.read_bytes())
    invoke(handler, sqs_event(s3_record("created", "incoming/seed-article.json", sequencer="01")))
    before = {k: head(s3, k)["LastModified"] for k in site_keys(s3)}

    upload(s3, "incoming/seed-article.json", SEED.read_bytes())  # the same bytes again
    writes: list[str] = []
    original = s3.put_object
    site_client = handler.uploads.publisher.site.client
    site_client.put_object = lambda **kw: (writes.append(kw["Key"]), original(**kw))[1]
    try:
        invoke(handler, sqs_event(s3_record("created", "incoming/seed-article.json", sequencer="02")))
    finally:
        del site_client.put_object
    assert [k for k in writes if not k.startswith("reports/")] == []
    assert {k: head(s3, k)["LastModified"] for k in site_keys(s3)} == before
    report = read_report(s3, "reports/seed-article.json")
    assert (report["status"], report["changed"], report["sequencer"]) == ("published", False, "02")


def superseded(s3: Any, key: str) -> bool:
    """Tagged for the site bucket's lifecycle rule (ExpireSuperseded): deleted days later."""
    tags = s3.get_object_tagging(Bucket=SITE_BUCKET, Key=key)["TagSet"]
    return {"Key": "newscard", "Value": "superseded"} in tags


def test_changed_input_replaces_outputs_and_lets_superseded_cards_expire(
    s3: Any, handler: ModuleType
) -> None:
    put_seed_assets(s3)
    upload(s3, "incoming/seed-article.json", SEED.read_bytes())
    invoke(handler, sqs_event(s3_record("created", "incoming/seed-article.json", sequencer="01")))
    old_cards = {k for k in site_keys(s3) if k.startswith("cards/")}

    changed = seed_document(section="World")  # same slug, new kicker -> new card bytes
    upload(s3, "incoming/seed-article.json", changed)
    invoke(handler, sqs_event(s3_record("created", "incoming/seed-article.json", sequencer="02")))

    # Cached copies of the old page may still show the old cards: they expire later, by lifecycle.
    new_cards = {k for k in site_keys(s3) if k.startswith("cards/") and not superseded(s3, k)}
    assert len(new_cards) == 3 and not (new_cards & old_cards)
    assert all(superseded(s3, k) for k in old_cards)
    images = [k for k in site_keys(s3) if k.startswith("images/")]
    assert len(images) == seed_image_count() and not any(superseded(s3, k) for k in images)  # unchanged: kept
    html = s3.get_object(Bucket=SITE_BUCKET, Key=f"articles/{SEED_SLUG}/index.html")["Body"].read().decode()
    assert all(k in html for k in new_cards if "/og-" in k)


def test_a_changed_headline_keeps_the_url(s3: Any, handler: ModuleType) -> None:
    upload(s3, "incoming/story.json", seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}]))
    invoke(handler, sqs_event(s3_record("created", "incoming/story.json", sequencer="01")))
    upload(
        s3,
        "incoming/story.json",
        seed_document(headline="A corrected headline", hero=None, body=[{"type": "paragraph", "text": "x"}]),
    )
    invoke(handler, sqs_event(s3_record("created", "incoming/story.json", sequencer="02")))
    slugs = {k.split("/")[1] for k in article_keys(s3) if not superseded(s3, k)}
    assert slugs == {SEED_SLUG}
    assert "A corrected headline" in site_text(s3, f"articles/{SEED_SLUG}/index.html")
    front = site_text(s3, "index.html")
    assert "A corrected headline" in front and "articles/a-corrected-headline/" not in front


def test_an_explicit_slug_change_moves_the_article_and_redirects_the_old_url(
    s3: Any, handler: ModuleType
) -> None:
    text_only = {"hero": None, "body": [{"type": "paragraph", "text": "x"}]}
    upload(s3, "incoming/story.json", seed_document(**text_only))
    invoke(handler, sqs_event(s3_record("created", "incoming/story.json", sequencer="01")))
    upload(s3, "incoming/story.json", seed_document(slug="alliance-fears", **text_only))
    invoke(handler, sqs_event(s3_record("created", "incoming/story.json", sequencer="02")))

    live = {k.split("/")[1] for k in article_keys(s3) if not superseded(s3, k)}
    assert live == {"alliance-fears"}
    claim = handler.uploads.publisher.registry.claim_of(SEED_SLUG)
    assert (claim.source, claim.target) == ("incoming/story.json", "alliance-fears")
    front = site_text(s3, "index.html")
    assert "articles/alliance-fears/" in front and SEED_SLUG not in front


def test_deleting_the_upload_unpublishes_everything(s3: Any, handler: ModuleType) -> None:
    put_seed_assets(s3)
    upload(s3, "incoming/seed-article.json", SEED.read_bytes())
    invoke(handler, sqs_event(s3_record("created", "incoming/seed-article.json", sequencer="01")))
    assert site_keys(s3)

    s3.delete_object(Bucket=ARTICLES_BUCKET, Key="incoming/seed-article.json")
    delete_event = load_event("sqs-s3-delete.json")  # the sample carries sequencer 0A1B2C3D4E5F678901
    assert invoke(handler, delete_event) == {"batchItemFailures": []}

    assert article_keys(s3) == []
    assert SEED_SLUG not in site_text(s3, "index.html") + site_text(s3, "feed.xml") + site_text(
        s3, "sitemap.xml"
    )
    assert not [k for k in site_keys(s3) if k.startswith("sections/")]
    report = read_report(s3, "reports/seed-article.json")
    assert (report["status"], report["slug"]) == ("unpublished", SEED_SLUG)


def test_a_late_older_event_does_not_resurrect_deleted_content(s3: Any, handler: ModuleType) -> None:
    upload(
        s3, "incoming/a.json", seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="a")
    )
    invoke(handler, sqs_event(s3_record("created", "incoming/a.json", sequencer="0010")))
    s3.delete_object(Bucket=ARTICLES_BUCKET, Key="incoming/a.json")
    invoke(handler, sqs_event(s3_record("removed", "incoming/a.json", sequencer="0020")))
    # the put event is delivered again, late
    upload(
        s3, "incoming/a.json", seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="a")
    )
    invoke(handler, sqs_event(s3_record("created", "incoming/a.json", sequencer="0010")))
    assert article_keys(s3) == []
    assert "articles/a/" not in site_text(s3, "index.html")
    assert read_report(s3, "reports/a.json")["status"] == "unpublished"


def test_a_delete_event_for_a_key_uploaded_again_is_ignored(s3: Any, handler: ModuleType) -> None:
    upload(
        s3, "incoming/a.json", seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="a")
    )
    invoke(handler, sqs_event(s3_record("created", "incoming/a.json", sequencer=None)))
    invoke(handler, sqs_event(s3_record("removed", "incoming/a.json", sequencer=None)))  # object still there
    assert "articles/a/index.html" in site_keys(s3)


def test_duplicate_delivery_of_the_same_event_is_harmless(s3: Any, handler: ModuleType) -> None:
    upload(
        s3, "incoming/a.json", seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="a")
    )
    record = s3_record("created", "incoming/a.json", sequencer="05")
    invoke(handler, sqs_event(record))
    first = read_report(s3, "reports/a.json")
    assert invoke(handler, sqs_event(record, record)) == {"batchItemFailures": []}
    assert read_report(s3, "reports/a.json") == first  # not even the report is rewritten


def test_a_late_redelivery_after_an_http_delete_keeps_the_takedown_and_its_note(
    s3: Any, handler: ModuleType
) -> None:
    upload(
        s3, "incoming/a.json", seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="a")
    )
    record = s3_record("created", "incoming/a.json", sequencer="0010")
    invoke(handler, sqs_event(record))
    handler.uploads.take_down("a")  # DELETE /articles/a, as the API does it
    taken_down = read_report(s3, "reports/a.json")
    assert "taken down by DELETE /articles/a" in taken_down["note"]

    assert invoke(handler, sqs_event(record)) == {"batchItemFailures": []}  # S3 delivers it again

    assert "articles/a/index.html" not in site_keys(s3)
    assert read_report(s3, "reports/a.json") == taken_down


def test_a_batch_mixing_good_invalid_and_failing_records_fails_only_the_failing_one(
    s3: Any, handler: ModuleType
) -> None:
    # Given one good, one invalid and one article whose storage read fails transiently
    upload(
        s3,
        "incoming/good.json",
        seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="good"),
    )
    upload(s3, "incoming/bad.json", b"{not json")
    upload(
        s3,
        "incoming/flaky.json",
        seed_document(hero=None, body=[{"type": "paragraph", "text": "y"}], slug="flaky"),
    )
    client = handler.uploads.articles.client
    original = client.get_object

    def flaky_get(**kwargs: Any) -> Any:
        if kwargs["Key"] == "incoming/flaky.json":
            raise ClientError(
                {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "GetObject"
            )
        return original(**kwargs)

    client.get_object = flaky_get
    try:
        event = sqs_event(
            s3_record("created", "incoming/good.json"),
            s3_record("created", "incoming/bad.json"),
            s3_record("created", "incoming/flaky.json"),
        )
        response = invoke(handler, event)
    finally:
        del client.get_object

    # Then only the flaky message is returned to the queue for a retry
    assert response == {"batchItemFailures": [{"itemIdentifier": "message-2"}]}
    assert read_report(s3, "reports/good.json")["status"] == "published"
    bad = read_report(s3, "reports/bad.json")
    assert bad["status"] == "rejected" and "not valid JSON" in bad["errors"][0]["msg"]
    assert "articles/flaky/index.html" not in site_keys(s3)

    # And the retry, once storage recovers, publishes it
    assert invoke(handler, sqs_event(s3_record("created", "incoming/flaky.json"))) == {
        "batchItemFailures": []
    }
    assert read_report(s3, "reports/flaky.json")["status"] == "published"


def test_a_render_failure_is_reported_failed_and_retried(
    s3: Any, handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(
        s3, "incoming/a.json", seed_document(hero=None, body=[{"type": "paragraph", "text": "x"}], slug="a")
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr("newscard.logic.publish.render_article", broken)
    response = invoke(handler, sqs_event(s3_record("created", "incoming/a.json")))
    assert response == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    report = read_report(s3, "reports/a.json")
    assert report["status"] == "failed"
    assert "will be retried" in report["errors"][0]["msg"]


def test_a_message_that_is_not_an_s3_notification_does_not_break_the_batch(
    s3: Any, handler: ModuleType
) -> None:
    event = sqs_event(s3_record("created", "incoming/missing.json"))
    event["Records"][0]["body"] = "not json at all"
    assert invoke(handler, event) == {"batchItemFailures": []}


def test_keys_outside_incoming_json_are_ignored(s3: Any, handler: ModuleType) -> None:
    s3.put_object(Bucket=ARTICLES_BUCKET, Key="incoming/notes.txt", Body=b"x")
    assert invoke(handler, sqs_event(s3_record("created", "incoming/notes.txt"))) == {"batchItemFailures": []}
    assert "Contents" not in s3.list_objects_v2(Bucket=ARTICLES_BUCKET, Prefix="reports/")


def test_missing_configuration_fails_at_start_naming_the_variable(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from newscard.handlers import s3_events
    from newscard.models.errors import ConfigurationError
    from newscard.models.settings import settings_from_env

    monkeypatch.delenv("SITE_BUCKET")
    monkeypatch.setenv("SITE_BASE_URL", "not a url")
    settings_from_env.cache_clear()
    with pytest.raises(ConfigurationError, match=r"SITE_BUCKET is not set.*SITE_BASE_URL is invalid"):
        importlib.reload(s3_events)
    settings_from_env.cache_clear()
