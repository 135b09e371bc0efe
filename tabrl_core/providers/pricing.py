"""Estimated cost of a request from its token counts; a model not listed costs 0."""

from __future__ import annotations

# US dollars per million (input, output) tokens, at standard rates, from the providers'
# published price lists as of 2026-10; long-context and cached-input rates are ignored.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "claude-opus-5-5": (4.00, 20.00),
    "claude-sonnet-5-5": (2.00, 10.00),
    "claude-sonnet-5": (2.00, 10.00),
    "claude-haiku-4-5": (1.00, 5.00),
    "gpt-5.5": (5.00, 30.00),
    "gpt-5.4": (2.50, 15.00),
    "gpt-4.1": (2.00, 8.00),
    "gemini-3.8-flash": (0.75, 3.75),
}


def estimate_cost(model: str | None, input_tokens: int, output_tokens: int) -> float:
    """Dollars for `input_tokens` in and `output_tokens` out on `model` (0.0 when unknown)."""
    price_in, price_out = PRICES_PER_MTOK.get(model or "", (0.0, 0.0))
    return (input_tokens * price_in + output_tokens * price_out) / 1e6
