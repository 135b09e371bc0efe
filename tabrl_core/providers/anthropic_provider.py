"""Claude through the anthropic SDK: the Messages API with a JSON-schema output format.

The answer is constrained with `output_config.format` (structured outputs) rather than a
forced tool call: current Claude models think adaptively by default, and forced tool use is
rejected with thinking on (Claude Sonnet 5.5 returns an error for it).
"""

from __future__ import annotations

import base64

import anthropic

from tabrl_core.providers.calls import (
    BAD_OUTPUT, KEY_CHECK_TEXT, MAX_OUTPUT_TOKENS, REFUSED, Completion, ProviderError,
    error_from_status, timed_out, too_deep, unreachable, unreadable)
from tabrl_core.providers.config import ProviderConfig
from tabrl_core.providers.prompt import Prompt


class AnthropicClient:
    """One attempt at a Messages API request; errors come out as ProviderError."""

    def __init__(self, config: ProviderConfig):
        self._label = config.label
        self._model = config.model
        self._client = anthropic.Anthropic(api_key=config.api_key, base_url=config.base_url,
                                           max_retries=0, timeout=config.timeout_s)

    def complete(self, prompt: Prompt, timeout_s: float) -> Completion:
        """Send `prompt` once, waiting at most `timeout_s`."""
        message = self._create(
            timeout_s, max_tokens=MAX_OUTPUT_TOKENS, system=prompt.system,
            messages=[{"role": "user", "content": _content(prompt)}],
            output_config={"format": {"type": "json_schema", "schema": prompt.schema}})
        if message.stop_reason == "refusal":
            raise ProviderError(REFUSED, f"{self._label} declined to answer")
        if message.stop_reason == "max_tokens":
            raise ProviderError(BAD_OUTPUT, f"{self._label}'s answer was cut off at {MAX_OUTPUT_TOKENS} tokens")
        text = "".join(block.text for block in message.content if block.type == "text")
        usage = message.usage
        return Completion(text, usage.input_tokens if usage else 0, usage.output_tokens if usage else 0)

    def check(self, timeout_s: float) -> None:
        """One tiny request (a one-token answer); ProviderError if the key or model is refused."""
        self._create(timeout_s, max_tokens=1,
                     messages=[{"role": "user", "content": KEY_CHECK_TEXT}])

    def _create(self, timeout_s: float, **request):
        try:
            return self._client.messages.create(model=self._model, timeout=timeout_s, **request)
        except anthropic.APITimeoutError:
            raise timed_out(self._label, timeout_s) from None
        except anthropic.APIConnectionError as err:
            raise unreachable(self._label, err) from None
        except anthropic.APIStatusError as err:
            raise error_from_status(err.status_code, err.message, err.response.headers,
                                    self._label) from None
        except ValueError:  # a body that is not JSON
            raise unreadable(self._label) from None
        except RecursionError:  # JSON nested deeper than the SDK's parser can follow
            raise too_deep(self._label) from None

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()


def _content(prompt: Prompt):
    """The user turn: its text, after its images (PNG) when it has any."""
    if not prompt.images:
        return prompt.user
    images = [{"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                           "data": base64.b64encode(png).decode()}}
              for png in prompt.images]
    return images + [{"type": "text", "text": prompt.user}]
