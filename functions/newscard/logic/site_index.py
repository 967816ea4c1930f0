"""Listings from items in the site state table: each publish touches only its own items and pages.

Items (all in the state table, listings own the `LIST#` and `PAGE#` prefixes):

- `LIST#ART#<slug>` / `ENTRY`: the article's entry and the listing items it occupies (`listed`), so
  `remove(slug)` needs only the slug and a section or date change moves cleanly.
- `LIST#FRONT`, `LIST#SEC#<section>`, `LIST#DAY#<yyyy-mm-dd>` / `E#<published UTC>#<slug>`: one
  listing item per listing, holding the entry; a query per listing reads its newest items in order.
- `LIST#SECTIONS` / `<section>` and `LIST#DAYS` / `<yyyy-mm-dd>`: which sections and archive days
  have stories (the front page's navigation, the archive's months and days, the sitemap index).
- `<listing partition>` / `VERSION`: a counter bumped after every change to what that listing shows.
- `PAGE#FRONT` / `PINS`: the pinned lead stories, written with a version condition.

Pages cascade to a fixed depth. A new story pushes every newest-first page down by one, so the
front page and each section show a window of PAGES pages (re-rendered whole when the window
changes: a bounded cost), and the last page continues in the archive. The archive is keyed by
date, so a story never moves in it: a publish re-renders only its own day's page and sitemap,
plus its month page and the sitemap index when the day is new. Nothing a publish reads or writes
grows with the archive; it grows only with how much is published in one day or two (the news
sitemap).

Concurrency (the guarantee the former compare-and-swap index gave): a change writes its items,
then bumps the version of every listing it touched, then renders each: read the version, read
the items, write the pages, read the version again, and repeat until it is unchanged. The last
write of every listing is then followed by a check that saw no newer change, so the final pages
reflect the final items. A writer that finds a newer version before it has written anything
leaves that listing to the newer change, whose render starts after both changes were written:
bursts cost about one render per publish, not one per publish per competitor.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from newscard.dal.listings import Item, Key, ListingTable
from newscard.dal.store import ObjectStore, each_at_once
from newscard.logic.render import HTML, SHORT, hero_variants, object_position
from newscard.models.article import Article, slugify
from newscard.models.errors import ArticleRejected, NotFound, PreconditionFailed, Problem, StorageError
from newscard.models.manifest import Manifest
from newscard.models.site_index import FRONT_VERSION_MAX, FrontPins, IndexEntry, ListingImage, Pin
from newscard.rendering.renditions import fallback
from newscard.rendering.site import (
    ARCHIVE_BASE,
    FEED_SIZE,
    FRONT_BASE,
    NEWS_SITEMAP_KEY,
    NEWS_WINDOW,
    PAGE_SIZE,
    PAGES,
    PAGES_SITEMAP_KEY,
    FrontContent,
    Pagination,
    SiteInfo,
    day_dir,
    day_sitemap_key,
    month_dir,
    ordered_sections,
    page_dir,
    render_archive_day,
    render_archive_index,
    render_archive_month,
    render_feed,
    render_front_page,
    render_news_sitemap,
    render_pages_sitemap,
    render_section_page,
    render_sitemap_index,
    render_urlset,
    section_path,
)

FRONT_KEY = "index.html"
FEED_KEY = "feed.xml"
SITEMAP_KEY = "sitemap.xml"
XML = "application/xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
# Object metadata on the page a listing writes last: the listing version it was rendered from.
LISTED_VERSION = "listing-version"
MAX_ATTEMPTS = 40
MAX_RENDER_ROUNDS = 40

FRONT = "LIST#FRONT"
SECTIONS = "LIST#SECTIONS"
DAYS = "LIST#DAYS"
PINS_KEY: Key = ("PAGE#FRONT", "PINS")
VERSION = "VERSION"
ENTRY_LOW, ENTRY_HIGH = "E#", "E#~"  # every entry sort key sorts between these
WINDOW = PAGES * PAGE_SIZE
# Section slugs and days are made of [a-z0-9-]: every one sorts between these (DynamoDB refuses "").
KEY_LOW, KEY_HIGH = "0", "~"


def section_key(section_slug: str) -> str:
    return section_path(section_slug) + "index.html"


def entry_for(article: Article, manifest: Manifest) -> IndexEntry:
    """The listing entry of a just-published article."""
    image = None
    variants = hero_variants(manifest.slug, manifest.outputs)
    if article.hero is not None and variants:
        shown = fallback(variants)
        # Every rendition of the hero carries the same subject point.
        focus = next((o.focus for o in manifest.outputs if o.key == shown.path), None)
        image = ListingImage(
            path=shown.path,
            width=shown.width,
            height=shown.height,
            alt=article.hero.alt,
            variants=variants,
            position=object_position(focus),
        )
    return IndexEntry(
        slug=manifest.slug,
        url=manifest.page_url,
        path=f"articles/{manifest.slug}/",
        headline=article.headline,
        dek=article.dek,
        section=article.section,
        section_slug=slugify(article.section),
        language=article.language,
        direction=article.direction,
        published_at=article.published_at,
        updated_at=article.updated_at,
        authors=[author.name for author in article.authors],
        tags=list(article.tags),
        image=image,
    )


def _article_key(slug: str) -> Key:
    return f"LIST#ART#{slug}", "ENTRY"


def listing_keys(entry: IndexEntry) -> list[Key]:
    """The listing items an entry occupies: the front page, its section, its archive day."""
    sort_key = f"E#{entry.sort_key}"
    return [
        (FRONT, sort_key),
        (f"LIST#SEC#{entry.section_slug}", sort_key),
        (f"LIST#DAY#{entry.day}", sort_key),
    ]


@dataclass(frozen=True, order=True)
class Unit:
    """One listing: the pages rendered together from one set of items, with one version counter."""

    kind: Literal["day", "month", "archive", "section", "front"]
    name: str = ""

    @property
    def version_key(self) -> Key:
        partition = {
            "front": FRONT,
            "section": f"LIST#SEC#{self.name}",
            "day": f"LIST#DAY#{self.name}",
            "month": f"LIST#MONTH#{self.name}",
            "archive": "LIST#ARCHIVE",
        }[self.kind]
        return partition, VERSION


# Order of rendering on arrival: what is linked is written before what links to it (day pages
# before the month, section and front pages that point at them). Departures go the other way.
_LINK_ORDER = {"day": 0, "month": 1, "archive": 2, "section": 3, "front": 4}


def _units_in_order(units: Iterable[Unit], *, departing: bool) -> list[Unit]:
    return sorted(set(units), key=lambda u: (_LINK_ORDER[u.kind], u.name), reverse=departing)


def _utc_now() -> datetime:
    return datetime.now().astimezone()


def _entries(items: Iterable[Item]) -> list[IndexEntry]:
    return [IndexEntry.model_validate_json(str(item["entry"])) for item in items]


def bulk_load(table: ListingTable, entries: Iterable[IndexEntry]) -> int:
    """Write the items of already-published entries through the batch writer, rendering nothing
    (seeding an archive, loading one from another system, or the site folder `newscard render`
    adds to); returns how many entries. Render afterwards with one upsert per section and day, or
    let the next publishes do it."""
    count, batch, sections, days = 0, [], {}, set()
    for entry in entries:
        keys = listing_keys(entry)
        body = entry.model_dump_json()
        batch.append(_article_item(entry, keys, 1))
        batch.extend({"PK": pk, "SK": sk, "entry": body} for pk, sk in keys)
        sections[entry.section_slug] = entry.section
        days.add(entry.day)
        count += 1
        if len(batch) >= 1000:
            table.write_batch(puts=batch)
            batch = []
    batch.extend({"PK": SECTIONS, "SK": slug, "name": name} for slug, name in sections.items())
    batch.extend({"PK": DAYS, "SK": day, "name": ""} for day in sorted(days))
    table.write_batch(puts=batch)
    return count


def _article_item(entry: IndexEntry, keys: list[Key], version: int) -> Item:
    pk, sk = _article_key(entry.slug)
    return {
        "PK": pk,
        "SK": sk,
        "entry": entry.model_dump_json(),
        "listed": json.dumps(keys),
        "version": version,
    }


@dataclass(frozen=True)
class SiteIndexer:
    """Applies one article's arrival or departure to its listing items and re-renders what shows it."""

    store: ObjectStore
    site: SiteInfo
    table: ListingTable
    clock: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    # ---- the seam publish.py uses -------------------------------------------------------------

    def upsert(self, entry: IndexEntry) -> None:
        """Add or replace the article's entry; its listings are re-rendered even if nothing changed
        (a republish after a template change must refresh them too)."""
        new_keys = listing_keys(entry)
        old_keys, revision = self._record(entry.slug, entry, new_keys)
        self.table.write_batch(
            puts=[{"PK": pk, "SK": sk, "entry": entry.model_dump_json()} for pk, sk in new_keys]
        )
        stale = [key for key in old_keys if key not in new_keys]
        if stale:
            self.table.write_batch(deletes=stale)
        units = self._units_for(old_keys + new_keys)
        units |= self._mark_present(entry)
        units |= self._sweep_emptied(stale)
        self._settle_all(units, departing=False)
        if stale:
            # Only now does the record forget the old items: a crash before this line leaves them
            # named, so the retry deletes, sweeps and re-renders the listings they were in again.
            # A newer change to this article may have taken over its record (and its cleanup).
            with contextlib.suppress(PreconditionFailed):
                self.table.put(_article_item(entry, new_keys, revision + 1), if_version=revision)

    def remove(self, slug: str) -> None:
        """Take the article out of every listing it occupies (idempotent: nothing listed, nothing done)."""
        for attempt in range(MAX_ATTEMPTS):
            record = self.table.get(*_article_key(slug))
            if record is None:
                return
            # A pin on a story that is going away goes first, so no front page rendered from here
            # on leads with a page that no longer exists.
            self._retarget_pins(slug, None)
            listed = _keys(record)
            self.table.write_batch(deletes=listed)
            units = self._units_for(listed) | self._sweep_emptied(listed)
            self._settle_all(units, departing=True)
            # The record goes last: a crash before this line leaves it, so the retry redoes the above.
            try:
                self.table.delete(*_article_key(slug), if_version=int(record.get("version", 0)))
            except PreconditionFailed:
                self._back_off(attempt)
                continue
            return
        raise StorageError(f"{slug}: listing record still contended after {MAX_ATTEMPTS} attempts")

    def ensure_listed(self, entry: IndexEntry) -> None:
        """After a no-op republish: repair a publish that died before its listing items were written,
        or after writing them but before its pages were (reads only, when all is whole)."""
        record = self.table.get(*_article_key(entry.slug))
        keys = listing_keys(entry)
        whole = (
            record is not None
            and str(record.get("entry")) == entry.model_dump_json()
            and _keys(record) == keys
            # The record is written ahead of the listing items and markers: it alone proves neither.
            and all(self.table.get(*key) is not None for key in keys)
            and self.table.get(SECTIONS, entry.section_slug) is not None
            and self.table.get(DAYS, entry.day) is not None
        )
        if not whole:
            self.upsert(entry)
            return
        units = self._units_for(keys)
        behind = {unit for unit in units if self._rendered_version(unit) != self._version(unit)}
        if not self._archive_shows(entry.day):
            # A crash between a new day's marker and the bump of the month and archive listings
            # leaves no version behind: look at the pages themselves.
            behind |= {Unit("month", entry.day[:7]), Unit("archive")}
        if behind:
            self._settle_all(behind, departing=False)

    # ---- pins (PUT /front) --------------------------------------------------------------------

    def pins(self) -> FrontPins:
        """The pinned stories and the version a change must name."""
        item = self.table.get(*PINS_KEY)
        if item is None:
            return FrontPins(pinned=[], version=0)
        return FrontPins(
            pinned=[Pin.model_validate(p) for p in json.loads(str(item["pins"]))],
            version=int(item["version"]),
        )

    def set_pins(self, change: FrontPins) -> FrontPins:
        """Store new pins, then re-render the front page. Raises ArticleRejected naming a slug that is
        not listed, PreconditionFailed if `change.version` is not the stored version."""
        missing = [
            Problem(f"/pinned/{index}/slug", f"no published article has the slug {pin.slug}")
            for index, pin in enumerate(change.pinned)
            if self.table.get(*_article_key(pin.slug)) is None
        ]
        if missing:
            raise ArticleRejected(missing)
        expected = change.version if change.version is not None else self.pins().version or 0
        stored = self._store_pins(change.pinned, expected)
        self._settle_all({Unit("front")}, departing=False)
        return stored

    def follow_move(self, former: str, slug: str) -> None:
        """An article moved from former to slug: pins that named it keep their place at the new slug."""
        self._retarget_pins(former, slug)

    def _retarget_pins(self, former: str, slug: str | None) -> None:
        """Point the pins that name former at slug, or drop them (None: the story is going away).
        Their order and `until` stay; a story pinned under both slugs keeps its first place. The
        write is conditional, like an editor's, so it bumps the version a CMS must name next."""
        for attempt in range(MAX_ATTEMPTS):
            current = self.pins()
            if all(pin.slug != former for pin in current.pinned):
                return
            pinned: list[Pin] = []
            for pin in current.pinned:
                target = slug if pin.slug == former else pin.slug
                if target is not None and all(kept.slug != target for kept in pinned):
                    pinned.append(pin.model_copy(update={"slug": target}))
            try:
                self._store_pins(pinned, current.version or 0)
            except PreconditionFailed:
                self._back_off(attempt)
                continue
            return
        raise StorageError(f"front page pins still contended after {MAX_ATTEMPTS} attempts")

    def _store_pins(self, pinned: list[Pin], expected: int) -> FrontPins:
        if expected >= FRONT_VERSION_MAX:
            # No stored version gets this far (each write adds one), so the read it names is stale.
            raise PreconditionFailed(f"front page pins version {expected}")
        stored = FrontPins(pinned=pinned, version=expected + 1)
        self.table.put(
            {
                "PK": PINS_KEY[0],
                "SK": PINS_KEY[1],
                "pins": json.dumps([p.model_dump(mode="json") for p in stored.pinned]),
                "version": expected + 1,
            },
            if_version=expected,
        )
        return stored

    # ---- items ---------------------------------------------------------------------------------

    def _record(self, slug: str, entry: IndexEntry, new_keys: list[Key]) -> tuple[list[Key], int]:
        """Write the article's record first, listing old and new items: a crash before the old ones
        are deleted leaves them named, so the retry (or a remove) still finds and deletes them."""
        for attempt in range(MAX_ATTEMPTS):
            record = self.table.get(*_article_key(slug))
            old_keys = _keys(record) if record is not None else []
            revision = int(record.get("version", 0)) if record is not None else 0
            both = old_keys + [key for key in new_keys if key not in old_keys]
            try:
                self.table.put(_article_item(entry, both, revision + 1), if_version=revision)
            except PreconditionFailed:
                self._back_off(attempt)
                continue
            return old_keys, revision + 1
        raise StorageError(f"{slug}: listing record still contended after {MAX_ATTEMPTS} attempts")

    def _mark_present(self, entry: IndexEntry) -> set[Unit]:
        """Record that the entry's section and day have stories; a new day changes the archive."""
        self._mark(SECTIONS, entry.section_slug, entry.section)
        if self._mark(DAYS, entry.day, ""):
            return {Unit("month", entry.day[:7]), Unit("archive")}
        return set()

    def _mark(self, partition: str, name: str, label: str) -> bool:
        try:
            self.table.put({"PK": partition, "SK": name, "name": label}, if_absent=True)
        except PreconditionFailed:
            return False
        return True

    def _sweep_emptied(self, left: Iterable[Key]) -> set[Unit]:
        """Drop the section and day markers of partitions that the change left empty.

        Delete, then look again: an arrival racing with the departure either is seen by the second
        look (marker put back) or puts its marker after the delete. Either way the marker ends right."""
        changed: set[Unit] = set()
        for pk, _ in left:
            if pk.startswith("LIST#SEC#"):
                marker: Key = (SECTIONS, pk.removeprefix("LIST#SEC#"))
            elif pk.startswith("LIST#DAY#"):
                marker = (DAYS, pk.removeprefix("LIST#DAY#"))
            else:
                continue
            if self._has_entries(pk):
                continue
            before = self.table.get(*marker)
            self.table.delete(*marker)
            if self._has_entries(pk) and before is not None:
                self.table.put(before)
            if marker[0] == DAYS:
                changed |= {Unit("month", marker[1][:7]), Unit("archive")}
        return changed

    def _has_entries(self, pk: str) -> bool:
        return bool(self.table.query(pk, low=ENTRY_LOW, high=ENTRY_HIGH, limit=1))

    def _units_for(self, keys: Iterable[Key]) -> set[Unit]:
        units = {Unit("front")}
        for pk, _ in keys:
            if pk.startswith("LIST#SEC#"):
                units.add(Unit("section", pk.removeprefix("LIST#SEC#")))
            elif pk.startswith("LIST#DAY#"):
                units.add(Unit("day", pk.removeprefix("LIST#DAY#")))
        return units

    # ---- versions and the render loop ---------------------------------------------------------

    def _version(self, unit: Unit) -> int:
        item = self.table.get(*unit.version_key)
        return int(item.get("version", 0)) if item is not None else 0

    def _settle_all(self, units: set[Unit], *, departing: bool) -> None:
        mine = {unit: self.table.increment(*unit.version_key) for unit in units}
        for unit in _units_in_order(units, departing=departing):
            self._settle(unit, mine[unit])

    def _settle(self, unit: Unit, mine: int) -> None:
        wrote = False
        for _ in range(MAX_RENDER_ROUNDS):
            before = self._version(unit)
            if not wrote and before > mine:
                return  # a newer change bumped after our items were written; it renders after us
            self._write(unit, before)
            wrote = True
            if self._version(unit) == before:
                return
        raise StorageError(f"{unit}: listing did not settle after {MAX_RENDER_ROUNDS} rounds")

    def _rendered_version(self, unit: Unit) -> int | None:
        """The version the unit's last-written page records, None if that page is missing."""
        try:
            found = self.store.get(self._marker_page(unit)).metadata.get(LISTED_VERSION)
        except NotFound:
            return None
        return int(found) if found is not None and found.isdigit() else None

    def _archive_shows(self, day: str) -> bool:
        """Whether the month page, the archive index and the sitemap index all link the day."""
        links = {
            month_dir(day[:7]) + "index.html": day_dir(day),
            ARCHIVE_BASE + "index.html": month_dir(day[:7]),
            SITEMAP_KEY: day_sitemap_key(day),
        }
        try:
            return all(link.encode() in self.store.get(page).body for page, link in links.items())
        except NotFound:
            return False

    def _marker_page(self, unit: Unit) -> str:
        return {
            "front": FRONT_KEY,
            "section": section_key(unit.name),
            "day": day_dir(unit.name) + "index.html",
            "month": month_dir(unit.name) + "index.html",
            "archive": SITEMAP_KEY,
        }[unit.kind]

    # ---- rendering each kind of listing -------------------------------------------------------

    def _write(self, unit: Unit, version: int) -> None:
        render = {
            "front": self._write_front,
            "section": self._write_section,
            "day": self._write_day,
            "month": self._write_month,
            "archive": self._write_archive,
        }[unit.kind]
        render(unit.name, {LISTED_VERSION: str(version)})

    def _newest(self, pk: str, limit: int) -> list[IndexEntry]:
        return _entries(self.table.query(pk, low=ENTRY_LOW, high=ENTRY_HIGH, limit=limit))

    def _sections(self) -> dict[str, str]:
        found = self.table.query(SECTIONS, low=KEY_LOW, high=KEY_HIGH, newest_first=False)
        return ordered_sections({str(i["SK"]): str(i["name"]) for i in found}, self.site.section_order)

    def _live_pins(self, now: datetime) -> list[IndexEntry]:
        pinned = []
        for pin in self.pins().pinned:
            record = self.table.get(*_article_key(pin.slug)) if pin.live(now) else None
            # A story on its way out has lost its front page item before any render that follows:
            # a pin an editor set while it was being taken down must not lead with a dead page.
            if record is not None and any(
                self.table.get(*key) is not None for key in _keys(record) if key[0] == FRONT
            ):
                pinned.append(IndexEntry.model_validate_json(str(record["entry"])))
        return pinned

    def _write_front(self, _: str, metadata: dict[str, str]) -> None:
        now = self.clock()
        pinned = self._live_pins(now)
        pinned_slugs = {entry.slug for entry in pinned}
        newest = self._newest(FRONT, WINDOW + 1 + len(pinned))
        news = _entries(
            self.table.query(
                FRONT, low=f"E#{(now - NEWS_WINDOW).astimezone(UTC):%Y-%m-%dT%H:%M:%S}", high=ENTRY_HIGH
            )
        )
        sections = self._sections()
        rest = [entry for entry in newest if entry.slug not in pinned_slugs]
        documents = [
            (FEED_KEY, render_feed(newest[:FEED_SIZE], self.site, now=now), ATOM),
            (NEWS_SITEMAP_KEY, render_news_sitemap(news, self.site, now=now), XML),
            (PAGES_SITEMAP_KEY, render_pages_sitemap(list(sections), self.site), XML),
        ]
        each_at_once(lambda document: self._put(*document), documents)
        self._write_pages(
            FRONT_BASE,
            rest,
            lambda entries, page: render_front_page(
                FrontContent(pinned=pinned, entries=entries, sections=sections), self.site, page
            ),
            metadata,
        )

    def _write_section(self, name: str, metadata: dict[str, str]) -> None:
        entries = self._newest(f"LIST#SEC#{name}", WINDOW + 1)
        base = section_path(name)
        if not entries:
            for number in range(PAGES, 0, -1):
                self.store.delete(page_dir(base, number) + "index.html")
            return
        title = entries[0].section
        self._write_pages(
            base, entries, lambda shown, page: render_section_page(shown, title, self.site, page), metadata
        )

    def _write_pages(
        self,
        base: str,
        entries: list[IndexEntry],
        render: Callable[[list[IndexEntry], Pagination], str],
        metadata: dict[str, str],
    ) -> None:
        """Pages 1..N of a newest-first window; pages past N deleted; page 1 last, with the version.

        When the window overflows, the last page links to the archive day of its oldest story,
        from which every older story is reachable."""
        shown = entries[:WINDOW]
        count = max(1, -(-len(shown) // PAGE_SIZE))
        older = day_dir(shown[-1].day) if len(entries) > WINDOW else None
        for number in range(count, 0, -1):
            if number == 1:
                # Pages the window no longer fills go once nothing rewritten links to them (most
                # are already gone: a delete of a missing key is a no-op, and they go at once).
                each_at_once(
                    self.store.delete,
                    [page_dir(base, gone) + "index.html" for gone in range(PAGES, count, -1)],
                )
            chunk = shown[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
            page = Pagination(base=base, number=number, count=count, older=older)
            self._put(
                page_dir(base, number) + "index.html",
                render(chunk, page),
                HTML,
                metadata if number == 1 else None,
            )

    def _write_day(self, day: str, metadata: dict[str, str]) -> None:
        entries = _entries(
            self.table.query(f"LIST#DAY#{day}", low=ENTRY_LOW, high=ENTRY_HIGH, newest_first=False)
        )
        page = day_dir(day) + "index.html"
        if not entries:
            self.store.delete(day_sitemap_key(day))
            self.store.delete(page)
            return
        self._put(day_sitemap_key(day), render_urlset(entries, self.site), XML)
        self._put(page, render_archive_day(entries, day, self.site), HTML, metadata)

    def _days(self, prefix: str = "") -> list[str]:
        found = self.table.query(DAYS, low=prefix or KEY_LOW, high=prefix + KEY_HIGH, newest_first=False)
        return [str(item["SK"]) for item in found]

    def _write_month(self, month: str, metadata: dict[str, str]) -> None:
        days = self._days(month + "-")
        page = month_dir(month) + "index.html"
        if not days:
            self.store.delete(page)
            return
        self._put(page, render_archive_month(days, month, self.site), HTML, metadata)

    def _write_archive(self, _: str, metadata: dict[str, str]) -> None:
        # Read only when a day gains its first story or loses its last: about once a day.
        days = self._days()
        months = sorted({day[:7] for day in days}, reverse=True)
        self._put(ARCHIVE_BASE + "index.html", render_archive_index(months, self.site), HTML)
        self._put(SITEMAP_KEY, render_sitemap_index(days, self.site), XML, metadata)

    def _put(self, key: str, text: str, content_type: str, metadata: dict[str, str] | None = None) -> None:
        self.store.put(
            key, text.encode("utf-8"), content_type=content_type, cache_control=SHORT, metadata=metadata
        )

    def _back_off(self, attempt: int) -> None:
        self.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))  # noqa: S311 - jitter, not crypto


def _keys(record: Item) -> list[Key]:
    return [(str(pk), str(sk)) for pk, sk in json.loads(str(record.get("listed", "[]")))]
