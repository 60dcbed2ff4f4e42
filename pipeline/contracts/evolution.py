"""How a contract evolves without stopping ingestion: unknown fields and ``schema_version``.

A producer may add fields before the worker knows them. The contracts validate the fields they
know strictly and carry the others along (pydantic's ``model_extra``); what happens to those is
a setting (``GAPWATCH_UNKNOWN_FIELDS``):

- ``keep`` (default): stored, by value, as a JSON object in the row's ``extra`` column;
- ``ignore``: dropped;
- ``reject``: the message is dead-lettered, as before contracts could evolve.

Every message names the version of its contract in ``schema_version`` (absent: 1). A version
newer than the worker knows is accepted like any other message: its new fields are unknown
fields, and the worker counts it, so an upgraded producer never stops an older worker.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Literal, get_args

import orjson
from pydantic import BaseModel

from pipeline.contracts._fields import Contract

UnknownFields = Literal["keep", "ignore", "reject"]
POLICIES: tuple[str, ...] = get_args(UnknownFields)
NONE_KEPT = "{}"


def unknown_fields(model: BaseModel) -> tuple[str, ...]:
    """The names of the fields a decoded message carried that its contract does not know."""
    return tuple(model.model_extra or ())


def newer_version(model: Contract) -> int | None:
    """The message's schema_version when it is newer than the one this worker knows."""
    version = model.schema_version
    return version if version > type(model).SCHEMA_VERSION else None


def extra_column(model: BaseModel, policy: UnknownFields) -> str:
    """The ``extra`` column: the unknown fields as one JSON object, or ``{}``."""
    extra = model.model_extra
    if not extra or policy != "keep":
        return NONE_KEPT
    try:
        return orjson.dumps(extra).decode()
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits: orjson refuses them, the standard library keeps every digit.
        return json.dumps(extra, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def first_non_finite(extra: dict[str, object] | None) -> str | None:
    """The first unknown field holding NaN, Infinity or a number beyond a double (1e400).

    pydantic's JSON parser reads them as floats and no known field is a float, so only an
    unknown field can bring one; JSON cannot hold it, so such a message is refused."""
    if not extra:
        return None
    for name, value in extra.items():
        if not _finite(value):
            return name
    return None


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def unknown_reason(names: Iterable[str]) -> str:
    """Why a message was refused for its unknown fields (policy ``reject``)."""
    return "; ".join(f"{name}: unknown field" for name in names)


def newer_version_note(model: Contract) -> str:
    """What a refused message of a newer schema_version asks of the operator, or nothing."""
    version = newer_version(model)
    if version is None:
        return ""
    known = type(model).SCHEMA_VERSION
    return (
        f" (schema_version {version} is newer than the {known} this worker knows: "
        "upgrade the worker, then replay these dead letters)"
    )
