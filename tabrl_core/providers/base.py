"""What every reward designer returns: approaches, and per-provider results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Approach:
    """One reward-design approach: a name, a one-paragraph description and reward code."""

    provider: str
    name: str
    description: str
    code: str
    valid: bool = True
    error: str | None = None  # the validator's message when not valid
    components: tuple[str, ...] = ()
    repaired: bool = False  # True when valid only after the repair round

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ProviderResult:
    """What one provider produced for one request."""

    provider: str
    approaches: list[Approach] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None  # not_configured, authentication, rate_limited, timeout, bad_output,
    # refused, unavailable, bad_request or internal (see providers/calls.py)
    note: str | None = None
    model: str | None = None
    latency_s: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Revision:
    """A provider's revision of one approach: the revised approach (validated), what changed
    and why in the provider's words, and what the call cost."""

    approach: Approach
    changes: str
    note: str | None = None
    model: str | None = None
    latency_s: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
