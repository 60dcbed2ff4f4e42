"""The peers' figures as table rows, for the terminal and for docs/benchmarks.md alike."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.bench.peer_figures import PeersReport, System
from pipeline.bench.record import versions

COLUMNS = (
    "system",
    "median events/s",
    "range",
    "CPU µs per event",
    "vs gapwatch worker",
    "start-up → first message",
    "rows written",
)


def _number(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.0f}{unit}"


def row(report: PeersReport, system: System) -> tuple[str, ...]:
    rates = system.rates()
    ratio = report.ratio(system)
    startup = system.median(lambda r: r.startup_s)
    good = sum(1 for r in system.runs if r.error is None)
    check = f"all {system.events:,}, {good} of {len(system.runs)} run(s)"
    if system.errors:
        check = f"ERROR in {len(system.runs) - good} of {len(system.runs)}: " + " | ".join(
            system.errors
        )
    return (
        system.name,
        _number(system.median(lambda r: r.rate)),
        f"{min(rates):,.0f}–{max(rates):,.0f}" if len(rates) > 1 else "",
        _number(system.median(lambda r: r.cpu_us)),
        "—" if ratio is None else f"{ratio:.2f}×",
        "—" if startup is None else f"{startup:.1f} s",
        check,
    )


def _jobs(report: PeersReport) -> str:
    complaints = next((s.events for s in report.systems if s.contract == "complaint"), 0)
    events = f"{report.events:,} events"
    return f"{events} and {complaints:,} complaints" if complaints else events


def section(report: PeersReport, command: str, machine_line: str) -> str:
    def cells(values: tuple[str, ...]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    lines = [
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, written by the benchmark itself.",
        "",
        f"- machine: {machine_line}",
        f"- versions: {versions()}",
        f"- command: `{command}`",
        f"- {_jobs(report)}; each of {report.rounds} round(s) runs every system once; "
        "medians of the rounds",
        "",
        cells(COLUMNS),
        "|" + "---|" * len(COLUMNS),
        *(cells(row(report, s)) for s in report.systems),
    ]
    lines += ["", *(f"- {note}" for note in report.notes)] if report.notes else []
    return "\n".join(lines)
