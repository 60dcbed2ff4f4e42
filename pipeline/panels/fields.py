"""What each column a panel returns means: a title for people and a kind that fixes how its
values are shown (percent, integer, score…) and the range of an axis that draws it.

One table for the Grafana JSON and the HTML report, so a share is a percentage on a 0–100%
axis everywhere and a count is an integer everywhere, whichever query returned it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.gaps import COMPLAINT_GAPS, GAPS, NAMES

Kind = Literal[
    "text",  # labels: store, channel, gap…
    "time",  # a moment, shown in the configured time zone
    "date",
    "percent",  # a share, 0–1, shown as 0–100%
    "points",  # a difference of shares, shown in percentage points
    "score",  # a mean of 1–5 ratings
    "count",  # whole things: ratings, complaints, messages
    "rate",  # rows per second
    "minutes",
    "hours",
    "number",  # anything else numeric, two decimals
]


@dataclass(frozen=True)
class Field:
    title: str
    kind: Kind


# Axis ranges that never move, so a small difference stays small on the screen.
FIXED_RANGES: dict[str, tuple[float, float]] = {"percent": (0.0, 1.0), "score": (1.0, 5.0)}

# Grafana's unit ids (grafana-data valueFormats) and decimals per numeric kind; labels and
# times keep Grafana's own display (times in the dashboard's time zone).
GRAFANA_UNITS: dict[str, tuple[str, int]] = {
    "percent": ("percentunit", 1),
    "points": ("percentunit", 1),
    "score": ("none", 2),
    "count": ("none", 0),
    "rate": ("rowsps", 0),
    "minutes": ("m", 1),
    "hours": ("h", 1),
    "number": ("none", 2),
}

# Panels that count complaints per gap return one column per complaint gap.
_GAP_TITLES = {gap: NAMES[gap].title for gap in COMPLAINT_GAPS}

FIELDS: dict[str, Field] = {
    # labels and moments
    "time": Field("Time", "time"),
    "store_id": Field("Store", "text"),
    "channel": Field("Channel", "text"),
    "agent_id": Field("Agent", "text"),
    "gap": Field("Gap", "text"),
    "dimension": Field("SERVQUAL dimension", "text"),
    "score": Field("Score", "text"),
    "kind": Field("Kind", "text"),
    "scope": Field("Scope", "text"),
    "scope_group": Field("Region or brand", "text"),
    "likely_cause": Field("Likely cause", "text"),
    "source": Field("Written to", "text"),
    "topic": Field("Topic", "text"),
    "source_topic": Field("Source topic", "text"),
    "customers": Field("Customers", "text"),
    "hour_of_day": Field("Hour of day", "text"),
    "opened_at": Field("Opened", "time"),
    "hour": Field("Hour", "time"),
    "day": Field("Day", "time"),
    "week": Field("Week of", "date"),
    # shares
    "top2_share": Field("Share of 4–5", "percent"),
    "current": Field("Last hour", "percent"),
    "baseline": Field("Same hour, 7 days before", "percent"),
    "resolved_share": Field("Resolved", "percent"),
    "confidence": Field("Mean confidence", "percent"),
    "delivery_share": Field("Share of gap 3", "percent"),
    "share": Field("Share of the store's week", "percent"),
    "resolution_rate": Field("Resolved", "percent"),
    "reopen_rate": Field("Reopened", "percent"),
    "drop": Field("Drop in share of 4–5", "points"),
    # scores
    "mean_score": Field("Mean score (1–5)", "score"),
    "recovery_satisfaction": Field("Recovery score (1–5)", "score"),
    # counts
    "rating_count": Field("Ratings", "count"),
    "ratings": Field("Ratings", "count"),
    "complaints": Field("Complaints", "count"),
    "complaint_count": Field("Complaints", "count"),
    "all_complaints": Field("All complaints", "count"),
    "delivery_gap_complaints": Field("Gap 3 complaints", "count"),
    "customer_count": Field("Customers (count)", "count"),
    "response_count": Field("Survey responses", "count"),
    "breaches": Field("SLA breaches", "count"),
    "waiting": Field("Waiting for a label", "count"),
    "lag": Field("Messages behind", "count"),
    "dead_letters": Field("Dead letters", "count"),
    "worst_rank": Field("Rank (1 = worst)", "count"),
    **{gap: Field(title, "count") for gap, title in _GAP_TITLES.items()},
    # rates and durations
    "rows_per_s": Field("Rows per second", "rate"),
    "median_minutes": Field("Median minutes to first response", "minutes"),
    "mean_minutes_to_first_response": Field("Mean time to first response", "minutes"),
    "median_minutes_to_first_response": Field("Median time to first response", "minutes"),
    "mean_hours_to_resolution": Field("Mean time to resolution", "hours"),
    "median_hours_to_resolution": Field("Median time to resolution", "hours"),
    # other measures
    "complaints_per_100_ratings": Field("Complaints per 100 ratings", "number"),
    "p_minus_e": Field("Perception − expectation", "number"),
    "expectation": Field("Expectation (1–7)", "number"),
    "perception": Field("Perception (1–7)", "number"),
    "servqual_gap": Field("Perception − expectation", "number"),
}


# Codes that appear as values, as people say them.
VALUE_LABELS: dict[str, str] = {gap: NAMES[gap].title for gap in GAPS}


def label(value: object) -> str:
    text = str(value)
    return VALUE_LABELS.get(text, text)


def field(column: str) -> Field:
    """The meaning of a column; a column nobody described is a mistake caught by the tests."""
    try:
        return FIELDS[column]
    except KeyError:
        raise KeyError(
            f"column {column!r} has no title and kind in pipeline/panels/fields.py"
        ) from None
