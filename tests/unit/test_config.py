from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, Settings


def test_defaults_point_at_the_embedded_stack_under_var():
    settings = Settings.from_env({})
    assert settings.warehouse.dsn.startswith("chdb://") and settings.warehouse.dsn.endswith(
        "var/chdb"
    )
    assert settings.kafka.declare_topics is True


def test_environment_overrides_are_typed():
    settings = Settings.from_env(
        {
            "GAPWATCH_WEB_PORT": "7001",
            "GAPWATCH_KAFKA_DECLARE_TOPICS": "off",
            "GAPWATCH_MODEL_DIR": "/srv/model",
            "GAPWATCH_BATCH_SECONDS": "0.25",
        }
    )
    assert settings.web.port == 7001
    assert settings.kafka.declare_topics is False
    assert settings.classifier.model_dir == Path("/srv/model")
    assert settings.warehouse.batch_seconds == 0.25


def test_a_bad_value_names_the_variable():
    with pytest.raises(ConfigError, match="GAPWATCH_WEB_PORT='eighty' is not a valid int"):
        Settings.from_env({"GAPWATCH_WEB_PORT": "eighty"})


def test_env_round_trips_for_child_processes():
    settings = Settings().with_(web_port=7100, kafka_declare_topics=False)
    assert Settings.from_env(settings.env()) == settings


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2"])
def test_a_review_threshold_outside_0_1_is_refused(value):
    with pytest.raises(ConfigError, match="GAPWATCH_REVIEW_THRESHOLD"):
        Settings.from_env({"GAPWATCH_REVIEW_THRESHOLD": value})


def test_unknown_fields_takes_only_the_three_policies():
    assert Settings.from_env({}).messages.unknown_fields == "keep"
    assert (
        Settings.from_env({"GAPWATCH_UNKNOWN_FIELDS": "reject"}).messages.unknown_fields == "reject"
    )
    with pytest.raises(ConfigError, match="GAPWATCH_UNKNOWN_FIELDS='drop' must be one of keep"):
        Settings.from_env({"GAPWATCH_UNKNOWN_FIELDS": "drop"})


def test_secrets_never_print_and_reach_child_processes_whole():
    from pipeline.config import Secret

    config = Settings.from_env({"GAPWATCH_GRAFANA_TOKEN": "glsa_0123456789"}).with_(
        kafka_sasl_password="pw-0123456789"
    )
    for secret in (config.web.grafana_token, config.kafka.sasl_password):
        assert isinstance(secret, Secret)
    shown = f"{config!r} {config} {config.web.grafana_token} {config.kafka.sasl_password!r}"
    assert "glsa_0123456789" not in shown and "pw-0123456789" not in shown
    assert config.web.grafana_token.reveal() == "glsa_0123456789"
    assert Settings.from_env(config.env()) == config  # children get the values themselves
    assert not Settings().alerting.webhook_secret  # an unset secret is falsy


def test_settings_are_grouped_by_concern_and_each_variable_named_once():
    settings = Settings.from_env({"GAPWATCH_ALERT_EVIDENCE": "9", "GAPWATCH_TIMEZONE": "UTC"})
    assert settings.alerting.evidence == 9.0 and settings.web.timezone == "UTC"
    names = list(settings.env())
    assert len(names) == len(set(names)) == 48  # every variable read, none read twice


def test_every_variable_is_in_the_readme_table():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in Settings().env() if f"`{name}`" not in table]
    assert not missing


def test_a_change_names_its_variable_and_an_unknown_one_is_refused():
    from pipeline.config import KafkaSettings

    changed = Settings().with_(clickhouse_dsn="chdb:///tmp/x", kafka=KafkaSettings(partitions=3))
    assert changed.warehouse.dsn == "chdb:///tmp/x" and changed.kafka.partitions == 3
    with pytest.raises(TypeError, match="no setting GAPWATCH_KAFKA_BOOTSTRAPS"):
        Settings().with_(kafka_bootstraps="x")
