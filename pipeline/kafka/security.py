"""Kafka security settings (SSL, SASL) passed through to every client we use."""

from __future__ import annotations

import ssl

import faust

from pipeline.config import ConfigError, Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def _check(settings: Settings) -> str:
    protocol = settings.kafka.security_protocol.upper()
    if protocol not in PROTOCOLS:
        raise ConfigError(f"GAPWATCH_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}")
    if protocol.startswith("SASL") and settings.kafka.sasl_mechanism.upper() not in MECHANISMS:
        raise ConfigError(f"GAPWATCH_KAFKA_SASL_MECHANISM must be one of {', '.join(MECHANISMS)}")
    if protocol.startswith("SASL") and not settings.kafka.sasl_username:
        raise ConfigError(
            "SASL needs GAPWATCH_KAFKA_SASL_USERNAME and GAPWATCH_KAFKA_SASL_PASSWORD"
        )
    return protocol


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.kafka.ssl_cafile or None)


def faust_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    protocol = _check(settings)
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return faust.SSLCredentials(_ssl_context(settings))
    return faust.SASLCredentials(
        username=settings.kafka.sasl_username,
        password=settings.kafka.sasl_password.reveal(),
        mechanism=settings.kafka.sasl_mechanism.upper(),
        ssl_context=_ssl_context(settings) if protocol == "SASL_SSL" else None,
    )


def kafka_python_config(settings: Settings) -> dict[str, object]:
    protocol = _check(settings)
    config: dict[str, object] = {"security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        config["ssl_context"] = _ssl_context(settings)
    if protocol.startswith("SASL"):
        config.update(
            sasl_mechanism=settings.kafka.sasl_mechanism.upper(),
            sasl_plain_username=settings.kafka.sasl_username,
            sasl_plain_password=settings.kafka.sasl_password.reveal(),
        )
    return config


def confluent_config(settings: Settings) -> dict[str, str]:
    protocol = _check(settings)
    config = {"bootstrap.servers": settings.kafka.bootstrap, "security.protocol": protocol}
    if protocol in ("SSL", "SASL_SSL") and settings.kafka.ssl_cafile:
        config["ssl.ca.location"] = settings.kafka.ssl_cafile
    if protocol.startswith("SASL"):
        config.update(
            {
                "sasl.mechanism": settings.kafka.sasl_mechanism.upper(),
                "sasl.username": settings.kafka.sasl_username,
                "sasl.password": settings.kafka.sasl_password.reveal(),
            }
        )
    return config
