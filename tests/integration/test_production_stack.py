"""The production stack, checked without a Docker engine."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.config import PROJECT_ROOT, ConfigError, Settings
from pipeline.kafka import confluent_config, faust_credentials, kafka_python_config, topic_specs

pytestmark = pytest.mark.integration
COMPOSE = PROJECT_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def check_compose(path: Path) -> subprocess.CompletedProcess:
    """The Compose Specification's JSON schema, as check-jsonschema ships it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
    )


def test_compose_file_follows_the_compose_specification():
    run = check_compose(COMPOSE)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_schema_check_rejects_a_broken_compose_file(tmp_path):
    broken = COMPOSE.read_text(encoding="utf-8").replace(
        "condition: service_completed_successfully", "condition: whenever", 1
    )
    path = tmp_path / "docker-compose.yml"
    path.write_text(broken, encoding="utf-8")
    run = check_compose(path)
    assert run.returncode == 1 and "whenever" in run.stdout


def test_every_mounted_file_and_build_context_exists(compose):
    mounts = []
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                mounts.append((name, source))
                assert (PROJECT_ROOT / source).exists(), f"{name} mounts missing {source}"
        if "build" in service:
            assert (PROJECT_ROOT / service["build"] / "Dockerfile").exists()
    assert {m for _, m in mounts} >= {
        "./infra/grafana/provisioning",
        "./infra/grafana/dashboards",
        "./infra/clickhouse/server/gapwatch.xml",
    }


def test_every_variable_without_a_default_is_in_env_example():
    example = dict(
        line.split("=", 1)
        for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    text = COMPOSE.read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert required and required <= set(example), required - set(example)
    # The one-shot jobs and the workers get every password they need.
    assert {
        "CLICKHOUSE_ADMIN_PASSWORD",
        "GAPWATCH_CH_WRITER_PASSWORD",
        "GAPWATCH_CH_GRAFANA_PASSWORD",
    } <= required


def test_services_are_wired_in_order_with_healthchecks(compose):
    services = compose["services"]
    assert set(services) >= {
        "kafka",
        "kafka-init",
        "clickhouse",
        "migrate",
        "worker",
        "grafana",
        "simulator",
    }
    worker = services["worker"]
    assert worker["depends_on"] == {
        "kafka-init": {"condition": "service_completed_successfully"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert "container_name" not in worker and "ports" not in worker  # scalable
    for name in ("kafka", "clickhouse", "worker", "grafana"):
        assert "healthcheck" in services[name], name
    assert services["simulator"]["profiles"] == ["simulate"]
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert set(compose["volumes"]) == {"model", "kafka-data", "clickhouse-data", "grafana-data"}
    # One model for all workers, where the image keeps it (and lets its user replace it), so
    # `docker compose run --rm worker train` reaches every running worker.
    assert worker["volumes"] == ["model:/opt/gapwatch/model"]
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "GAPWATCH_MODEL_DIR=/opt/gapwatch/model" in dockerfile
    assert re.search(r"chown -R gapwatch:gapwatch .*/opt/gapwatch\b", dockerfile)


def test_dockerfile_runs_as_a_user_and_builds_the_model():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "load_or_build" in dockerfile and 'ENTRYPOINT ["gapwatch"]' in dockerfile


def test_topic_specs_come_from_infra_and_settings():
    specs = topic_specs(Settings().with_(kafka_partitions=12, kafka_replication=3))
    assert set(specs) == {
        "satisfaction-events",
        "complaints",
        "complaint-updates",
        "dead-letters",
        "alerts",
    }
    assert specs["complaints"].partitions == 12 and specs["complaints"].replication == 3
    assert specs["dead-letters"].config == {"retention.ms": str(720 * 3600 * 1000)}


def test_kafka_security_reaches_every_client():
    plain = Settings()
    assert faust_credentials(plain) is None
    assert kafka_python_config(plain) == {"security_protocol": "PLAINTEXT"}
    sasl = Settings().with_(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="gw",
        kafka_sasl_password="pw-0123456789",
    )
    credentials = faust_credentials(sasl)
    assert (credentials.username, credentials.password) == ("gw", "pw-0123456789")
    assert credentials.mechanism.value == "SCRAM-SHA-512" and credentials.ssl_context is not None
    assert kafka_python_config(sasl)["sasl_plain_username"] == "gw"
    assert confluent_config(sasl)["sasl.mechanism"] == "SCRAM-SHA-512"
    assert "pw-0123456789" not in repr(sasl)
    with pytest.raises(ConfigError, match="GAPWATCH_KAFKA_SECURITY_PROTOCOL"):
        faust_credentials(Settings().with_(kafka_security_protocol="TLS"))


@pytest.mark.parametrize("declare", [True, False])
def test_the_worker_declares_its_topics_only_where_the_broker_allows(declare, model_dir):
    from datetime import timedelta

    from pipeline.agents import Worker, build_app
    from pipeline.classifier import load_or_build
    from pipeline.classifier.live import LiveModel

    settings = Settings().with_(
        kafka_declare_topics=declare,
        kafka_partitions=6,
        kafka_replication=3,
        classifier_processes=0,  # only the topics are looked at
    )
    load_or_build(model_dir, settings.classifier.assets_dir)
    model = LiveModel(model_dir, settings.classifier.assets_dir, 0)
    worker = Worker(settings, client=None, model=model)
    app = build_app(settings, worker)
    assert app.conf.topic_allow_declare is declare
    topics = {agent.channel.get_topic_name(): agent.channel for agent in app.agents.values()}
    assert set(topics) == {"satisfaction-events", "complaints", "complaint-updates", "dead-letters"}
    for topic in topics.values():
        assert (topic.partitions, topic.replicas) == (6, 3)
    assert topics["dead-letters"].retention == timedelta(hours=720)


def test_the_fetch_wait_reaches_the_kafka_consumer(settings, broker, tmp_path):
    """Faust alone hard-codes 1.5 s; ours comes from GAPWATCH_KAFKA_FETCH_MAX_WAIT_MS."""
    import asyncio

    from pipeline.agents import prepare

    worker, app = prepare(
        settings.with_(
            kafka_bootstrap=broker.bootstrap, kafka_fetch_max_wait_ms=123, alerts_enabled=False
        )
    )

    async def started_wait() -> int:
        await app.start()
        try:
            return app.consumer._thread._consumer._fetch_max_wait_ms
        finally:
            await app.stop()

    try:
        assert asyncio.run(started_wait()) == 123
    finally:
        worker.close()
