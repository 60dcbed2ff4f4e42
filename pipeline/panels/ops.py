"""The ops dashboard: satisfaction, complaints by gap, alerts, recovery, classifier, pipeline."""

from __future__ import annotations

from pipeline.gaps import COMPLAINT_GAPS, NOT_COMPLAINT
from pipeline.panels.spec import Annotation, Dashboard, Panel, Section, Variable

_IS_COMPLAINT = f"gap != '{NOT_COMPLAINT}'"

# Every satisfaction and complaint panel follows the store and channel variables.
_SCOPE = "store_id IN (${store:singlequote}) AND channel IN (${channel:singlequote})"
_LAST_HOUR = "bucket > $__toTime - INTERVAL 1 HOUR AND bucket <= $__toTime"
_SATISFACTION_COLOURS = ((None, "red"), (0.6, "orange"), (0.75, "green"))

satisfaction = Section(
    "Satisfaction",
    (
        Panel(
            "Share of 4–5 scores by store",
            "timeseries",
            f"""
SELECT $__timeInterval(bucket) AS time, store_id,
       sum(top2_ratings) / sum(ratings) AS top2_share
FROM satisfaction_minute
WHERE $__timeFilter(bucket) AND {_SCOPE}
GROUP BY time, store_id
ORDER BY time, store_id""",
            ("time", "store_id", "top2_share"),
            "Share of ratings scoring 4 or 5, per store.",
        ),
        Panel(
            "Mean score by channel",
            "timeseries",
            f"""
SELECT $__timeInterval(bucket) AS time, channel,
       sum(score_sum) / sum(ratings) AS mean_score
FROM satisfaction_minute
WHERE $__timeFilter(bucket) AND {_SCOPE}
GROUP BY time, channel
ORDER BY time, channel""",
            ("time", "channel", "mean_score"),
            "Mean score (1–5) per channel.",
        ),
        Panel(
            "Share of 4–5 in the last hour against its baseline",
            "stat",
            f"""
SELECT
    sumIf(top2_ratings, {_LAST_HOUR}) / nullIf(sumIf(ratings, {_LAST_HOUR}), 0) AS current,
    sumIf(top2_ratings, bucket <= $__toTime - INTERVAL 1 HOUR
                        AND toHour(bucket) = toHour($__toTime - INTERVAL 30 MINUTE))
      / nullIf(sumIf(ratings, bucket <= $__toTime - INTERVAL 1 HOUR
                              AND toHour(bucket) = toHour($__toTime - INTERVAL 30 MINUTE)), 0)
      AS baseline
FROM satisfaction_minute
WHERE bucket > $__toTime - INTERVAL 7 DAY AND bucket <= $__toTime AND {_SCOPE}""",
            ("current", "baseline"),
            "The last hour of the range against the same hour of day over the 7 days before.",
            thresholds=_SATISFACTION_COLOURS,
            width=8,
        ),
        Panel(
            "Worst stores in the last hour",
            "table",
            f"""
SELECT store_id, sum(ratings) AS rating_count,
       round(sum(top2_ratings) / sum(ratings), 3) AS top2_share,
       round(sum(score_sum) / sum(ratings), 2) AS mean_score
FROM satisfaction_minute
WHERE {_LAST_HOUR} AND {_SCOPE}
GROUP BY store_id
HAVING rating_count >= 10
ORDER BY top2_share, store_id
LIMIT 10""",
            ("store_id", "rating_count", "top2_share", "mean_score"),
            "Stores with at least 10 ratings in the last hour of the range, lowest share first.",
            width=8,
        ),
        Panel(
            "Score distribution",
            "barchart",
            f"""
SELECT toString(score) AS score, ratings
FROM (
    SELECT sum(score_1) AS s1, sum(score_2) AS s2, sum(score_3) AS s3, sum(score_4) AS s4,
           sum(score_5) AS s5
    FROM satisfaction_minute
    WHERE $__timeFilter(bucket) AND {_SCOPE}
)
ARRAY JOIN [1, 2, 3, 4, 5] AS score, [s1, s2, s3, s4, s5] AS ratings
ORDER BY score""",
            ("score", "ratings"),
            "Ratings per score over the range.",
            width=8,
        ),
    ),
)

