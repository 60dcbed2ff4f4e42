"""`gapwatch alerts backtest`: the live detector over a file of satisfaction events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
from click.testing import CliRunner

from pipeline.alerting.backtest import backtest
from pipeline.cli import main

START = datetime(2026, 3, 2, tzinfo=UTC)


def _events(days: float, per_hour: int, drop_at: timedelta, share_after: float) -> list[str]:
    """One store, one channel: 75% of scores 4–5 until ``drop_at``, then ``share_after``."""
    rng = np.random.default_rng(3)
    lines, n = [], 0
    at = START
    gap = timedelta(hours=1) / per_hour
    while at < START + timedelta(days=days):
        share = share_after if at >= START + drop_at else 0.75
        score = int(rng.choice([4, 5])) if rng.random() < share else int(rng.choice([1, 2, 3]))
        lines.append(
            json.dumps(
                {
                    "event_id": f"e{n}",
                    "ts": at.isoformat(),
                    "store_id": "S1",
                    "channel": "app",
                    "score": score,
                }
            )
        )
        n += 1
        at += gap
    return lines


def test_bad_lines_are_counted_with_their_reason_and_the_rest_is_used():
    lines = [
        b'{"event_id": "a"}',
        b"not json",
        b"",
        *(s.encode() for s in _events(0.1, 60, timedelta(days=1), 0.75)),
    ]
    result = backtest(lines)
    assert result.events == len(lines) - 3 and not result.alerts
    assert sum(result.rejected.values()) == 2
    assert any(reason.startswith("line 2: value is not JSON") for reason in result.rejected)


def test_the_command_prints_the_alerts_as_json_lines(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(_events(5, 120, timedelta(days=4, hours=10), 0.30)) + "\n")
    run = CliRunner().invoke(main, ["alerts", "backtest", str(path)])
    assert run.exit_code == 0, run.output
    alerts = [json.loads(line) for line in run.stdout.splitlines()]
    opened = [a for a in alerts if a["version"] == 1 and a["scope"] == "store"]
    assert len(opened) == 1 and opened[0]["store_id"] == "S1"
    assert opened[0]["opened_at"] >= (START + timedelta(days=4, hours=10)).isoformat()
    assert opened[0]["baseline"] > 0.7 and opened[0]["current"] < 0.45
    assert "alerts opened" in run.stderr and "0 lines rejected" in run.stderr


def test_evaluate_prints_the_optimum_the_false_alerts_and_every_target():
    run = CliRunner().invoke(
        main, ["alerts", "evaluate", "--seeds", "3", "--stores", "4", "--chain", "6"]
    )
    assert run.exit_code == 0, run.output
    for title in ("against the optimum B", "False alerts per 100 store-days", "Targets"):
        assert title in run.stdout
    assert "false alerts ≤ 1 per 100 store-days" in run.stdout
