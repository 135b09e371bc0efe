"""Gemini through the google-genai SDK: generateContent with a JSON response schema."""

from __future__ import annotations

import httpx2  # the HTTP client google-genai uses; its transport errors surface raw
from google import genai
from google.genai import errors, types

from tabrl_core.providers.calls import (
    BAD_OUTPUT, KEY_CHECK_TEXT, MAX_OUTPUT_TOKENS, REFUSED, Completion, ProviderError,
    error_from_status, timed_out, too_deep, unreachable, unreadable)
from tabrl_core.providers.config import ProviderConfig
from tabrl_core.providers.prompt import Prompt

API_VERSION = "v1beta"
_BLOCKED = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "MODEL_ARMOR",
            "JAILBREAK"}


def _name(enum_value) -> str | None:
    return getattr(enum_value, "value", enum_value)


class GeminiClient:
    """One attempt at a generateContent request; errors come out as ProviderError."""

    def __init__(self, config: ProviderConfig):
        self._label = config.label
        self._model = config.model
        # v1beta: the version that documents responseJsonSchema (this SDK defaults to v1).
        # retry_options stays unset: the SDK then makes exactly one attempt per call.
        self._client = genai.Client(
            api_key=config.api_key, vertexai=False,
            http_options=types.HttpOptions(base_url=config.base_url, api_version=API_VERSION,
                                           timeout=int(config.timeout_s * 1000)))

    def complete(self, prompt: Prompt, timeout_s: float) -> Completion:
        """Send `prompt` once, waiting at most `timeout_s`."""
        return self._completion(self._generate(
            timeout_s, _contents(prompt), system_instruction=prompt.system,
            max_output_tokens=MAX_OUTPUT_TOKENS, response_mime_type="application/json",
            response_json_schema=prompt.schema))

    def check(self, timeout_s: float) -> None:
        """One tiny request (a one-token answer); ProviderError if the key or model is refused."""
        self._generate(timeout_s, KEY_CHECK_TEXT, max_output_tokens=1)

    def _generate(self, timeout_s: float, contents, **options) -> types.GenerateContentResponse:
        config = types.GenerateContentConfig(
            **options, http_options=types.HttpOptions(timeout=max(1, int(timeout_s * 1000))))
        try:
            return self._client.models.generate_content(
                model=self._model, contents=contents, config=config)
        except errors.APIError as err:
            headers = getattr(err.response, "headers", None)
            raise error_from_status(err.code, err.message or str(err), headers, self._label) from None
        except httpx2.TimeoutException:
            raise timed_out(self._label, timeout_s) from None
        except httpx2.TransportError as err:
            raise unreachable(self._label, err) from None
        except ValueError:  # a body that is not JSON
            raise unreadable(self._label) from None
        except RecursionError:  # JSON nested deeper than the SDK's parser can follow
            raise too_deep(self._label) from None

    def _completion(self, response: types.GenerateContentResponse) -> Completion:
        feedback = response.prompt_feedback
        if feedback and feedback.block_reason:
            raise ProviderError(REFUSED, f"{self._label} blocked the request ({_name(feedback.block_reason)})")
        if not response.candidates:
            raise ProviderError(BAD_OUTPUT, f"{self._label} returned no candidates")
        candidate = response.candidates[0]
        reason = _name(candidate.finish_reason)
        if reason in _BLOCKED:
            raise ProviderError(REFUSED, f"{self._label} stopped its answer ({reason})")
        if reason == "MAX_TOKENS":
            raise ProviderError(BAD_OUTPUT, f"{self._label}'s answer was cut off at {MAX_OUTPUT_TOKENS} tokens")
        parts = candidate.content.parts if candidate.content and candidate.content.parts else []
        text = "".join(p.text for p in parts if p.text and not p.thought)
        usage = response.usage_metadata
        output_tokens = ((usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)) if usage else 0
        return Completion(text, (usage.prompt_token_count or 0) if usage else 0, output_tokens)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()


def _contents(prompt: Prompt):
    """The user turn: its images (PNG) when it has any, then its text."""
    if not prompt.images:
        return prompt.user
    return [types.Part.from_bytes(data=png, mime_type="image/png") for png in prompt.images] + [
        types.Part.from_text(text=prompt.user)]