_GAP_COLUMNS = ",\n       ".join(f"sumIf(complaints, gap = '{g}') AS {g}" for g in COMPLAINT_GAPS)

complaints = Section(
    "Complaints by service-quality gap",
    (
        Panel(
            "Complaints per gap",
            "timeseries",
            f"""
SELECT $__timeInterval(bucket) AS time, gap, sum(complaints) AS complaints
FROM complaints_minute
WHERE $__timeFilter(bucket) AND {_SCOPE} AND {_IS_COMPLAINT}
GROUP BY time, gap
ORDER BY time, gap""",
            ("time", "gap", "complaints"),
            "Complaints per interval by the gap the classifier assigned.",
            stacked=True,
        ),
        Panel(
            "Gap mix by store",
            "barchart",
            f"""
SELECT store_id,
       {_GAP_COLUMNS}
FROM complaints_minute
WHERE $__timeFilter(bucket) AND {_SCOPE}
GROUP BY store_id
ORDER BY store_id""",
            ("store_id", *COMPLAINT_GAPS),
            "Which gap each store's complaints point to: where to act first.",
            stacked=True,
        ),
        Panel(
            "Perception − expectation by SERVQUAL dimension",
            "barchart",
            f"""
SELECT dimension,
       round((sum(perception_sum) - sum(expectation_sum)) / sum(responses), 2) AS p_minus_e
FROM servqual_minute
WHERE $__timeFilter(bucket) AND {_SCOPE}
GROUP BY dimension
ORDER BY dimension""",
            ("dimension", "p_minus_e"),
            "Gap 5 measured from surveys: below zero, the service fell short of expectations.",
            thresholds=((None, "red"), (0.0, "green")),
        ),
    ),
)

alerts = Section(
    "Alerts",
    (
        Panel(
            "Open alerts",
            "table",
            """
SELECT opened_at, kind, scope, scope_group, store_id, channel,
       if(kind = 'satisfaction_drop', round(drop, 3), NULL) AS drop,
       if(kind = 'satisfaction_drop', ratings, NULL) AS ratings,
       likely_cause
FROM alerts FINAL
WHERE resolved_at IS NULL AND (store_id IN (${store:singlequote}) OR store_id = '')
ORDER BY opened_at DESC
LIMIT 50""",
            (
                "opened_at",
                "kind",
                "scope",
                "scope_group",
                "store_id",
                "channel",
                "drop",
                "ratings",
                "likely_cause",
            ),
            "Satisfaction drops and SLA breaches not yet resolved, newest first.",
            width=24,
        ),
    ),
)

_COMPLAINTS_IN_RANGE = (
    f"$__timeFilter(received_at) AND {_IS_COMPLAINT} "
    "AND store_id IN (${store:singlequote}) AND channel IN (${channel:singlequote})"
)

recovery = Section(
    "Service recovery",
    (
        Panel(
            "Median minutes to first response",
            "stat",
            f"""
SELECT if(count(minutes_to_first_response) = 0, NULL,
          round(quantile(0.5)(minutes_to_first_response), 1)) AS median_minutes
FROM complaint_lifecycle
WHERE {_COMPLAINTS_IN_RANGE}""",
            ("median_minutes",),
            "Complaints received in the range: median time to the first response.",
            thresholds=((None, "green"), (60.0, "orange"), (120.0, "red")),
            width=6,
        ),
        Panel(
            "Resolution rate",
            "stat",
            f"""
SELECT round(countIf(resolved_at IS NOT NULL) / nullIf(count(), 0), 3) AS resolved_share
FROM complaint_lifecycle
WHERE {_COMPLAINTS_IN_RANGE}""",
            ("resolved_share",),
            "Share of the complaints received in the range that are resolved now.",
            thresholds=((None, "red"), (0.7, "orange"), (0.9, "green")),
            width=6,
        ),
        Panel(
            "SLA breaches",
            "timeseries",
            """
SELECT $__timeInterval(opened_at) AS time, kind, count() AS breaches
FROM alerts FINAL
WHERE $__timeFilter(opened_at) AND kind LIKE 'sla_%' AND store_id IN (${store:singlequote})
GROUP BY time, kind
ORDER BY time, kind""",
            ("time", "kind", "breaches"),
            "Complaints that missed the first-response or resolution target, when they did.",
            stacked=True,
            bars=True,
        ),
    ),
)

