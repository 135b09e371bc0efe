"""Any server that speaks the OpenAI API (Ollama, vLLM, LM Studio, a gateway): Chat Completions.

Asks for a JSON-schema response format first; a server that rejects it (HTTP 4xx) is asked
again, at once and from then on, for plain JSON mode (`json_object`).
"""

from __future__ import annotations

import time

from tabrl_core.providers.calls import (
    BAD_OUTPUT, BAD_REQUEST, KEY_CHECK_TEXT, MAX_OUTPUT_TOKENS, REFUSED, Completion,
    ProviderError, timed_out)
from tabrl_core.providers.config import ProviderConfig
from tabrl_core.providers.openai_provider import make_client, png_data_url, sdk_call
from tabrl_core.providers.prompt import Prompt

# Sent when a local server needs no key. Without it the SDK would fall back to the
# OPENAI_API_KEY environment variable and send the real OpenAI key to this server.
PLACEHOLDER_KEY = "not-needed"

JSON_OBJECT_FORMAT = {"type": "json_object"}


def _schema_format(prompt: Prompt) -> dict:
    return {"type": "json_schema",
            "json_schema": {"name": prompt.schema_name, "schema": prompt.schema, "strict": True}}


def _user_content(prompt: Prompt):
    if not prompt.images:
        return prompt.user
    return [{"type": "text", "text": prompt.user}] + [
        {"type": "image_url", "image_url": {"url": png_data_url(png)}} for png in prompt.images]


class OpenAICompatibleClient:
    """One attempt at a Chat Completions request; errors come out as ProviderError."""

    def __init__(self, config: ProviderConfig):
        self._label = config.label
        self._model = config.model
        self._client = make_client(config, config.api_key or PLACEHOLDER_KEY)
        self._json_mode = False  # set once the server rejected the schema format

    def complete(self, prompt: Prompt, timeout_s: float) -> Completion:
        """Send `prompt` once (twice if the schema format is rejected), within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        try:
            return self._send(prompt, timeout_s)
        except ProviderError as err:
            if err.kind != BAD_REQUEST or self._json_mode:
                raise
        self._json_mode = True
        left = deadline - time.monotonic()
        if left <= 0:
            raise timed_out(self._label, timeout_s)
        return self._send(prompt, left)

    def check(self, timeout_s: float) -> None:
        """One tiny request (a one-token answer); ProviderError if the key or model is refused."""
        self._create(timeout_s, max_tokens=1,
                     messages=[{"role": "user", "content": KEY_CHECK_TEXT}])

    def _send(self, prompt: Prompt, timeout_s: float) -> Completion:
        response = self._create(
            timeout_s, max_tokens=MAX_OUTPUT_TOKENS,
            response_format=JSON_OBJECT_FORMAT if self._json_mode else _schema_format(prompt),
            messages=[{"role": "system", "content": prompt.system},
                      {"role": "user", "content": _user_content(prompt)}])
        if not response.choices:
            raise ProviderError(BAD_OUTPUT, f"{self._label} returned no choices")
        choice = response.choices[0]
        if choice.message.refusal:
            raise ProviderError(REFUSED, f"{self._label} declined to answer: {choice.message.refusal}")
        if choice.finish_reason == "content_filter":
            raise ProviderError(REFUSED, f"{self._label}'s answer was stopped by its content filter")
        if choice.finish_reason == "length":
            raise ProviderError(BAD_OUTPUT, f"{self._label}'s answer was cut off at {MAX_OUTPUT_TOKENS} tokens")
        usage = response.usage
        return Completion(choice.message.content or "", usage.prompt_tokens if usage else 0,
                          usage.completion_tokens if usage else 0)

    def _create(self, timeout_s: float, **request):
        return sdk_call(self._client.chat.completions.create, self._label, timeout_s,
                        model=self._model, **request)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()
