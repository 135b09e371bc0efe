"""Testing a provider key pasted for one browser session: one tiny request, its outcome named
in the providers' error categories (providers/calls.py). The key goes to that provider only and
is never logged, stored or returned."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from tabrl_core.providers.calls import (
    AUTHENTICATION, BAD_OUTPUT, BAD_REQUEST, INTERNAL, RATE_LIMITED, REFUSED, TIMEOUT,
    UNAVAILABLE, ProviderError, redact)
from tabrl_core.providers.config import clean_key, load_configs
from tabrl_core.providers.registry import make_client

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 20.0
"""The longest a key check waits (less when the provider's own timeout is shorter)."""
OUTCOMES = {
    None: "the key works",
    AUTHENTICATION: "the key was rejected",
    RATE_LIMITED: "the key was accepted, but the provider is rate limiting it now",
    TIMEOUT: "the provider did not answer in time",
    UNAVAILABLE: "the provider could not be reached or failed",
    BAD_REQUEST: "the provider refused the request (often an unknown model for this key)",
    REFUSED: "the provider declined to answer",
    BAD_OUTPUT: "the provider's answer could not be read",
    INTERNAL: "the check itself failed",
}
"""What each outcome of a key check means, by error category (None: success)."""


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of one key check; it never holds the key."""

    provider: str
    label: str
    model: str | None
    ok: bool
    error_kind: str | None
    """None on success, else one of the providers' error categories (see OUTCOMES)."""
    message: str
    """What happened, in one line (the server's own words, with the key redacted)."""
    latency_s: float

    @property
    def outcome(self) -> str:
        """The category's meaning in words."""
        return OUTCOMES.get(self.error_kind, self.error_kind or OUTCOMES[None])


def check_key(provider: str, key: str, secrets: Mapping | None = None) -> KeyCheck:
    """Send one tiny request to `provider` (its configured model and base URL) with `key`, and
    say how it went. Makes exactly one attempt, at most CHECK_TIMEOUT_S long.

    Raises ValueError for an unknown provider, the built-in designer (it needs no key) or a
    key that is empty or malformed; ProviderConfigError for broken provider settings.
    """
    key = clean_key(key)
    configs = {c.id: c for c in load_configs(secrets, {provider: key})}
    if provider not in configs:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(configs)}")
    config = configs[provider]
    if config.kind == "builtin":
        raise ValueError("the built-in designer runs offline and needs no key")
    start = time.monotonic()
    try:
        client = make_client(config)
        try:
            client.check(min(config.timeout_s, CHECK_TIMEOUT_S))
        finally:
            client.close()
        kind, message = None, f"{config.label} answered with model {config.model}"
    except ProviderError as err:
        kind, message = err.kind, str(err)
    except Exception as err:  # an SDK bug must end as an outcome, not a traceback
        kind, message = INTERNAL, f"{type(err).__name__}: {err}"
    message = redact(message, key)
    log.info("key check for %s: %s", provider, kind or "ok")
    return KeyCheck(provider, config.label, config.model, kind is None, kind, message,
                    time.monotonic() - start)
