from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classifier import load_or_build
from pipeline.config import PROJECT_ROOT, Settings


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classifier trained once per session from the real corpus."""
    path = tmp_path_factory.mktemp("model")
    load_or_build(path, PROJECT_ROOT / "models")
    return path


@pytest.fixture
def settings(tmp_path: Path, model_dir: Path) -> Settings:
    from pipeline.embedded import FETCH_MAX_WAIT_MS

    return Settings().with_(
        clickhouse_dsn=f"chdb://{tmp_path / 'chdb'}",
        model_dir=model_dir,
        data_dir=tmp_path / "var",
        kafka_declare_topics=False,
        kafka_fetch_max_wait_ms=FETCH_MAX_WAIT_MS,  # as embedded_kafka() sets
        kafka_session_timeout=6.0,  # a restarted worker rejoins quickly
    )


@pytest.fixture
def broker():
    """A fresh embedded broker per test, so no test sees another's messages."""
    from pipeline.embedded import EmbeddedBroker

    embedded = EmbeddedBroker()
    embedded.create_topics()
    return embedded
