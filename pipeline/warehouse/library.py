"""The analysts' query library: infra/clickhouse/queries/NAME.sql, each answering one question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class LibraryQuery:
    name: str
    sql: str

    @property
    def question(self) -> str:
        """The leading comment: what the query answers."""
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line.removeprefix("--").strip())
        return " ".join(line for line in lines if not line.startswith("Parameters:"))

    def parameters(self, since: datetime, until: datetime) -> dict[str, datetime]:
        return {"since": since, "until": until}


def library(folder: Path) -> dict[str, LibraryQuery]:
    return {
        path.stem: LibraryQuery(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.sql"))
    }
