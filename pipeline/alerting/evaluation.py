"""``gapwatch alerts evaluate``: the detector measured against issue #21's targets.

Speed on pipeline.alerting.cells (sudden drops at constant rates, against B; and drops whose
lost ratings all become 1s, which the share of 1s proves faster than B), false alerts
and a new store's first day on pipeline.alerting.harness (a chain of stores with rhythm and
wander), on several seeds; every target is checked on every seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from rich.table import Table

from pipeline.alerting.cells import CELLS, Cell, measure
from pipeline.alerting.detector import DetectorConfig
from pipeline.alerting.distribution import SHAPES, TYPICAL, information_ratio
from pipeline.alerting.drifts import Drifts
from pipeline.alerting.drifts import measure as measure_drifts
from pipeline.alerting.harness import Run, simulate

# Where 30 minutes is physically possible: (drop, rate) cells held to it.
HALF_HOUR_CELLS = ((0.15, 640), (0.25, 320), (0.25, 640))
NEW_STORE_MINUTES = 150.0
# Drops whose lost ratings all become 1s: (drop, rate) cells where the detector must beat B,
# the optimum of a detector of the share of 4–5 alone.
TO_ONE_CELLS = ((0.15, 20), (0.15, 80), (0.10, 160), (0.25, 40))


DRIFT_RATES = (20, 80, 320)


@dataclass(frozen=True)
class Evaluation:
    seeds: tuple[int, ...]
    cells: list[Cell]
    runs: list[Run]
    drifts: list[Drifts]


@dataclass(frozen=True)
class Check:
    target: str
    seed: int
    met: bool
    shown: str


def evaluate(
    seeds: Sequence[int],
    stores: int = 40,
    config: DetectorConfig | None = None,
    progress: Callable[[str], None] = lambda _step: None,
    regular: int = 200,
) -> Evaluation:
    """Each seed in a process of its own (they share nothing), as many at once as cores."""
    cells: list[Cell] = []
    runs: list[Run] = []
    drifts: list[Drifts] = []
    with ProcessPoolExecutor(max_workers=min(len(seeds), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(_one_seed, seed, stores, config, regular) for seed in seeds]
        for done, future in enumerate(as_completed(futures), 1):
            seed_cells, run, seed_drifts = future.result()
            cells += seed_cells
            runs.append(run)
            drifts += seed_drifts
            progress(f"{done} of {len(seeds)} seeds measured")
    order = {seed: i for i, seed in enumerate(seeds)}
    cells.sort(key=lambda c: order[c.seed])
    runs.sort(key=lambda r: order[r.seed])
    drifts.sort(key=lambda d: (order[d.seed], d.rate))
    return Evaluation(tuple(seeds), cells, runs, drifts)


def _one_seed(
    seed: int, stores: int, config: DetectorConfig | None, regular: int
) -> tuple[list[Cell], Run, list[Drifts]]:
    cells = [measure(rate, drop, stores, seed, config) for drop, rate in CELLS]
    cells += [
        measure(rate, drop, stores, seed, config, shape="to 1") for drop, rate in TO_ONE_CELLS
    ]
    drifts = [measure_drifts(rate, seed=seed) for rate in DRIFT_RATES]
    return cells, simulate(seed, config=config, regular=regular), drifts


def checks(result: Evaluation) -> list[Check]:
    """Every target on every seed."""
    found: list[Check] = []
    for cell in result.cells:
        where = f"{cell.drop:.0%} at {cell.rate:g}/h"
        if cell.shape == "to 1":
            median = cell.quantile(0.5)
            found.append(
                Check(
                    f"median < B when the lost ratings become 1s, {where}",
                    cell.seed,
                    median is not None and median < cell.b_minutes,
                    _times(cell.of_b(0.5)),
                )
            )
            continue
        for q, times in ((0.5, 1.5), (0.9, 3.0)):
            name = "median" if q == 0.5 else f"p{q * 100:.0f}"
            found.append(
                Check(
                    f"{name} ≤ {times:g}·B + window, {where}",
                    cell.seed,
                    cell.meets(q, times),
                    _times(cell.of_b(q)),
                )
            )
        found.append(
            Check(
                f"coverage ≥ 95%, {where}", cell.seed, cell.coverage >= 0.95, f"{cell.coverage:.0%}"
            )
        )
        if (cell.drop, cell.rate) in HALF_HOUR_CELLS:
            median, p90 = cell.quantile(0.5), cell.quantile(0.9)
            found.append(
                Check(
                    f"median ≤ 30 min and p90 ≤ 45 min, {where}",
                    cell.seed,
                    median is not None and p90 is not None and median <= 30 and p90 <= 45,
                    f"{_minutes(median)} / {_minutes(p90)}",
                )
            )
    for run in result.runs:
        rate, upper = run.per_100_store_days("regular")
        found.append(
            Check(
                "false alerts ≤ 1 per 100 store-days, 95% bound ≤ 1.5",
                run.seed,
                rate <= 1.0 and upper <= 1.5,
                f"{rate:.2f} (≤ {upper:.2f})",
            )
        )
        small = run.false_alerts("small")
        found.append(Check("stores under 20 an hour page nobody", run.seed, small == 0, str(small)))
        delays = run.new_store_delays()
        late = [d for d in delays if d is None or d > NEW_STORE_MINUTES]
        worst = None if None in delays else max(d for d in delays if d is not None)
        found.append(
            Check(
                "a new store's 30-point drop after 14 h: alerted ≤ 150 min",
                run.seed,
                not late,
                f"{len(delays) - len(late)}/{len(delays)}, worst {_minutes(worst)}",
            )
        )
    for d in result.drifts:
        found.append(
            Check(
                f"a 10-point drift over 14 days flagged within 7 days, {d.rate:g}/h",
                d.seed,
                d.flagged_by(7) >= 0.95,
                f"{d.flagged_by(7):.0%}",
            )
        )
    return found


def report(result: Evaluation) -> list[Table]:
    speed = Table(title="Sudden drops against the optimum B (store scope)", header_style="bold")
    speed.add_column("lost 4–5 ratings become")
    for column in ("drop", "ratings/h", "B", "median / B", "p90 / B", "worst / B", "alerted"):
        speed.add_column(column, justify="right")
    for shape, drop, rate in [("spread", *c) for c in CELLS] + [("to 1", *c) for c in TO_ONE_CELLS]:
        cells = [c for c in result.cells if (c.shape, c.drop, c.rate) == (shape, drop, rate)]
        speed.add_row(
            "as low scores are" if shape == "spread" else "all 1s",
            f"{drop:.0%}",
            f"{rate:g}",
            f"{cells[0].b_minutes:.0f} min",
            *(" ".join(_times(c.of_b(q)) for c in cells) for q in (0.5, 0.9, 1.0)),
            " ".join(f"{c.coverage:.0%}" for c in cells),
        )
    speed.caption = f"one value per seed ({', '.join(map(str, result.seeds))})"
    quiet = Table(title="False alerts per 100 store-days (95% upper bound)", header_style="bold")
    quiet.add_column("seed", justify="right")
    for kind in ("regular", "noisy", "small"):
        quiet.add_column(kind, justify="right")
    quiet.add_column("new stores: minutes to the alert", justify="left")
    for run in result.runs:
        quiet.add_row(
            str(run.seed),
            *(
                f"{run.per_100_store_days(k)[0]:.2f} (≤ {run.per_100_store_days(k)[1]:.2f})"
                for k in ("regular", "noisy", "small")
            ),
            " ".join(_minutes(d) for d in run.new_store_delays()),
        )
    slow = Table(
        title="Slow drifts (10 points over 14 days): share flagged by day 7 / 10 / 14",
        header_style="bold",
    )
    slow.add_column("ratings/h at the busiest", justify="right")
    slow.add_column("flagged", justify="left")
    slow.add_column("false flags per 100 store-days", justify="left")
    for rate in DRIFT_RATES:
        at_rate = [d for d in result.drifts if d.rate == rate]
        slow.add_row(
            f"{rate:g}",
            "  ".join("/".join(f"{d.flagged_by(day):.0%}" for day in (7, 10, 14)) for d in at_rate),
            " ".join(f"{d.false_per_100_store_days:.2f}" for d in at_rate),
        )
    targets = Table(title="Targets, on every seed", header_style="bold")
    targets.add_column("target")
    targets.add_column("met on", justify="right")
    targets.add_column("values", justify="left")
    by_target: dict[str, list[Check]] = {}
    for check in checks(result):
        by_target.setdefault(check.target, []).append(check)
    for target, found in by_target.items():
        met = sum(c.met for c in found)
        mark = "[green]" if met == len(found) else "[red]"
        targets.add_row(target, f"{mark}{met}/{len(found)}[/]", " ".join(c.shown for c in found))
    return [speed, quiet, slow, distribution_table(), targets]


def distribution_table() -> Table:
    """How much faster a detector of the whole 1–5 distribution could be, by drop shape."""
    table = Table(
        title="Evidence per rating of the whole 1–5 distribution over the share of 4–5",
        header_style="bold",
    )
    table.add_column("drop", justify="right")
    for shape in SHAPES:
        table.add_column(f"lost ratings {shape}", justify="right")
    for drop in (0.10, 0.15, 0.25):
        table.add_row(
            f"{drop:.0%}",
            *(f"{information_ratio(TYPICAL, drop, to):.2f}×" for to in SHAPES.values()),
        )
    table.caption = f"baseline distribution of scores 1–5: {', '.join(map(str, TYPICAL))}"
    return table


def _times(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f}×"


def _minutes(value: float | None) -> str:
    return "never" if value is None else f"{value:.0f}"
