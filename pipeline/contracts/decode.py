"""Raw Kafka value → contract model, or a Rejection with a reason a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from pipeline.contracts._fields import Contract
from pipeline.contracts._timestamps import check_window
from pipeline.contracts.complaint import Complaint
from pipeline.contracts.evolution import (
    UnknownFields,
    first_non_finite,
    newer_version_note,
    unknown_fields,
    unknown_reason,
)

M = TypeVar("M", bound=Contract)


@dataclass(frozen=True)
class Limits:
    """What decoding accepts beyond the contracts' own types."""

    max_text_chars: int = 2000
    max_future: timedelta = timedelta(minutes=10)
    max_age: timedelta = timedelta(days=400)
    # Fields a contract does not know: kept, ignored or rejected (evolution.py).
    unknown_fields: UnknownFields = "keep"


@dataclass(frozen=True)
class Rejection:
    reason: str
    # The unknown fields the message carried, whatever the reason: the worker counts them.
    unknown_fields: tuple[str, ...] = ()


def decode(raw: bytes | None, contract: type[M], limits: Limits, now: datetime) -> M | Rejection:
    # Fast path: pydantic parses and validates the bytes in one pass (half the cost of
    # parsing then validating a dict). Both paths parse with the same parser (jiter) and the
    # contracts hold no floats, so it accepts exactly what the path below accepts, and builds
    # the same model; anything it refuses goes there for a precise reason, and so does an
    # unknown field holding NaN or 1e400, which JSON cannot hold and the path below refuses.
    if raw:
        try:
            model = contract.model_validate_json(raw)
        except ValidationError:
            pass
        else:
            if not model.__pydantic_extra__:  # the common case, inline: every field known
                problem = _business_rules(model, limits, now)
                return Rejection(problem) if problem else model
            if first_non_finite(model.__pydantic_extra__) is None:
                return _checked(model, limits, now)
    return _explained(raw, contract, limits, now)


def _explained(
    raw: bytes | None, contract: type[M], limits: Limits, now: datetime
) -> M | Rejection:
    if not raw:
        return Rejection("empty message: expected a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(f"value is not valid UTF-8 (byte {raw[exc.start]:#04x} at {exc.start})")
    try:
        data = from_json(text, allow_inf_nan=False)
    except ValueError as exc:
        return Rejection(f"value is not JSON: {exc}")
    if not isinstance(data, dict):
        return Rejection(f"expected a JSON object, got {_json_kind(data)}")
    try:
        model = contract.model_validate(data)
    except ValidationError as exc:
        names = _unknown_keys(data, contract)
        reason = describe(exc)
        if names and limits.unknown_fields == "reject":
            reason += "; " + unknown_reason(names)
        return Rejection(reason, names)
    name = first_non_finite(model.model_extra)
    if name is not None:
        return Rejection(
            f"{name}: holds a number JSON cannot store (NaN, Infinity or beyond a double)",
            unknown_fields(model),
        )
    return _checked(model, limits, now)


def _checked(model: M, limits: Limits, now: datetime) -> M | Rejection:
    """A model whose fields are valid: the policy for unknown fields, then the rules
    beyond types (the time window, the text's length)."""
    problem = _business_rules(model, limits, now)
    extra = model.__pydantic_extra__  # empty in the common case: every field known
    if extra and limits.unknown_fields == "reject":
        names = tuple(extra)
        refused = unknown_reason(names) + newer_version_note(model)
        return Rejection(f"{problem}; {refused}" if problem else refused, names)
    if problem:
        return Rejection(problem, tuple(extra or ()))
    return model


def _unknown_keys(data: dict[str, Any], contract: type[BaseModel]) -> tuple[str, ...]:
    return tuple(k for k in data if k not in contract.model_fields)


def _business_rules(model: Contract, limits: Limits, now: datetime) -> str | None:
    problem = check_window(model.ts, now, limits.max_future, limits.max_age)
    if problem:
        return problem
    if isinstance(model, Complaint) and len(model.text) > limits.max_text_chars:
        return (
            f"text has {len(model.text)} characters, more than the limit of {limits.max_text_chars}"
        )
    return None


def describe(exc: ValidationError) -> str:
    """One line per problem, naming the field: 'score: must be <= 5 (got 7)'."""
    parts = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "value"
        kind = err["type"]
        if kind == "missing":
            parts.append(f"{field}: required field is missing")
        elif kind == "value_error":  # our own validators already quote the input
            parts.append(f"{field}: {err['msg'].removeprefix('Value error, ')}")
        elif kind == "literal_error" and len(err["loc"]) >= 2:
            parts.append(f"{err['loc'][0]}: unknown SERVQUAL dimension {err['loc'][1]!r}")
        else:
            parts.append(f"{field}: {err['msg']} (got {_short(err.get('input'))})")
    return "; ".join(parts)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_kind(data: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(data), "a number"
    )