classifier = Section(
    "Classifier",
    (
        Panel(
            "Mean classifier confidence",
            "timeseries",
            f"""
SELECT $__timeInterval(bucket) AS time, sum(gap_confidence_sum) / sum(complaints) AS confidence
FROM complaints_minute
WHERE $__timeFilter(bucket) AND {_SCOPE}
GROUP BY time
ORDER BY time""",
            ("time", "confidence"),
            "Mean confidence of the gap predictions; a fall means texts the model has not seen.",
            width=16,
        ),
        Panel(
            "Review queue",
            "stat",
            """
SELECT count() AS waiting
FROM review_queue FINAL
WHERE store_id IN (${store:singlequote})
  AND complaint_id NOT IN (SELECT label_id FROM review_labels)""",
            ("waiting",),
            "Predictions below the review threshold that nobody has labeled yet.",
            thresholds=((None, "green"), (200.0, "orange"), (1000.0, "red")),
            width=8,
        ),
    ),
)

pipeline = Section(
    "Pipeline health",
    (
        Panel(
            "Rows written per second",
            "timeseries",
            """
SELECT time, source, round(sum(written) / (dateDiff('second', min(second), max(second)) + 1), 1)
       AS rows_per_s
FROM (
    SELECT $__timeInterval(second) AS time, source, second, count() AS written
    FROM (
        SELECT toDateTime(ingested_at) AS second, 'satisfaction' AS source
        FROM satisfaction_events WHERE $__timeFilter(ingested_at)
        UNION ALL
        SELECT toDateTime(ingested_at), 'complaints' FROM complaints
        WHERE $__timeFilter(ingested_at)
        UNION ALL
        SELECT toDateTime(ingested_at), 'complaint updates' FROM complaint_updates
        WHERE $__timeFilter(ingested_at)
    )
    GROUP BY time, source, second
)
GROUP BY time, source
ORDER BY time, source""",
            ("time", "source", "rows_per_s"),
            "Rows the workers wrote per second, by when they wrote them (not event time): each "
            "interval's rows over the seconds from its first write to its last, so a short run "
            "is not averaged with the idle rest of the interval.",
            width=8,
        ),
        Panel(
            "Consumer lag",
            "timeseries",
            """
SELECT time, topic, sum(lag) AS lag
FROM (
    SELECT $__timeInterval(ts) AS time, topic, partition, argMax(lag, ts) AS lag
    FROM pipeline_health
    WHERE $__timeFilter(ts)
    GROUP BY time, topic, partition
)
GROUP BY time, topic
ORDER BY time, topic""",
            ("time", "topic", "lag"),
            "Messages in each topic not yet written to ClickHouse, as the workers report it.",
            width=8,
        ),
        Panel(
            "Dead letters",
            "timeseries",
            """
SELECT $__timeInterval(ingested_at) AS time, source_topic, count() AS dead_letters
FROM dead_letters
WHERE $__timeFilter(ingested_at)
GROUP BY time, source_topic
ORDER BY time, source_topic""",
            ("time", "source_topic", "dead_letters"),
            "Messages refused with a reason (see the dead_letters table), by source topic.",
            bars=True,
            width=8,
        ),
    ),
)

OPS = Dashboard(
    uid="gapwatch-ops",
    title="GapWatch — operations",
    description="Live satisfaction and complaints by service-quality gap, alerts, recovery "
    "and pipeline health.",
    sections=(satisfaction, complaints, alerts, recovery, classifier, pipeline),
    variables=(
        Variable(
            "store", "Store", "SELECT DISTINCT store_id FROM satisfaction_hour ORDER BY store_id"
        ),
        Variable(
            "channel", "Channel", "SELECT DISTINCT channel FROM satisfaction_hour ORDER BY channel"
        ),
    ),
    annotations=(
        Annotation(
            "Alerts",
            """
SELECT opened_at AS time, ifNull(resolved_at, now()) AS timeEnd,
       concat(kind, ' · ', scope, if(scope_group = '', '', concat(' ', scope_group)),
              if(store_id = '', '', concat(' ', store_id)), ': ',
              likely_cause) AS text,
       [kind, scope] AS tags
FROM alerts FINAL
WHERE $__timeFilter(opened_at) AND (store_id IN (${store:singlequote}) OR store_id = '')""",
        ),
    ),
)
