"""Write a benchmark's figures into a Markdown file between markers, with the machine, the
versions and the exact command, so the prose around them stays as people wrote it."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from pipeline.bench.pipeline import Report

PACKAGES = (
    "faust-streaming",
    "aiokafka",
    "confluent-kafka",
    "kafka-python",
    "chdb",
    "clickhouse-connect",
    "pydantic",
    "rjieba",
    "scikit-learn",
)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (
            int(line.split()[1]) / 1024**2
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        float("nan"),
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, load average before the run {load}"
    )


def versions() -> str:
    found = [f"Python {platform.python_version()}"]
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def section(report: Report, command: str, machine_line: str, rounds: int) -> str:
    lines = [
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, written by the benchmark itself.",
        "",
        f"- machine: {machine_line}",
        f"- versions: {versions()}",
        f"- command: `{command}`",
        f"- throughput pairs alternate for {rounds} round(s); each figure is the median",
        "",
        "| figure | median | rounds | of its ceiling |",
        "|---|---|---|---|",
    ]
    for f in report.figures:
        share = report.share(f)
        shown = "" if share is None else f"{share:.0%}"
        lines.append(f"| {f.name} | {f.value:,.0f} {f.unit} | {f.rounds} | {shown} |")
    lines += ["", *(f"- {note}" for note in report.notes)] if report.notes else []
    return "\n".join(lines)


def write(path: Path, name: str, body: str) -> None:
    """Replace the block marked ``name`` in ``path`` (appending it the first time)."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    block = f"{begin}\n{body}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = f"{text.rstrip()}\n\n{block}\n" if text else f"{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
