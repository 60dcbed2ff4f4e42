"""`gapwatch grafana`: generate the dashboard files, push them to a running Grafana."""

from __future__ import annotations

import click

from pipeline.cli._root import main, settings


@main.group()
def grafana() -> None:
    """Dashboards and alert rules as code (pipeline/panels)."""


@grafana.command()
@click.option("--check", is_flag=True, help="Only report stale files; exit 1 if any.")
def generate(check: bool) -> None:
    """Write infra/grafana/dashboards/*.json and the alert-rule provisioning file."""
    from pipeline.panels import stale, write

    config = settings()
    infra, timezone = config.infra_dir, config.web.timezone
    if check:
        old = stale(infra, timezone)
        for path in old:
            click.echo(f"stale: {path.relative_to(infra.parent)} (run `make dashboards`)")
        if old:
            raise SystemExit(1)
        click.echo("generated Grafana files are up to date")
        return
    written = write(infra, timezone)
    for path in written:
        click.echo(f"wrote {path.relative_to(infra.parent)}")
    if not written:
        click.echo("generated Grafana files are up to date")


@grafana.command()
@click.option("--url", required=True, help="Grafana's URL, e.g. http://localhost:3000.")
@click.option(
    "--clickhouse-host",
    default="clickhouse",
    show_default=True,
    help="ClickHouse as Grafana's server reaches it.",
)
@click.option("--clickhouse-port", default=8123, show_default=True)
@click.option(
    "--clickhouse-protocol",
    type=click.Choice(["http", "native"]),
    default="http",
    show_default=True,
)
@click.option("--database", default="gapwatch", show_default=True)
@click.option(
    "--user",
    "username",
    default="gapwatch_grafana",
    show_default=True,
    help="The read-only user from `gapwatch warehouse access`.",
)
def push(
    url: str,
    clickhouse_host: str,
    clickhouse_port: int,
    clickhouse_protocol: str,
    database: str,
    username: str,
) -> None:
    """Upsert datasource, folder, dashboards and alert rules; print what changed.

    The token comes from GAPWATCH_GRAFANA_TOKEN (a service account's), the datasource
    password from GAPWATCH_CH_GRAFANA_PASSWORD."""
    from grafana_client import GrafanaApi
    from grafana_client.client import GrafanaException

    from pipeline.cli._root import console as rich_console
    from pipeline.panels import dashboards
    from pipeline.panels.push import ClickHouseLink, push
    from pipeline.terminal import table

    config = settings()
    if not config.web.grafana_token:
        raise click.UsageError("set GAPWATCH_GRAFANA_TOKEN to a Grafana service-account token")
    link = ClickHouseLink(
        clickhouse_host,
        clickhouse_port,
        clickhouse_protocol,
        database,
        username,
        config.warehouse.grafana_password.reveal(),
    )
    api = GrafanaApi.from_url(url, credential=config.web.grafana_token.reveal(), timeout=10.0)
    try:
        changes = push(api, link, dashboards(config.infra_dir, config.web.timezone))
    except GrafanaException as exc:
        raise click.ClickException(f"Grafana at {url} refused: {exc.message}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot reach Grafana at {url}: {exc}") from None
    rows = [(c.kind, c.name, c.action) for c in changes]
    rich_console().print(table(["kind", "name", "action"], rows, title=f"Grafana at {url}"))
