"""Region and brand scopes: stores too quiet to page alone are pooled into scopes that can,
from the store directory (`gapwatch stores load`)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.alerting.detector import Detector
from pipeline.alerting.events import Scope
from pipeline.alerting.stream import ScopeFeed
from pipeline.warehouse.stores import DirectoryError, StoreGroup, parse_csv

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
# Twelve stores of 4 ratings an hour each, 8:00 to 22:00: none pages alone; together 48/h.
SMALL = [f"N{i:02d}" for i in range(12)]
OTHERS = [f"S{i:02d}" for i in range(4)]  # another region's stores, which keep their level
DIRECTORY = {
    **{s: StoreGroup("north", "fastfix") for s in SMALL},
    **{s: StoreGroup("south", "") for s in OTHERS},
}


def hours(feed: ScopeFeed, rng: random.Random, first: int, count: int, share) -> list:
    """``count`` hours from hour ``first`` (of open hours), in 10-minute windows; each
    store's ratings drawn around ``share(store)``. The alerts raised."""
    alerts = []
    for k in range(first, first + count):
        day, hour = divmod(k, 14)
        for m in range(0, 60, 10):
            at = START + timedelta(days=day, hours=8 + hour, minutes=m)
            rows = []
            for store in SMALL + OTHERS:
                n = int(rng.random() < 4 / 6)  # 4 an hour on average
                top2 = sum(rng.random() < share(store) for _ in range(n))
                if n:
                    rows.append((store, "app", n, top2, 4 * top2 + 2 * (n - top2), 0))
            alerts += feed.feed(at, rows)
    return alerts


def test_a_drop_shared_by_small_stores_pages_on_their_region_and_brand():
    rng = random.Random(4)
    feed = ScopeFeed(Detector(), directory=DIRECTORY)
    calm = hours(feed, rng, 0, 14 * 5, lambda store: 0.75)
    assert [a for a in calm if a.scope.kind in ("region", "brand")] == []
    region, brand = Scope("region", group="north"), Scope("brand", group="fastfix")
    assert feed.detector.pages(region) and feed.detector.pages(brand)
    assert not any(feed.detector.pages(Scope("store", s)) for s in SMALL)
    # The whole region drops by 35 points (a regional outage, a policy change).
    dropped = hours(feed, rng, 14 * 5, 14, lambda store: 0.40 if store in SMALL else 0.75)
    opened = {a.scope: a for a in dropped if a.resolved_at is None}
    assert region in opened and brand in opened
    assert opened[region].severity == "page"
    assert opened[region].opened_at - (START + timedelta(days=5, hours=8)) <= timedelta(hours=4)
    assert Scope("region", group="south") not in opened
    # The stores themselves do not page: each is too quiet for it.
    assert all(a.severity != "page" for s, a in opened.items() if s.kind == "store")


def test_a_feed_without_a_directory_has_no_group_scopes():
    feed = ScopeFeed(Detector())
    hours(feed, random.Random(1), 0, 14, lambda store: 0.75)
    assert {s.kind for s in feed.detector.scopes()} == {"overall", "store", "store_channel"}


def test_the_directory_file_is_read_and_its_mistakes_named():
    assert parse_csv("store_id,region,brand\nA1,north,fastfix\nA2,,fastfix\n") == {
        "A1": StoreGroup("north", "fastfix"),
        "A2": StoreGroup("", "fastfix"),
    }
    with pytest.raises(DirectoryError, match="lacks brand"):
        parse_csv("store_id,region\nA1,north\n")
    with pytest.raises(DirectoryError, match="line 3: store A1 is listed twice"):
        parse_csv("store_id,region,brand\nA1,north,x\nA1,south,x\n")
    with pytest.raises(DirectoryError, match="line 2: store_id is empty"):
        parse_csv("store_id,region,brand\n,north,x\n")
