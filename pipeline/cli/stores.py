"""The store directory: which region and brand each store belongs to."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli._root import FORMAT, emit, main, with_warehouse


@main.group()
def stores() -> None:
    """Each store's region and brand, which alerting pools into scopes of their own."""


@stores.command("load")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(csv_file: Path) -> None:
    """Record the stores of CSV_FILE (columns store_id,region,brand; either group may be
    empty). A store listed again replaces its earlier row; stores not listed keep theirs.
    A running worker's alert runner picks the groups up at its next step."""
    from pipeline.warehouse.stores import DirectoryError, parse_csv, write_directory

    try:
        directory = parse_csv(csv_file.read_text(encoding="utf-8-sig"))
    except DirectoryError as exc:
        raise click.ClickException(f"{csv_file}: {exc}") from None
    written = with_warehouse(lambda client: write_directory(client, directory), migrated=True)
    regions = {g.region for g in directory.values() if g.region}
    brands = {g.brand for g in directory.values() if g.brand}
    click.echo(f"{written} stores recorded: {len(regions)} regions, {len(brands)} brands")


@stores.command("list")
@FORMAT
def list_stores(fmt: str) -> None:
    """The store directory as the alert runner reads it."""
    from pipeline.warehouse.stores import read_directory

    directory = with_warehouse(read_directory, migrated=True)
    rows = [(store, g.region, g.brand) for store, g in sorted(directory.items())]
    emit(["store_id", "region", "brand"], rows, fmt)
