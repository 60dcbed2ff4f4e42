"""Why ClickHouse refused a write: the data itself, or the server being away or busy.

A data error repeats however often the same rows are retried, so a batch that hits one is
split and the refused rows are set aside; anything else is retried with backoff, because
retrying is what fixes a server that restarts, a network that drops or a merge backlog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.warehouse.client import redact

Kind = Literal["data", "transient"]

# ClickHouse error codes raised by what a row holds (src/Common/ErrorCodes.cpp). Codes not
# listed count as transient: retrying a data error only stalls, dropping a transient one
# would lose rows, and stalling is the failure that can be seen and fixed.
DATA_ERROR_CODES = frozenset(
    {
        6,  # CANNOT_PARSE_TEXT
        26,  # CANNOT_PARSE_QUOTED_STRING
        27,  # CANNOT_PARSE_INPUT_ASSERTION_FAILED
        38,  # CANNOT_PARSE_DATE
        41,  # CANNOT_PARSE_DATETIME
        53,  # TYPE_MISMATCH
        69,  # ARGUMENT_OUT_OF_BOUND
        70,  # CANNOT_CONVERT_TYPE
        72,  # CANNOT_PARSE_NUMBER
        117,  # INCORRECT_DATA
        131,  # TOO_LARGE_STRING_SIZE
        321,  # VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
        349,  # CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
        395,  # FUNCTION_THROW_IF_VALUE_IS_NON_ZERO (a view's throwIf on a row)
        469,  # VIOLATED_CONSTRAINT
    }
)
_CODE = re.compile(r"Code:\s*(\d+)")


@dataclass(frozen=True)
class WriteError:
    kind: Kind
    code: int | None
    message: str  # one line, passwords redacted

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code is not None else ""
        return f"{self.kind} error{code}: {self.message}"


def classify(exc: BaseException) -> WriteError:
    """Data errors: a ClickHouse code from DATA_ERROR_CODES, or a row our side could not
    encode. Everything else (connection refused, timeouts, too many parts, memory, a
    read-only replica, an unknown code) is transient."""
    text = redact(str(exc))
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    match = _CODE.search(text)
    code = int(match.group(1)) if match else None
    if code is not None:
        return WriteError("data" if code in DATA_ERROR_CODES else "transient", code, line[:500])
    if isinstance(exc, (TypeError, ValueError, OverflowError, UnicodeError)):
        return WriteError("data", None, f"{type(exc).__name__}: {line}"[:500])
    return WriteError("transient", None, f"{type(exc).__name__}: {line}"[:500])
