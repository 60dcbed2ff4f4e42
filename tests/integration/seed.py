"""A small warehouse whose answers are worked out by hand in the tests that use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.warehouse.tables import COMPLAINTS, SATISFACTION_EVENTS

MON = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday
TUE = MON + timedelta(days=1)
NEXT_MON = MON + timedelta(days=7)


def _ratings() -> list[tuple]:
    rows = []

    def add(store: str, at: datetime, score: int, exp: dict | None = None, per: dict | None = None):
        n = len(rows)
        rows.append(
            (
                f"e{n}",
                at + timedelta(seconds=n),
                store,
                "app",
                None,
                None,
                score,
                exp or {},
                per or {},
                0,
                n,
            )
        )

    for score in (5, 5, 4, 2):
        add("S1", MON.replace(hour=9), score)
    for score in (1, 2, 3):
        add("S2", MON.replace(hour=14), score)
    for score in (4, 4):
        add("S1", TUE.replace(hour=14), score)
    # Surveys at 10:00: S1 falls 2 short on reliability and meets empathy; S2 beats
    # reliability by 1; S3 has too few responses (5) to be ranked.
    for _ in range(10):
        add(
            "S1",
            MON.replace(hour=10),
            3,
            {"reliability": 7, "empathy": 6},
            {"reliability": 5, "empathy": 6},
        )
    for _ in range(12):
        add("S2", MON.replace(hour=10), 4, {"reliability": 6}, {"reliability": 7})
    for _ in range(5):
        add("S3", MON.replace(hour=10), 1, {"reliability": 7}, {"reliability": 1})
    return rows


def _complaints() -> list[tuple]:
    items = [
        ("S1", MON.replace(hour=9), "gap3_delivery", "assurance", "A1"),
        ("S1", MON.replace(hour=9), "gap3_delivery", "reliability", "A1"),
        ("S1", MON.replace(hour=9), "gap3_delivery", "assurance", "A2"),
        ("S1", MON.replace(hour=9), "gap2_standards", "empathy", "A1"),
        ("S1", MON.replace(hour=9), "not_complaint", None, "A2"),
        ("S1", TUE.replace(hour=14), "gap4_communication", "reliability", "A3"),
        ("S1", NEXT_MON.replace(hour=9), "gap5_perception", None, None),
        ("S2", MON.replace(hour=14), "gap3_delivery", "responsiveness", "B1"),
        ("S2", MON.replace(hour=14), "gap1_knowledge", "empathy", None),
        ("S2", MON.replace(hour=14), "gap1_knowledge", "empathy", None),
    ]
    return [
        (
            f"c{n}",
            at + timedelta(seconds=n),
            store,
            "hotline",
            "……",
            None,
            None,
            agent,
            gap,
            0.5 + n / 100,
            dim,
            0.7,
            "test",
            [],
            0,
            n,
        )
        for n, (store, at, gap, dim, agent) in enumerate(items)
    ]


RATINGS = _ratings()
COMPLAINT_ROWS = _complaints()


def _without(columns: tuple[str, ...], rows: list[tuple], name: str) -> tuple[list, list]:
    at = columns.index(name)
    return [c for c in columns if c != name], [row[:at] + row[at + 1 :] for row in rows]


def seed(client, *, older: bool = False) -> None:
    """Insert the seed; ``older`` for a warehouse from before migration 0003."""
    ratings = (list(SATISFACTION_EVENTS.columns), RATINGS)
    complaints = (list(COMPLAINTS.columns), COMPLAINT_ROWS)
    if older:  # no customer_id on ratings, no agent_id on complaints yet
        ratings = _without(SATISFACTION_EVENTS.columns, RATINGS, "customer_id")
        complaints = _without(COMPLAINTS.columns, COMPLAINT_ROWS, "agent_id")
    client.insert("satisfaction_events", ratings[1], column_names=ratings[0])
    client.insert("complaints", complaints[1], column_names=complaints[0])
