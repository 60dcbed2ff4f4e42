"""Dead letters: look at them, and send them back once their cause is fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from pipeline.cli._root import main, settings, with_warehouse


@main.group("dead-letters")
def dead_letters() -> None:
    """Messages GapWatch could not accept, each with its reason."""


@dead_letters.command()
@click.option("--reason", default="", help="Only dead letters whose reason contains this text.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    default=None,
    help="Only dead letters received since then (UTC); default: the last 30 days.",
)
@click.option("--limit", default=100_000, show_default=True, help="At most this many.")
@click.option("--dry-run", is_flag=True, help="Say what would be sent, send nothing.")
def replay(reason: str, since: datetime | None, limit: int, dry_run: bool) -> None:
    """Send chosen dead letters back to their topic, each once, with its original key and
    headers. Run it after fixing what rejected them (a producer bug, a contract change)."""
    from pipeline.kafka.cluster import BrokerUnreachable, cluster_id
    from pipeline.kafka.replay import send_back
    from pipeline.warehouse.dead_letters import record_replays, replayable

    config = settings()
    start = since.replace(tzinfo=UTC) if since else datetime.now(UTC) - timedelta(days=30)
    chosen = with_warehouse(lambda c: replayable(c, reason, start, limit), config)
    if not chosen:
        click.echo("no dead letters to replay (none match, or all were replayed already)")
        return
    by_topic: dict[str, int] = {}
    for item in chosen:
        by_topic[item.topic] = by_topic.get(item.topic, 0) + 1
    summary = ", ".join(f"{n} to {t}" for t, n in sorted(by_topic.items()))
    if dry_run:
        click.echo(f"would replay {len(chosen)} dead letters: {summary}")
        return
    try:
        cluster_id(config)
    except BrokerUnreachable as exc:
        raise click.ClickException(str(exc)) from None
    acked, report = send_back(config, chosen)
    with_warehouse(lambda c: record_replays(c, acked), config)
    sent = ", ".join(f"{n} to {t}" for t, n in sorted(report.sent.items()))
    click.echo(f"replayed {len(acked)} dead letters: {sent}")
    if report.failed:
        raise click.ClickException(
            f"{len(report.failed)} not sent (they stay replayable): {report.failed[0][1]}"
        )
