"""What one model call returns, how its failures are named, and how it is retried in time.

Every SDK client is built with max_retries=0 and retried here instead: the SDKs' own loops
time each attempt separately and obey any retry-after, however long, so the total wait has
no bound. Here the total (attempts and waits) never exceeds the provider's timeout.
"""

from __future__ import annotations

import email.utils
import hashlib
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

MAX_OUTPUT_TOKENS = 16_000
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0

# error_kind values of ProviderResult
NOT_CONFIGURED = "not_configured"
AUTHENTICATION = "authentication"
RATE_LIMITED = "rate_limited"
TIMEOUT = "timeout"
BAD_OUTPUT = "bad_output"
REFUSED = "refused"
UNAVAILABLE = "unavailable"  # connection failed, or 5xx after every retry that fit
BAD_REQUEST = "bad_request"  # any other 4xx: unknown model, a schema the server rejects
INTERNAL = "internal"  # a bug in TabRL or an SDK, caught so it touches no other provider

KEY_CHECK_TEXT = "Reply with the word OK."
"""The whole prompt of a key check: one tiny request, answered in a token or a few."""

T = TypeVar("T")


class ProviderError(Exception):
    """A failed model call, categorised; `retryable` failures may succeed on a later attempt."""

    def __init__(self, kind: str, message: str, *, retryable: bool = False,
                 retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class Completion:
    """A model's answer: the JSON text it wrote and the tokens it was billed for."""

    text: str
    input_tokens: int = 0
    output_tokens: int = 0


def retry_after_seconds(headers: Mapping | None) -> float | None:
    """Seconds a server asked us to wait (retry-after-ms, retry-after seconds or HTTP date)."""
    if not headers:
        return None
    try:
        return float(headers["retry-after-ms"]) / 1000
    except (KeyError, TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        return None if parsed is None else max(0.0, email.utils.mktime_tz(parsed) - time.time())


def error_from_status(status: int, message: str, headers: Mapping | None, label: str) -> ProviderError:
    """The ProviderError for an HTTP error status; 429, 408 and 5xx are retryable."""
    if status in (401, 403):
        return ProviderError(AUTHENTICATION, f"{label} rejected the API key (HTTP {status})")
    if status == 429:
        return ProviderError(RATE_LIMITED, f"{label} is rate limiting requests (HTTP 429)",
                             retryable=True, retry_after=retry_after_seconds(headers))
    if status == 408 or status >= 500:
        return ProviderError(UNAVAILABLE, f"{label} failed with HTTP {status}: {_short(message)}",
                             retryable=True, retry_after=retry_after_seconds(headers))
    return ProviderError(BAD_REQUEST, f"{label} refused the request (HTTP {status}): {_short(message)}")


def unreadable(label: str) -> ProviderError:
    """The error for a response body that is not the JSON the API documents."""
    return ProviderError(BAD_OUTPUT, f"{label} sent a response that is not valid JSON")


def too_deep(label: str) -> ProviderError:
    """The error for a response or answer nested too deeply for the SDK to read (RecursionError)."""
    return ProviderError(BAD_OUTPUT, f"{label} sent JSON nested too deeply to read")


def timed_out(label: str, timeout_s: float) -> ProviderError:
    """The error for an attempt that got no answer in the time it had."""
    return ProviderError(TIMEOUT, f"{label} did not answer within {timeout_s:.3g} s")


def unreachable(label: str, err: Exception) -> ProviderError:
    """The (retryable) error for a connection that failed."""
    return ProviderError(UNAVAILABLE, f"cannot reach {label}: {err}", retryable=True)


def redact(text: str | None, secret: str | None) -> str | None:
    """`text` with every occurrence of `secret` replaced (servers may echo a key back)."""
    return text.replace(secret, "[redacted]") if text and secret else text


def key_fingerprint(key: str | None) -> str | None:
    """A digest that tells keys apart in this process's memory (the answer cache) without
    holding the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else None


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _backoff(attempt: int) -> float:
    return min(INITIAL_BACKOFF_S * 2**attempt, MAX_BACKOFF_S) * (1 - 0.25 * random.random())


def call_with_retries(attempt: Callable[[float], T], timeout_s: float) -> T:
    """Run `attempt(seconds_left)` until it succeeds, retrying retryable errors in time.

    Waits what the server asked (retry-after), else backs off exponentially; gives up with the
    last error as soon as the next wait would not end before `timeout_s` has passed.
    """
    deadline = time.monotonic() + timeout_s
    retries = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProviderError(TIMEOUT, f"no answer within {timeout_s:g} s")
        try:
            return attempt(left)
        except ProviderError as err:
            if not err.retryable:
                raise
            wait = err.retry_after if err.retry_after is not None else _backoff(retries)
            if time.monotonic() + wait >= deadline:
                raise ProviderError(err.kind, f"{err} (gave up: a retry would not fit in the "
                                              f"{timeout_s:g} s timeout)") from None
            time.sleep(wait)
            retries += 1
