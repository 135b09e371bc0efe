"""GPT through the openai SDK: the Responses API with a strict JSON-schema text format."""

from __future__ import annotations

import base64

import openai

from tabrl_core.providers.calls import (
    BAD_OUTPUT, KEY_CHECK_TEXT, MAX_OUTPUT_TOKENS, REFUSED, Completion, ProviderError,
    error_from_status, timed_out, too_deep, unreachable, unreadable)
from tabrl_core.providers.config import ProviderConfig
from tabrl_core.providers.prompt import Prompt

MIN_OUTPUT_TOKENS = 16
"""The smallest max_output_tokens the Responses API accepts."""


def make_client(config: ProviderConfig, api_key: str) -> openai.OpenAI:
    """An openai SDK client for `config` that never retries by itself."""
    return openai.OpenAI(api_key=api_key, base_url=config.base_url, max_retries=0,
                         timeout=config.timeout_s)


def provider_error(err: openai.OpenAIError, label: str, timeout_s: float) -> ProviderError:
    """The ProviderError matching an openai SDK exception."""
    if isinstance(err, openai.APITimeoutError):
        return timed_out(label, timeout_s)
    if isinstance(err, openai.APIConnectionError):
        return unreachable(label, err)
    if isinstance(err, openai.APIStatusError):
        return error_from_status(err.status_code, err.message, err.response.headers, label)
    return ProviderError(BAD_OUTPUT, f"{label} sent an answer the SDK cannot read: {err}")


def sdk_call(create, label: str, timeout_s: float, **request):
    """`create(timeout=timeout_s, **request)` (an openai SDK method) with its failures as
    ProviderError: SDK errors, a body that is not JSON, JSON nested deeper than the SDK's
    parser can follow."""
    try:
        return create(timeout=timeout_s, **request)
    except openai.OpenAIError as err:
        raise provider_error(err, label, timeout_s) from None
    except ValueError:
        raise unreadable(label) from None
    except RecursionError:
        raise too_deep(label) from None


class OpenAIClient:
    """One attempt at a Responses API request; errors come out as ProviderError."""

    def __init__(self, config: ProviderConfig):
        self._label = config.label
        self._model = config.model
        self._client = make_client(config, config.api_key)

    def complete(self, prompt: Prompt, timeout_s: float) -> Completion:
        """Send `prompt` once, waiting at most `timeout_s`."""
        response = self._create(
            timeout_s, instructions=prompt.system, input=_input(prompt),
            max_output_tokens=MAX_OUTPUT_TOKENS,
            text={"format": {"type": "json_schema", "name": prompt.schema_name,
                             "schema": prompt.schema, "strict": True}})
        for item in response.output or []:
            for part in getattr(item, "content", None) or []:
                if part.type == "refusal":
                    raise ProviderError(REFUSED, f"{self._label} declined to answer: {part.refusal}")
        reason = response.incomplete_details.reason if response.incomplete_details else None
        if reason == "content_filter":
            raise ProviderError(REFUSED, f"{self._label}'s answer was stopped by its content filter")
        if reason:
            raise ProviderError(BAD_OUTPUT, f"{self._label}'s answer is incomplete ({reason})")
        usage = response.usage
        return Completion(response.output_text, usage.input_tokens if usage else 0,
                          usage.output_tokens if usage else 0)

    def check(self, timeout_s: float) -> None:
        """One tiny request (the shortest answer allowed); ProviderError if the key or model is
        refused."""
        self._create(timeout_s, input=KEY_CHECK_TEXT, max_output_tokens=MIN_OUTPUT_TOKENS)

    def _create(self, timeout_s: float, **request):
        return sdk_call(self._client.responses.create, self._label, timeout_s,
                        model=self._model, store=False, **request)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()


def png_data_url(png: bytes) -> str:
    """A PNG as a data URL, the way OpenAI-style APIs take images inline."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _input(prompt: Prompt):
    """The user turn: its text, then its images when it has any."""
    if not prompt.images:
        return prompt.user
    parts = [{"type": "input_text", "text": prompt.user}]
    parts += [{"type": "input_image", "image_url": png_data_url(png)} for png in prompt.images]
    return [{"role": "user", "content": parts}]
