"""A running worker switches to the model `gapwatch train` saves: review labels reach the
stream without a restart, complaints before the switch keep the version that labeled them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from pipeline.classifier import load_or_build
from pipeline.config import PROJECT_ROOT
from pipeline.warehouse import connect
from tests.e2e.conftest import worker_process
from tests.processes import classifier_children

pytestmark = pytest.mark.e2e
ASSETS = PROJECT_ROOT / "models"


def test_a_running_worker_switches_to_a_retrained_model(
    settings, broker, produce_complaints, tmp_path
):
    assets = tmp_path / "assets"
    (assets / "corpus").mkdir(parents=True)
    for name in ("userdict.txt", "stopwords.txt", "corpus/seed.jsonl"):
        shutil.copy(ASSETS / name, assets / name)
    settings = settings.with_(
        kafka_bootstrap=broker.bootstrap,
        app_id="gapwatch-reload-test",
        assets_dir=assets,
        model_dir=tmp_path / "model",
        model_reload_seconds=1.0,
    )
    first = load_or_build(settings.classifier.model_dir, assets).version

    def complaints(start: int, stop: int) -> None:
        produce_complaints("r", start, stop, ["师傅迟到两个小时还态度差"])

    complaints(0, 50)
    with worker_process(settings, tmp_path) as worker:
        stats = worker.wait_until(lambda t: t.get("complaints", {}).get("written") == 50)
        assert stats["classifier"]["model_version"] == first
        # New labeled texts, and a retrain while the worker runs.
        team = (ASSETS / "corpus" / "team.jsonl").read_text(encoding="utf-8").splitlines()
        (assets / "corpus" / "team.jsonl").write_text("\n".join(team[::6]) + "\n", "utf-8")
        trained = subprocess.run(
            [sys.executable, "-m", "pipeline", "train", "--without-reviews"],
            env=settings.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert trained.returncode == 0, trained.stderr[-2000:]
        second = trained.stdout.split()[1].rstrip(":")  # "model gapclf-…: N texts, …"
        assert second.startswith("gapclf-") and second != first
        deadline = time.monotonic() + 60
        while worker.stats()["classifier"]["model_version"] != second:
            assert time.monotonic() < deadline, "the worker never switched models"
            time.sleep(0.3)
        # One classifier process, the new one: the old one has finished and gone.
        assert len(classifier_children(worker.children.procs["worker"].pid)) == 1
        complaints(50, 100)
        worker.wait_until(lambda t: t["complaints"]["written"] == 100)
        assert f"classifier {first} replaced by {second}" in worker.log()
        assert worker.stop() == 0

    client = connect(settings.warehouse.dsn)
    try:
        rows = client.query(
            "SELECT model_version, count() FROM complaints GROUP BY model_version"
        ).result_rows
    finally:
        client.close()
    assert dict(rows) == {first: 50, second: 50}
