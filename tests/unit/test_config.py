from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, Settings


def test_defaults_point_at_the_embedded_stack_under_var():
    settings = Settings.from_env({})
    assert settings.clickhouse_dsn.startswith("chdb://") and settings.clickhouse_dsn.endswith(
        "var/chdb"
    )
    assert settings.kafka_declare_topics is True


def test_environment_overrides_are_typed():
    settings = Settings.from_env(
        {
            "GAPWATCH_WEB_PORT": "7001",
            "GAPWATCH_KAFKA_DECLARE_TOPICS": "off",
            "GAPWATCH_MODEL_DIR": "/srv/model",
            "GAPWATCH_BATCH_SECONDS": "0.25",
        }
    )
    assert settings.web_port == 7001
    assert settings.kafka_declare_topics is False
    assert settings.model_dir == Path("/srv/model")
    assert settings.batch_seconds == 0.25


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
    assert Settings.from_env({}).unknown_fields == "keep"
    assert Settings.from_env({"GAPWATCH_UNKNOWN_FIELDS": "reject"}).unknown_fields == "reject"
    with pytest.raises(ConfigError, match="GAPWATCH_UNKNOWN_FIELDS='drop' must be one of keep"):
        Settings.from_env({"GAPWATCH_UNKNOWN_FIELDS": "drop"})


def test_secrets_never_print_and_reach_child_processes_whole():
    from pipeline.config import Secret

    config = Settings.from_env({"GAPWATCH_GRAFANA_TOKEN": "glsa_0123456789"}).with_(
        kafka_sasl_password="pw-0123456789"
    )
    for secret in (config.grafana_token, config.kafka_sasl_password):
        assert isinstance(secret, Secret)
    shown = f"{config!r} {config} {config.grafana_token} {config.kafka_sasl_password!r}"
    assert "glsa_0123456789" not in shown and "pw-0123456789" not in shown
    assert config.grafana_token.reveal() == "glsa_0123456789"
    assert Settings.from_env(config.env()) == config  # children get the values themselves
    assert not Settings().alert_webhook_secret  # an unset secret is falsy
